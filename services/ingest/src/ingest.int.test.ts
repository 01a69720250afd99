import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REOPEN_POLICY,
  inboundKey,
  ticketIdFor,
  ticketStream,
  type InboundEventInput,
  type RoutingKind,
} from '@tickets/domain';
import { isConcurrencyError, type EventStore, type RecordedEvent } from '@tickets/event-store';
import { createSqliteEventStore, type SqliteEventStore } from '@tickets/event-store/sqlite';
import { createLogger } from '@tickets/platform';
import { foldTicketRecords, INBOUND_STREAM_PREFIX, inboundStream } from '@tickets/streams';
import {
  AGENT_SOURCE,
  agentEvent,
  messageReceived,
  SMS_SOURCE,
  tempDir,
  type CustomerFixture,
  NO_RULES,
} from '@tickets/testing';
import { createIngest, type Ingest } from './ingest.js';
import type { IngestResult } from './ingest-results.js';

// Integration specification of the ingest on a real SQLite file: the invariants of SPEC.md that the
// ingest alone is responsible for (1 dedupe, 2 one ticket per customer + channel, 3 reopen window,
// 6 bad input is rejected, never stored).

const logger = createLogger({ level: 'silent' });
const HOUR = 3_600_000;
const POSTSCRIPT_WINDOW_MS = 24 * HOUR;
const T0 = '2026-03-02T08:00:00.000Z';
const at = (iso: string, offsetMs: number): string => new Date(Date.parse(iso) + offsetMs).toISOString();

const customer = (n: number): CustomerFixture => ({
  id: `cus_${n}`,
  name: `Client ${n}`,
  phone: `+3361234${String(n).padStart(4, '0')}`,
  email: `client${n}@example.com`,
});

/** The ticket's state folded from its stream, as any reader of the store would see it. */
async function ticketState(store: EventStore, ticketId: string) {
  return foldTicketRecords(await store.readStream(ticketStream(ticketId)));
}

async function ticketEvents(store: EventStore): Promise<RecordedEvent[]> {
  return store.readAll({ streamPrefixes: ['ticket-'], maxCount: 100_000 });
}

