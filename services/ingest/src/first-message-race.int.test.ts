import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, ticketIdFor, ticketStream, DEFAULT_RULES } from '@tickets/domain';
import { isConcurrencyError, type EventStore } from '@tickets/event-store';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createLogger } from '@tickets/platform';
import { foldTicketRecords } from '@tickets/streams';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir, type CustomerFixture } from '@tickets/testing';
import { createIngest } from './ingest.js';
import type { IngestResult } from './ingest-results.js';

// Invariant 2 under adversarial scheduling: several ingest instances (each its own connection to
// one SQLite file, as separate processes would be) receive a customer's first messages at once;
// fast-check's scheduler decides the order in which every store call of every instance runs (reads,
// version checks, appends), so the runs cover the interleavings where two writers decide on the
// same empty state. Whatever the order: exactly one ticket, holding every message.

const logger = createLogger({ level: 'silent' });
const T0 = Date.parse('2026-03-02T08:00:00.000Z');
const DAY = 86_400_000;
const LUC: CustomerFixture = { id: 'cus_luc', name: 'Luc Bernard', phone: '+33600000042' };
const SCHEDULED = ['append', 'appendMany', 'readStream', 'readAll', 'streamVersions', 'headPosition'] as const;

/** The store, with every call held until the scheduler lets it run; `onConflict` counts lost appends. */
function scheduled(store: EventStore, s: fc.Scheduler, writer: string, onConflict: () => void): EventStore {
  return new Proxy(store, {
    get: (target, property) => {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== 'function') return value;
      const fn = (value as (...args: unknown[]) => unknown).bind(target);
      if (!(SCHEDULED as readonly (string | symbol)[]).includes(property)) return fn;
      return async (...args: unknown[]) => {
        await s.schedule(Promise.resolve(), `${writer}.${String(property)}`);
        try {
          return await fn(...args);
        } catch (error) {
          if (isConcurrencyError(error)) onConflict();
          throw error;
        }
      };
    },
  });
}

describe('property: concurrent first messages from one customer on one channel → exactly one ticket (invariant 2)', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    dir[Symbol.dispose]();
  });

  it('whatever order fc.scheduler gives the store calls of 1–3 ingest instances', async () => {
    let run = 0;
    let conflicts = 0;
    const routings = new Set<string>();
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        fc.array(fc.nat(2), { minLength: 2, maxLength: 7 }),
        fc.boolean(),
        async (s, writerOf, afterExpiredTicket) => {
          const path = join(dir.path, `race-${++run}.db`);
          const setup = createSqliteEventStore({ path });
          // Either nothing yet (first contact), or a ticket closed long ago (the race is for the follow-up).
          let previous: string | null = null;
          if (afterExpiredTicket) {
            const seeding = createIngest({ store: setup, rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
            const [opened] = await seeding.submit([
              messageReceived({
                id: `old-${run}`,
                time: new Date(T0 - 10 * DAY).toISOString(),
                body: 'Bonjour',
                customer: LUC,
              }),
            ]);
            if (opened?.status !== 'accepted') throw new Error('seed message refused');
            previous = opened.ticketId;
            await seeding.submit([
              agentEvent('ticket.closed', {
                id: `close-${run}`,
                time: new Date(T0 - 9 * DAY).toISOString(),
                ticketId: previous,
                customerId: LUC.id,
              }),
            ]);
            await seeding.close();
          }
          const connections = [0, 1, 2].map(() => createSqliteEventStore({ path }));
          const ingests = connections.map((c, i) =>
            createIngest({
              store: scheduled(c, s, `writer${i}`, () => conflicts++),
              rules: DEFAULT_RULES,
              policy: DEFAULT_REOPEN_POLICY,
              logger,
            }),
          );
          try {
            const submits = writerOf.map((w, i) =>
              ingests[w]!.submit([
                messageReceived({
                  id: `race-${run}-${i}`,
                  time: new Date(T0 + i * 1000).toISOString(),
                  body: `Bonjour ${i}`,
                  customer: LUC,
                }),
              ]),
            );
            const results: IngestResult[] = (await s.waitFor(Promise.all(submits))).flat();

            const accepted = results.map((r) => {
              if (r.status !== 'accepted')
                throw new Error(
                  `expected accepted, got ${JSON.stringify(r)}\n${s
                    .report()
                    .map((t) => t.label)
                    .join(' ')}`,
                );
              return r;
            });
            const ticketIds = new Set(accepted.map((r) => r.ticketId));
            expect(
              ticketIds.size,
              `one ticket for ${accepted.length} messages; order: ${s
                .report()
                .map((t) => t.label)
                .join(' ')}`,
            ).toBe(1);
            const created = accepted.filter((r) => r.routing === 'new_ticket' || r.routing === 'follow_up');
            expect(created).toHaveLength(1);
            expect(created[0]!.routing).toBe(afterExpiredTicket ? 'follow_up' : 'new_ticket');
            for (const r of accepted) routings.add(r.routing ?? 'none');

            // The store agrees: one TicketCreated in this run besides the old ticket, holding every message.
            const creations = (await setup.readAll({ streamPrefixes: ['ticket-'], maxCount: 10_000 })).filter(
              (e) => e.type === 'TicketCreated',
            );
            expect(creations).toHaveLength(afterExpiredTicket ? 2 : 1);
            const [ticketId] = ticketIds;
            const state = foldTicketRecords(await setup.readStream(ticketStream(ticketId!)));
            expect(state).toMatchObject({ messageCount: writerOf.length, followUpOf: previous });
          } finally {
            for (const ingest of ingests) await ingest.close();
            for (const connection of connections) await connection.close();
            await setup.close();
          }
        },
      ),
      { numRuns: 60 },
    );
    expect([...routings].sort()).toEqual(['follow_up', 'new_ticket', 'open_ticket']);
    // The schedules did produce the race: writers decided on the same state and one lost the append.
    expect(conflicts).toBeGreaterThan(0);
  }, 60_000);
});

