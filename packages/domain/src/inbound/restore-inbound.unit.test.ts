import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InboundEvent } from './inbound-event.js';
import { restoreInbound } from './restore-inbound.js';

// Strings as integrations send them: sometimes padded with blanks the schema trims.
const padded = (core: fc.Arbitrary<string>) =>
  fc
    .tuple(fc.constantFrom('', ' ', '  ', '\t'), core, fc.constantFrom('', ' ', '\n'))
    .map(([a, b, c]) => `${a}${b}${c}`);
const id = padded(fc.stringMatching(/^[A-Za-z0-9_-]{1,12}$/));
const maybe = <T>(arb: fc.Arbitrary<T>) => fc.option(arb, { nil: undefined });
const time = fc
  .tuple(
    fc.integer({ min: Date.parse('2020-01-01T00:00:00Z'), max: Date.parse('2030-01-01T00:00:00Z') }),
    fc.constantFrom('Z', '+01:00', '-05:30', '.250Z', '.5+02:00'),
  )
  .map(([ms, zone]) => new Date(ms).toISOString().slice(0, 19) + zone);
const channel = fc.constantFrom('sms', 'email', 'chat', 'whatsapp');
/** Keys the schema does not know: zod drops them, and so must the restore. */
const extra = fc.option(fc.record({ extension: fc.string() }), { nil: undefined });

const customer = (customerId: string) =>
  fc
    .record({
      name: maybe(padded(fc.constantFrom('Marie Dupont', 'Élodie', 'Bob'))),
      phone: maybe(padded(fc.constantFrom('+33612345678', '+15550100'))),
      email: maybe(fc.constantFrom('a@example.com')),
      x: extra,
    })
    .map(({ x, ...fields }) => ({ id: customerId, ...defined(fields), ...x }));

function defined<T extends object>(fields: T): Partial<T> {
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as Partial<T>;
}

const dataFor = (type: string, subject: string): fc.Arbitrary<object> => {
  const ticketId = id;
  switch (type) {
    case 'message.received':
      return fc
        .record({
          channel,
          integration: maybe(id),
          customer: customer(subject),
          message: fc.record({ id, body: fc.string() }),
          ticketId: maybe(ticketId),
          x: extra,
        })
        .map(({ x, ...d }) => ({ ...defined(d), ...x }));
    case 'message.sent':
      return fc.record({
        ticketId,
        message: fc.record({ id, body: fc.string() }),
        author: fc.record({ type: fc.constantFrom('agent', 'automation') }),
      });
    case 'ticket.created':
      return fc
        .record({
          ticketId,
          channel,
          integration: maybe(id),
          customer: customer(subject),
          subject: maybe(padded(fc.constantFrom('Help', 'Order 1'))),
        })
        .map((d) => defined(d));
    case 'ticket.closed':
      return fc
        .record({
          ticketId,
          closedBy: maybe(
            fc.record({ type: fc.constantFrom('agent', 'system'), id: maybe(id) }).map((a) => defined(a)),
          ),
        })
        .map((d) => defined(d));
    case 'ticket.tagged':
      return fc
        .record({
          ticketId,
          add: fc.array(padded(fc.constantFrom('vip', 'late')), { minLength: 1, maxLength: 3 }),
          remove: maybe(fc.array(padded(fc.constant('old')))),
        })
        .map((d) => defined(d));
    default:
      return fc
        .record({
          ticketId,
          team: fc.option(padded(fc.constantFrom('Billing', 'SMS Support')), { nil: null }),
          agent: maybe(fc.option(id, { nil: null })),
        })
        .map((d) => defined(d));
  }
};

const inboundEvent = fc
  .record({
    type: fc.constantFrom(
      'message.received',
      'message.sent',
      'ticket.created',
      'ticket.closed',
      'ticket.tagged',
      'ticket.assigned',
    ),
    subject: fc.stringMatching(/^cus_[a-z]{1,6}$/),
    id,
    source: padded(fc.constantFrom('https://postscript.example/sms', 'urn:agents')),
    time,
    datacontenttype: maybe(fc.constant('application/json')),
    x: extra,
  })
  .chain(({ type, subject, x, ...envelope }) =>
    dataFor(type, subject).map((data) => ({
      specversion: '1.0',
      ...defined(envelope),
      type,
      subject: ` ${subject}`,
      data,
      ...x,
    })),
  )
  // The customer id must equal the trimmed subject: keep only what the schema accepts.
  .filter((event) => InboundEvent.safeParse(event).success);

describe('restoring an accepted inbound event without the schema', () => {
  it('gives exactly what the schema gave when the event was accepted, key order included', () => {
    fc.assert(
      fc.property(inboundEvent, (received) => {
        const parsed = InboundEvent.parse(received);
        const restored = restoreInbound(JSON.parse(JSON.stringify(received)));
        expect(restored).toStrictEqual(parsed);
        expect(JSON.stringify(restored)).toBe(JSON.stringify(parsed));
      }),
      { numRuns: 1_000 },
    );
  });

  it('normalises the event time to UTC with milliseconds', () => {
    const restored = restoreInbound({
      specversion: '1.0',
      id: 'a',
      source: 's',
      type: 'ticket.closed',
      time: '2026-03-02T10:00:00+01:00',
      subject: 'cus_1',
      data: { ticketId: 't' },
    });
    expect(restored.time).toBe('2026-03-02T09:00:00.000Z');
  });
});