/** Another writer's view of the same file, counting the conflicts its appends run into. */
function conflictCounting(store: EventStore): { store: EventStore; conflicts: () => number } {
  let conflicts = 0;
  const appendMany: EventStore['appendMany'] = async (appends) => {
    try {
      return await store.appendMany(appends);
    } catch (error) {
      if (isConcurrencyError(error)) conflicts++;
      throw error;
    }
  };
  // Every other member reaches the real store, whatever the port grows.
  const counted = new Proxy(store, {
    get: (target, property) => {
      if (property === 'appendMany') return appendMany;
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { store: counted, conflicts: () => conflicts };
}

/** A CloudEvent with extension attributes, which the schema does not name but the log must keep. */
const withExtension = (event: InboundEventInput, extensions: Record<string, string>): InboundEventInput =>
  Object.assign({}, event, extensions);

const statuses = (results: readonly IngestResult[]): string[] => results.map((r) => r.status);
const accepted = (result: IngestResult | undefined) => {
  if (result?.status !== 'accepted') throw new Error(`expected accepted, got ${JSON.stringify(result)}`);
  return result;
};

describe('ingest on a SQLite file', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteEventStore;
  let ingest: Ingest;
  const opened: { close(): Promise<void> }[] = [];
  const path = () => join(dir.path, 'tickets.db');
  /** A second process on the same file: its own connection (a second writer) and its own ingest. */
  const anotherWriter = () => {
    const connection = conflictCounting(createSqliteEventStore({ path: path() }));
    const other = createIngest({ store: connection.store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
    opened.push(other, connection.store);
    return { ingest: other, conflicts: connection.conflicts };
  };

  beforeEach(() => {
    dir = tempDir();
    store = createSqliteEventStore({ path: path() });
    ingest = createIngest({ store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
    opened.push(ingest, store);
  });
  afterEach(async () => {
    // Every ingest closes (and drains) before the connection it writes through.
    for (const resource of opened.splice(0)) await resource.close();
    dir[Symbol.dispose]();
  });

  describe('invariant 1: the same inbound event (source + id) twice changes nothing the second time', () => {
    const first = () => messageReceived({ id: 'dup-1', time: T0, body: 'Bonjour, ma commande ?' });

    it('twice in one batch: accepted, then duplicate; only one copy is stored', async () => {
      const results = await ingest.submit([first(), first()]);
      expect(statuses(results)).toEqual(['accepted', 'duplicate']);
      expect(results[1]).toEqual({ status: 'duplicate', id: 'dup-1', source: SMS_SOURCE });
      // One inbound record, one ticket created, one message on it.
      expect(await store.readStream(inboundStream(inboundKey(SMS_SOURCE, 'dup-1')))).toHaveLength(1);
      expect((await ticketEvents(store)).map((e) => e.type)).toEqual(['TicketCreated', 'MessageReceived']);
    });

    it('in two submits: the second is duplicate and the head does not move, even with a different payload', async () => {
      await ingest.submit([first()]);
      const head = await store.headPosition();
      const before = await store.readAll();

      const redelivered = {
        ...first(),
        time: at(T0, HOUR),
        data: { ...first().data, message: { id: 'other', body: 'changed' } },
      };
      expect(statuses(await ingest.submit([first()]))).toEqual(['duplicate']);
      expect(statuses(await ingest.submit([redelivered]))).toEqual(['duplicate']);

      expect(await store.headPosition()).toBe(head);
      expect(await store.readAll()).toEqual(before);
    });

    it('a fresh ingest (restart) still knows it: dedupe lives in the store, not in memory', async () => {
      await ingest.submit([first()]);
      const head = await store.headPosition();
      const restarted = createIngest({ store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
      opened.unshift(restarted);
      expect(statuses(await restarted.submit([first()]))).toEqual(['duplicate']);
      expect(await store.headPosition()).toBe(head);
    });

    it('concurrently from two ingest instances on the same file: one accepted, one duplicate, stored once', async () => {
      const other = anotherWriter();
      const [mine, theirs] = await Promise.all([ingest.submit([first()]), other.ingest.submit([first()])]);
      expect([...statuses(mine), ...statuses(theirs)].sort()).toEqual(['accepted', 'duplicate']);
      expect(await store.readStream(inboundStream(inboundKey(SMS_SOURCE, 'dup-1')))).toHaveLength(1);
      expect((await ticketEvents(store)).map((e) => e.type)).toEqual(['TicketCreated', 'MessageReceived']);

      const head = await store.headPosition();
      expect(statuses(await other.ingest.submit([first()]))).toEqual(['duplicate']);
      expect(await store.headPosition()).toBe(head);
    });

    it('concurrently from two ingest instances on an existing open ticket: one accepted, one duplicate', async () => {
      const opening = accepted(
        (await ingest.submit([messageReceived({ id: 'open-1', time: T0, body: 'Bonjour' })]))[0],
      );
      const again = () => messageReceived({ id: 'dup-2', time: at(T0, 60_000), body: 'Vous êtes là ?' });
      const other = anotherWriter();
      const [mine, theirs] = await Promise.all([ingest.submit([again()]), other.ingest.submit([again()])]);
      expect([...statuses(mine), ...statuses(theirs)].sort()).toEqual(['accepted', 'duplicate']);
      expect(await ticketState(store, opening.ticketId)).toMatchObject({ messageCount: 2 });
    });
  });

  describe('invariant 2: concurrent first messages from one customer on one channel create exactly one ticket', () => {
    const MARC = customer(1);
    const firstMessages = (prefix: string, n: number) =>
      Array.from({ length: n }, (_, i) =>
        messageReceived({
          id: `${prefix}-${i}`,
          time: at(T0, i * 1000),
          body: `Bonjour (${prefix} ${i})`,
          customer: MARC,
        }),
      );

    /** TicketCreated events per customer + channel, across the whole store. */
    async function createdTickets(): Promise<Map<string, string[]>> {
      const created = new Map<string, string[]>();
      for (const event of await ticketEvents(store)) {
        if (event.type !== 'TicketCreated') continue;
        const data = event.data as { ticketId: string; channel: string; customer: { id: string } };
        const key = `${data.customer.id}/${data.channel}`;
        created.set(key, [...(created.get(key) ?? []), data.ticketId]);
      }
      return created;
    }

    it('(a) many first messages in one submit batch → one ticket holding them all', async () => {
      const results = await ingest.submit(firstMessages('batch', 10));
      const ticketId = ticketIdFor(SMS_SOURCE, 'batch-0');
      expect(results.map((r) => accepted(r).ticketId)).toEqual(Array(10).fill(ticketId));
      expect(results.map((r) => accepted(r).routing)).toEqual(['new_ticket', ...Array(9).fill('open_ticket')]);
      expect(await createdTickets()).toEqual(new Map([[`${MARC.id}/sms`, [ticketId]]]));
      expect(await ticketState(store, ticketId)).toMatchObject({ messageCount: 10, status: 'open' });
    });

    it('(b) N concurrent submit calls on one ingest → one ticket holding them all', async () => {
      const results = (await Promise.all(firstMessages('conc', 12).map((m) => ingest.submit([m])))).flat();
      const ticketIds = new Set(results.map((r) => accepted(r).ticketId));
      expect(ticketIds.size).toBe(1);
      expect(results.filter((r) => accepted(r).routing === 'new_ticket')).toHaveLength(1);
      const [ticketId] = ticketIds;
      expect(await createdTickets()).toEqual(new Map([[`${MARC.id}/sms`, [ticketId]]]));
      expect(await ticketState(store, ticketId!)).toMatchObject({ messageCount: 12 });
    });

    it('(c) two writers on the same file racing with different first messages → one ticket, after a conflict retry', async () => {
      const customers = [1, 2, 3, 4, 5].map(customer);
      const other = anotherWriter();
      const mine = conflictCounting(store);
      const myIngest = createIngest({ store: mine.store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
      opened.unshift(myIngest);
      const messagesOf = (writer: string) =>
        customers.flatMap((c) =>
          [0, 1, 2].map((i) =>
            messageReceived({
              id: `${writer}-${c.id}-${i}`,
              time: at(T0, i * 1000),
              body: `Bonjour ${i}`,
              customer: c,
            }),
          ),
        );

      // Every message is its own submit on both writers, all in flight at once.
      const results = (
        await Promise.all([
          ...messagesOf('a').map((m) => myIngest.submit([m])),
          ...messagesOf('b').map((m) => other.ingest.submit([m])),
        ])
      ).flat();

      expect(statuses(results)).toEqual(Array(30).fill('accepted'));
      const created = await createdTickets();
      expect([...created.keys()].sort()).toEqual(customers.map((c) => `${c.id}/sms`).sort());
      for (const c of customers) {
        const tickets = created.get(`${c.id}/sms`) ?? [];
        expect(tickets, `tickets of ${c.id}`).toHaveLength(1);
        const ticketId = tickets[0]!;
        const theirResults = results.filter((r) => r.status === 'accepted' && r.id.includes(c.id));
        expect(theirResults.map((r) => accepted(r).ticketId)).toEqual(Array(6).fill(ticketId));
        expect(await ticketState(store, ticketId)).toMatchObject({ messageCount: 6 });
      }
      // The race was real: at least one append lost to the other writer and was decided again.
      expect(mine.conflicts() + other.conflicts()).toBeGreaterThan(0);
    });
  });

  describe('invariant 3: reopen iff t < closedAt + window (postscript: 24 h), else a follow-up ticket', () => {
    const C = at(T0, HOUR);
    const T = ticketIdFor(SMS_SOURCE, 'first');

    beforeEach(async () => {
      await ingest.submit([
        messageReceived({ id: 'first', time: T0, body: 'Bonjour, ma commande #1234 ?' }),
        agentEvent('ticket.closed', { id: 'close-1', time: C, ticketId: T }),
      ]);
    });

    it('records the window and the deadline when the ticket closes', async () => {
      expect(await ticketState(store, T)).toMatchObject({
        status: 'closed',
        closedAt: C,
        reopenDeadline: at(C, POSTSCRIPT_WINDOW_MS),
        reopenWindow: { duration: '24h', ms: POSTSCRIPT_WINDOW_MS, source: 'integration', key: 'postscript' },
      });
    });

    it.each([
      { what: 'one millisecond before the deadline', offset: POSTSCRIPT_WINDOW_MS - 1, kind: 'reopen' },
      { what: 'before the close itself (late delivery)', offset: -30 * 60_000, kind: 'reopen' },
      { what: 'long before the ticket even existed (late delivery)', offset: -2 * HOUR, kind: 'reopen' },
    ] as const)('a message $what reopens the same ticket', async ({ offset, kind }) => {
      const result = accepted(
        (await ingest.submit([messageReceived({ id: 'reply', time: at(C, offset), body: 'Toujours rien' })]))[0],
      );
      expect(result).toMatchObject({ ticketId: T, routing: kind });
      expect(await ticketState(store, T)).toMatchObject({
        status: 'open',
        reopenCount: 1,
        closedAt: null,
        reopenDeadline: null,
        messageCount: 2,
      });
      const [, , , reopened, received] = await store.readStream(ticketStream(T));
      expect(reopened).toMatchObject({
        type: 'TicketReopened',
        data: { closedAt: C, reopenDeadline: at(C, POSTSCRIPT_WINDOW_MS) },
      });
      // The decision is recorded on the message, so a replay reads it instead of recomputing it.
      expect(received).toMatchObject({
        type: 'MessageReceived',
        data: { routing: { kind: 'reopen', previousTicketId: T } },
      });
    });

    it('a message exactly at the deadline opens a follow-up ticket with followUpOf, and the old one stays closed', async () => {
      const result = accepted(
        (
          await ingest.submit([messageReceived({ id: 'late', time: at(C, POSTSCRIPT_WINDOW_MS), body: 'Autre chose' })])
        )[0],
      );
      const followUp = ticketIdFor(SMS_SOURCE, 'late');
      expect(result).toMatchObject({ ticketId: followUp, routing: 'follow_up' });
      expect(await ticketState(store, followUp)).toMatchObject({
        status: 'open',
        followUpOf: T,
        messageCount: 1,
        subject: 'SMS from Marie Dupont',
      });
      expect(await ticketState(store, T)).toMatchObject({ status: 'closed', reopenCount: 0, messageCount: 1 });

      // Later messages go to the follow-up, which is open.
      const next = accepted(
        (
          await ingest.submit([
            messageReceived({ id: 'next', time: at(C, POSTSCRIPT_WINDOW_MS + 60_000), body: 'Et aussi' }),
          ])
        )[0],
      );
      expect(next).toMatchObject({ ticketId: followUp, routing: 'open_ticket' });
    });
  });

  describe('invariant 6: bad input is rejected with a reason and nothing stored is touched', () => {
    const valid = messageReceived({ id: 'ok-1', time: T0, body: 'Bonjour' });
    const withData = (data: Record<string, unknown>) => ({ ...valid, data: { ...valid.data, ...data } });
    const invalid: { what: string; input: unknown; path: string }[] = [
      { what: 'null', input: null, path: '(event)' },
      { what: 'a string', input: 'not an event', path: '(event)' },
      { what: 'an array', input: [valid], path: '(event)' },
      { what: 'a wrong specversion', input: { ...valid, specversion: '0.3' }, path: 'specversion' },
      { what: 'no id', input: { ...valid, id: undefined }, path: 'id' },
      { what: 'a time that is not RFC 3339', input: { ...valid, time: 'yesterday' }, path: 'time' },
      { what: 'a time without offset', input: { ...valid, time: '2026-03-02T08:00:00' }, path: 'time' },
      { what: 'an unknown type', input: { ...valid, type: 'ticket.deleted' }, path: 'type' },
      { what: 'an unknown channel', input: withData({ channel: 'fax' }), path: 'data.channel' },
      { what: 'a message without body', input: withData({ message: { id: 'm' } }), path: 'data.message.body' },
      {
        what: 'a customer other than the subject',
        input: { ...valid, subject: 'cus_other' },
        path: 'data.customer.id',
      },
      {
        what: 'a tag event with no tag',
        input: agentEvent('ticket.tagged', { time: T0, ticketId: 'tk_x', data: { add: [] } }),
        path: 'data.add',
      },
    ];

    it.each(invalid)('$what → rejected naming $path', async ({ input, path: field }) => {
      await ingest.submit([messageReceived({ id: 'existing', time: T0, body: 'Bonjour' })]);
      const before = await store.readAll();

      const [result] = await ingest.submit([input]);
      expect(result?.status).toBe('rejected');
      const reasons = result?.status === 'rejected' ? result.reasons : [];
      expect(reasons.map((r) => r.path)).toContain(field);
      for (const reason of reasons) expect(reason.message.length).toBeGreaterThan(0);

      expect(await store.readAll()).toEqual(before);
    });

    it('in a mixed batch, only the invalid events are rejected, each result in input order', async () => {
      const results = await ingest.submit([
        null,
        valid,
        { ...valid, id: 'bad', time: 'soon' },
        messageReceived({ id: 'ok-2', time: T0, body: 'Re' }),
      ]);
      expect(statuses(results)).toEqual(['rejected', 'accepted', 'rejected', 'accepted']);
      expect(results[2]).toMatchObject({ status: 'rejected', id: 'bad', reasons: [{ path: 'time' }] });
    });

    it('a domain rejection (closing an unknown ticket) is rejected with TICKET.NOT_FOUND and appends nothing', async () => {
      await ingest.submit([valid]);
      const before = await store.readAll();
      const [result] = await ingest.submit([
        agentEvent('ticket.closed', { id: 'close-unknown', time: T0, ticketId: 'tk_unknown' }),
      ]);
      expect(result).toEqual({
        status: 'rejected',
        id: 'close-unknown',
        reasons: [{ path: 'data.ticketId', code: 'TICKET.NOT_FOUND', message: expect.stringContaining('tk_unknown') }],
      });
      expect(await store.readAll()).toEqual(before);
      // Not logged as accepted either: once the ticket exists, the same event may still be accepted.
      expect(await store.readStream(inboundStream(inboundKey(AGENT_SOURCE, 'close-unknown')))).toEqual([]);
    });

    it('a domain rejection in the middle of a batch leaves the events around it accepted', async () => {
      const T = ticketIdFor(SMS_SOURCE, 'ok-1');
      const results = await ingest.submit([
        valid,
        agentEvent('ticket.tagged', { time: T0, ticketId: T, customerId: 'cus_someone_else' }),
        agentEvent('ticket.tagged', { time: T0, ticketId: T }),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? r.reasons[0]?.code : r.status))).toEqual([
        'accepted',
        'TICKET.WRONG_CUSTOMER',
        'accepted',
      ]);
      expect(await ticketState(store, T)).toMatchObject({ tags: ['vip'] });
    });

    it('every accepted event is in the inbound log, in arrival order, exactly as received', async () => {
      const T = ticketIdFor(SMS_SOURCE, 'log-1');
      // Arrival order differs from event time order; offsets and extension attributes are kept.
      const inputs: InboundEventInput[] = [
        withExtension(messageReceived({ id: 'log-1', time: '2026-03-02T09:00:00+01:00', body: 'Bonjour' }), {
          traceparent: '00-abc-def-01',
        }),
        agentEvent('ticket.tagged', { id: 'log-2', time: '2026-03-02T12:00:00Z', ticketId: T }),
        messageReceived({ id: 'log-3', time: '2026-03-02T07:30:00Z', body: 'envoyé plus tôt' }),
        agentEvent('ticket.closed', { id: 'log-4', time: '2026-03-02T10:00:00-02:00', ticketId: T }),
      ];
      const results = await ingest.submit([inputs[0], null, inputs[1], inputs[0]]);
      await ingest.submit([agentEvent('ticket.closed', { id: 'nope', time: T0, ticketId: 'tk_nope' }), inputs[2]]);
      await ingest.submit([inputs[3], inputs[1]]);
      expect(statuses(results)).toEqual(['accepted', 'rejected', 'accepted', 'duplicate']);

      const log = await store.readAll({ streamPrefixes: [INBOUND_STREAM_PREFIX] });
      expect(log.map((e) => e.type)).toEqual(Array(4).fill('InboundAccepted'));
      expect(log.map((e) => (e.data as { event: unknown }).event)).toEqual(inputs);
      expect(log.map((e) => e.stream)).toEqual(inputs.map((e) => inboundStream(inboundKey(e.source, e.id))));
      expect(log[0]?.data).toMatchObject({ via: 'api', ticketId: T, routing: 'new_ticket' });
    });
  });
});

// ---------------------------------------------------------------------------------------------------
// Property: the ingest routes like a tiny reference model of the reopen / follow-up rule.

type Channel = 'sms' | 'email' | 'chat';
const SOURCES: Record<Channel, string> = {
  sms: SMS_SOURCE,
  email: 'https://mail.example/inbound',
  chat: 'https://chat.example/widget',
};
/** The shipped policy, restated: postscript (all our sms) 24 h, chat 3 d, anything else 7 d. */
const WINDOW_MS: Record<Channel, number> = { sms: 24 * HOUR, chat: 72 * HOUR, email: 168 * HOUR };

type Step =
  | { kind: 'message'; customer: number; channel: Channel; advance: number; nearDeadline: number | undefined }
  | { kind: 'close' | 'tag' | 'assign'; customer: number; channel: Channel; advance: number; unknownTicket: boolean }
  | { kind: 'repeat'; pick: number };

type Expected =
  | { status: 'accepted'; ticketId: string; routing: RoutingKind | null }
  | { status: 'duplicate' }
  | { status: 'rejected'; code: string };

/** What should happen, from nothing but the spec: one ticket per customer + channel, window by channel. */
class ReferenceModel {
  private readonly routes = new Map<string, string>();
  private readonly tickets = new Map<string, { status: 'open' | 'closed'; deadline: number }>();
  readonly ticketIds: string[] = [];

  currentTicket(customer: string, channel: Channel): { id: string; closed: boolean; deadline: number } | undefined {
    const id = this.routes.get(`${customer}/${channel}`);
    const ticket = id === undefined ? undefined : this.tickets.get(id);
    return id === undefined || ticket === undefined
      ? undefined
      : { id, closed: ticket.status === 'closed', deadline: ticket.deadline };
  }

  message(customer: string, channel: Channel, source: string, id: string, time: number): Expected {
    const current = this.currentTicket(customer, channel);
    if (current !== undefined && !current.closed)
      return { status: 'accepted', ticketId: current.id, routing: 'open_ticket' };
    if (current !== undefined && time < current.deadline) {
      this.tickets.set(current.id, { status: 'open', deadline: 0 });
      return { status: 'accepted', ticketId: current.id, routing: 'reopen' };
    }
    const ticketId = ticketIdFor(source, id);
    this.tickets.set(ticketId, { status: 'open', deadline: 0 });
    this.routes.set(`${customer}/${channel}`, ticketId);
    this.ticketIds.push(ticketId);
    return { status: 'accepted', ticketId, routing: current === undefined ? 'new_ticket' : 'follow_up' };
  }

  agent(kind: 'close' | 'tag' | 'assign', ticketId: string, channel: Channel, time: number): Expected {
    const ticket = this.tickets.get(ticketId);
    if (ticket === undefined) return { status: 'rejected', code: 'TICKET.NOT_FOUND' };
    // Closing a closed ticket changes nothing, its deadline included.
    if (kind === 'close' && ticket.status === 'open')
      this.tickets.set(ticketId, { status: 'closed', deadline: time + WINDOW_MS[channel] });
    return { status: 'accepted', ticketId, routing: null };
  }
}

// Few customers and channels, so the same tickets come back often.
const channelArb = fc.constantFrom<Channel>('sms', 'sms', 'email', 'chat');
const customerArb = fc.integer({ min: 0, max: 1 });
// Minutes, hours, days (past every window), or backwards (a late delivery).
const advanceArb = fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 1, max: 120 }).map((m) => m * 60_000) },
  { weight: 2, arbitrary: fc.integer({ min: 1, max: 48 }).map((h) => h * HOUR) },
  { weight: 1, arbitrary: fc.integer({ min: 2, max: 10 }).map((d) => d * 24 * HOUR) },
  { weight: 1, arbitrary: fc.integer({ min: -3 * HOUR, max: -1 }) },
);
const stepArb: fc.Arbitrary<Step> = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      kind: fc.constant('message' as const),
      customer: customerArb,
      channel: channelArb,
      advance: advanceArb,
      // When the customer's ticket is closed, sometimes write right around its deadline.
      nearDeadline: fc.option(fc.constantFrom(-60_000, -1, 0, 1, 60_000), { nil: undefined }),
    }),
  },
  {
    weight: 4,
    arbitrary: fc.record({
      kind: fc.constantFrom('close' as const, 'close' as const, 'tag' as const, 'assign' as const),
      customer: customerArb,
      channel: channelArb,
      advance: advanceArb,
      unknownTicket: fc.integer({ min: 0, max: 9 }).map((n) => n === 0),
    }),
  },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('repeat' as const), pick: fc.nat() }) },
);