describe('two ingest instances on one store: a decision made on what one instance cached is checked at commit', () => {
  let dir: ReturnType<typeof tempDir>;
  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(() => {
    dir[Symbol.dispose]();
  });

  it('an agent event for a ticket the other instance created after this one cached it as unknown is accepted, not rejected', async () => {
    const path = join(dir.path, 'stale.db');
    const [first, second] = [createSqliteEventStore({ path }), createSqliteEventStore({ path })];
    const a = createIngest({ store: first, rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
    const b = createIngest({ store: second, rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY, logger });
    try {
      const message = messageReceived({ id: 'm-1', time: new Date(T0).toISOString(), body: 'Bonjour', customer: LUC });
      const ticketId = ticketIdFor(SMS_SOURCE, 'm-1');
      const close = (id: string, at: number) =>
        agentEvent('ticket.closed', { id, time: new Date(at).toISOString(), ticketId, customerId: LUC.id });
      // Instance A hears of the ticket before it exists (an out-of-order agent event): rightly refused,
      // and A now holds the ticket as unknown.
      const [early] = await a.submit([close('close-early', T0 - 1000)]);
      expect(early).toMatchObject({ status: 'rejected', reasons: [{ code: 'TICKET.NOT_FOUND' }] });
      // Checked at commit, but nothing stored for it: not even the configuration record.
      expect(await first.readAll({ after: 0, maxCount: 10 })).toEqual([]);
      // Instance B (the customer's partition moved to it) creates the ticket.
      expect((await b.submit([message]))[0]).toMatchObject({ status: 'accepted', ticketId });
      // The partition moves back: A must not answer from what it held.
      expect((await a.submit([close('close-1', T0 + 60_000)]))[0]).toMatchObject({ status: 'accepted', ticketId });
      expect(foldTicketRecords(await first.readStream(ticketStream(ticketId)))).toMatchObject({ status: 'closed' });
    } finally {
      await a.close();
      await b.close();
      await first.close();
      await second.close();
    }
  });
});
