import { customerStream } from '../customer/customer-events.js';
import { evolveCustomer, initialCustomerState, type CustomerState } from '../customer/customer-state.js';
import { InboundEvent, type InboundEventInput } from '../inbound/inbound-event.js';
import { inboundKey } from '../shared/ids.js';
import { evolve } from '../ticket/evolve.js';
import { DEFAULT_REOPEN_POLICY, type ReopenPolicy } from '../ticket/reopen-policy.js';
import type { TicketEvent } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';
import type { CustomerEvent } from '../customer/customer-events.js';
import { decideInbound, ticketsToLoad, type InboundDecision } from './decide-inbound.js';

export type SpecOutcome = InboundDecision | { outcome: 'duplicate' };

/**
 * An in-memory world for decider specifications: Given inbound events (decided and applied in
 * order), When one more arrives, Then look at the decision. Mirrors what the ingest service does
 * with a real store, minus the store.
 */
export class DeciderWorld {
  readonly tickets = new Map<string, TicketState>();
  readonly customers = new Map<string, CustomerState>();
  private readonly seen = new Set<string>();

  constructor(private readonly policy: ReopenPolicy = DEFAULT_REOPEN_POLICY) {}

  handle(input: InboundEventInput): SpecOutcome {
    const event = InboundEvent.parse(input);
    const key = inboundKey(event.source, event.id);
    if (this.seen.has(key)) return { outcome: 'duplicate' };
    const customer = this.customers.get(event.subject) ?? initialCustomerState(event.subject);
    const tickets = new Map<string, TicketState>();
    for (const id of ticketsToLoad(event, customer)) {
      const ticket = this.tickets.get(id);
      if (ticket !== undefined) tickets.set(id, ticket);
    }
    const decision = decideInbound(event, { customer, tickets, policy: this.policy });
    if (decision.outcome === 'accepted') {
      this.seen.add(key);
      for (const write of decision.writes) {
        for (const e of write.events) {
          if (write.stream === customerStream(event.subject)) {
            const state = this.customers.get(event.subject) ?? initialCustomerState(event.subject);
            this.customers.set(event.subject, evolveCustomer(state, e as CustomerEvent));
          } else {
            const ticketEvent = e as TicketEvent;
            const next = evolve(this.tickets.get(ticketEvent.data.ticketId) ?? null, ticketEvent);
            if (next !== null) this.tickets.set(next.ticketId, next);
          }
        }
      }
    }
    return decision;
  }
}

export function given(events: readonly InboundEventInput[], policy?: ReopenPolicy) {
  const world = new DeciderWorld(policy);
  for (const event of events) {
    const outcome = world.handle(event);
    if (outcome.outcome === 'rejected') throw new Error(`given event rejected: ${outcome.error.message}`);
  }
  return {
    world,
    when: (event: InboundEventInput): SpecOutcome => world.handle(event),
  };
}

/** The domain events of an accepted decision, as `type` names in order, for compact assertions. */
export const eventTypes = (outcome: SpecOutcome): string[] =>
  outcome.outcome === 'accepted' ? outcome.writes.flatMap((w) => w.events.map((e) => e.type)) : [];

// Inbound event builders for the specs (the domain cannot depend on @tickets/testing).
export const SOURCE = 'https://postscript.example/sms';
export const MARIE = { id: 'cus_marie', name: 'Marie Dupont', phone: '+33612345678', email: 'marie@example.com' };
let n = 0;

export function message(
  time: string,
  body = 'Bonjour',
  options: {
    id?: string;
    channel?: 'sms' | 'email' | 'chat' | 'whatsapp';
    integration?: string | null;
    ticketId?: string;
    customer?: typeof MARIE;
  } = {},
): InboundEventInput {
  const customer = options.customer ?? MARIE;
  return {
    specversion: '1.0',
    id: options.id ?? `msg-${++n}`,
    source: SOURCE,
    type: 'message.received',
    time,
    subject: customer.id,
    data: {
      channel: options.channel ?? 'sms',
      ...(options.integration === null ? {} : { integration: options.integration ?? 'postscript' }),
      customer,
      message: { id: `m-${n}`, body },
      ...(options.ticketId === undefined ? {} : { ticketId: options.ticketId }),
    },
  };
}

export function close(time: string, ticketId: string, customerId = MARIE.id): InboundEventInput {
  return {
    specversion: '1.0',
    id: `close-${++n}`,
    source: 'https://helpdesk.example/agents',
    type: 'ticket.closed',
    time,
    subject: customerId,
    data: { ticketId, closedBy: { type: 'agent', id: 'agent-lea' } },
  };
}
