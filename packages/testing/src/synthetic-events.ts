import { ticketIdFor } from '@tickets/domain';

const SOURCE = 'https://bench.example/sms';
const AGENTS = 'https://bench.example/agents';
const BODIES = [
  "Bonjour, ma commande n'est pas arrivée",
  'Merci !',
  'Where is my parcel? Order 48213',
  'ok parfait merci',
  'Hola, necesito cambiar la dirección de entrega',
  'STOP',
  'Can I change the size to M please?',
];

/** A small deterministic PRNG (mulberry32): the same seed gives the same workload every run. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/**
 * `count` inbound CloudEvents over `customers` customers, in arrival order: mostly SMS messages
 * (~300 bytes each), with agent closes of the customer's first ticket, so that the workload has new
 * tickets, open-ticket messages, reopens and follow-ups.
 */
export function syntheticEvents(count: number, customers: number, seed = 42): object[] {
  const random = prng(seed);
  const firstTicket = new Map<number, string>();
  const events: object[] = [];
  let time = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    time += Math.floor(random() * 20_000);
    const c = Math.floor(random() * customers);
    const customerId = `cus_${c}`;
    const ticketId = firstTicket.get(c);
    const iso = new Date(time).toISOString();
    if (ticketId !== undefined && random() < 0.15) {
      events.push({
        specversion: '1.0',
        id: `close-${i}`,
        source: AGENTS,
        type: 'ticket.closed',
        time: iso,
        subject: customerId,
        data: { ticketId, closedBy: { type: 'agent', id: 'agent-1' } },
      });
      continue;
    }
    const id = `sms-${i}`;
    if (ticketId === undefined) firstTicket.set(c, ticketIdFor(SOURCE, id));
    events.push({
      specversion: '1.0',
      id,
      source: SOURCE,
      type: 'message.received',
      time: iso,
      subject: customerId,
      data: {
        channel: 'sms',
        integration: c % 3 === 0 ? 'postscript' : 'twilio',
        customer: { id: customerId, name: `Customer ${c}`, phone: `+3361${String(c).padStart(7, '0')}` },
        message: { id: `m-${i}`, body: BODIES[Math.floor(random() * BODIES.length)] ?? '' },
      },
    });
  }
  return events;
}