describe('property: routing matches a reference model of the reopen window', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    dir[Symbol.dispose]();
  });

  it('random sequences of messages, closes, tags, assignments and redeliveries, one submit each', async () => {
    let run = 0;
    // What the runs exercised, so a generator that drifts into trivial cases fails loudly.
    const seen = new Set<string>();
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 40, size: 'max' }), async (steps) => {
        const store = createSqliteEventStore({ path: join(dir.path, `run-${++run}.db`) });
        const ingest = createIngest({ store, rules: NO_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
        try {
          const model = new ReferenceModel();
          const submitted: { input: InboundEventInput; expected: Expected }[] = [];
          let clock = Date.parse(T0);

          for (const [i, step] of steps.entries()) {
            let input: InboundEventInput;
            let expected: Expected;
            if (step.kind === 'repeat') {
              const earlier = submitted[step.pick % Math.max(submitted.length, 1)];
              if (earlier === undefined) continue;
              input = earlier.input;
              // Accepted once: a duplicate forever. Rejected (an unknown ticket, never created): rejected again.
              expected = earlier.expected.status === 'rejected' ? earlier.expected : { status: 'duplicate' };
            } else {
              const who = customer(step.customer);
              const current = model.currentTicket(who.id, step.channel);
              clock += step.advance;
              if (step.kind === 'message') {
                if (step.nearDeadline !== undefined && current?.closed === true)
                  clock = current.deadline + step.nearDeadline;
                const source = SOURCES[step.channel];
                input = messageReceived({
                  id: `p${i}`,
                  source,
                  time: new Date(clock).toISOString(),
                  body: `message ${i}`,
                  customer: who,
                  channel: step.channel,
                  integration: step.channel === 'sms' ? 'postscript' : null,
                });
                expected = model.message(who.id, step.channel, source, `p${i}`, clock);
              } else {
                const ticketId = step.unknownTicket || current === undefined ? `tk_unknown_${i}` : current.id;
                const type = ({ close: 'ticket.closed', tag: 'ticket.tagged', assign: 'ticket.assigned' } as const)[
                  step.kind
                ];
                const data =
                  step.kind === 'tag'
                    ? { add: [`t${i % 3}`] }
                    : step.kind === 'assign'
                      ? { team: `team-${i % 2}` }
                      : {};
                input = agentEvent(type, {
                  id: `a${i}`,
                  time: new Date(clock).toISOString(),
                  ticketId,
                  customerId: who.id,
                  data,
                });
                expected = model.agent(step.kind, ticketId, step.channel, clock);
              }
            }
            submitted.push({ input, expected });

            const [result] = await ingest.submit([input]);
            const actual: Expected | undefined =
              result?.status === 'accepted'
                ? { status: 'accepted', ticketId: result.ticketId, routing: result.routing }
                : result?.status === 'rejected'
                  ? { status: 'rejected', code: result.reasons[0]?.code ?? '' }
                  : result?.status === 'duplicate'
                    ? { status: 'duplicate' }
                    : undefined;
            expect(actual, `step ${i}: ${JSON.stringify(input)}`).toEqual(expected);
            seen.add(expected.status === 'accepted' ? (expected.routing ?? 'agent action') : expected.status);
          }

          const created = (await ticketEvents(store))
            .filter((e) => e.type === 'TicketCreated')
            .map((e) => e.stream.slice('ticket-'.length));
          expect(created).toEqual(model.ticketIds);
        } finally {
          await ingest.close();
          await store.close();
        }
      }),
      { numRuns: 100 },
    );
    expect([...seen].sort()).toEqual([
      'agent action',
      'duplicate',
      'follow_up',
      'new_ticket',
      'open_ticket',
      'rejected',
      'reopen',
    ]);
  }, 30_000);
});
