import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import type { ResourceLimits } from 'node:worker_threads';
import { join, resolve } from 'node:path';
import fc from 'fast-check';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import {
  DEFAULT_REOPEN_POLICY,
  DEFAULT_RULES,
  InMemoryPipeline,
  restoreInbound,
  RulesFile,
  type ReopenPolicy,
  type TicketState,
} from '@tickets/domain';
import { openStore, parseStoreUrl } from '@tickets/event-store';
import { createLogger } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { eraseCustomer, openDomainStore, type InboundAcceptedData } from '@tickets/streams';
import { hasReachIndexes, indexDefinitions, REACH_INDEXES } from '@tickets/streams/reach-indexes';
import { messageReceived, tempDir } from '@tickets/testing';
import { sqliteHistory } from '@tickets/audit';
import { storeHistory } from '@tickets/audit';
import { openHistory, postgresHistory, whatIf } from '@tickets/audit';
import type { RecordedHistory, WhatIfReport } from '@tickets/audit';
import { syntheticEvents } from '@tickets/testing';
import { feedEvents } from '../src/feed-events.js';
import { openRuntime } from '../src/runtime.js';
import { inboundEvents, randomPolicy, randomRules, randomTraffic, type Traffic } from './random-history.js';

// What-if re-decides recorded traffic with an in-memory pipeline instead of the store. It is only
// worth anything if that pipeline decides exactly like the real one: replaying a history with the
// very rules and windows it was recorded with must change nothing, down to every ticket's state.

// The direct SQLite reader under test reads the stored bytes, which it can only do for stores written
// without personal-data encryption (with encryption on, what-if reads through the codec instead).
const pii = { encryption: false };

const SEED = resolve(import.meta.dirname, '../../../examples/seed-sms-story.ndjson');
const logger = createLogger({ level: 'silent' });

interface Recorded {
  readonly path: string;
  /** The read model the real projector built. */
  readonly tickets: TicketState[];
}

/** Whether the SQLite file holds the reach indexes as this version defines them. */
function reachIndexesOf(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return hasReachIndexes(indexDefinitions(db));
  } finally {
    db.close();
  }
}

/** Feeds the events through the real pipeline (ingest, reactor, projector) into a new SQLite store. */
async function record(
  dir: string,
  events: readonly object[],
  rules: RulesFile,
  policy: ReopenPolicy,
): Promise<Recorded> {
  const file = join(dir, 'events.ndjson');
  writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const path = join(dir, 'recorded.db');
  const runtime = await openRuntime({ store: `sqlite:${path}`, rules, policy, sink: createMemorySink(), logger, pii });
  try {
    await feedEvents(runtime, file, 'import');
    return { path, tickets: await runtime.readModel.all() };
  } finally {
    await runtime.close();
  }
}

/**
 * Posts random traffic through the real pipeline one event at a time; agents act on the tickets the
 * pipeline actually routed to.
 */
async function recordTraffic(dir: string, traffic: Traffic, rules: RulesFile, policy: ReopenPolicy): Promise<Recorded> {
  const path = join(dir, 'recorded.db');
  const runtime = await openRuntime({ store: `sqlite:${path}`, rules, policy, sink: createMemorySink(), logger, pii });
  const routes = new Map<string, string>();
  try {
    for (const event of inboundEvents(traffic, (customerId, channel) => routes.get(`${customerId}/${channel}`))) {
      const [result] = await runtime.ingest.submit([event], 'import');
      if (result?.status !== 'accepted') continue;
      // Where the customer's next messages on the channel go: changed by new tickets only.
      const routed =
        event.type === 'ticket.created' || result.routing === 'new_ticket' || result.routing === 'follow_up';
      if (routed && 'channel' in event.data) routes.set(`${event.subject}/${event.data.channel}`, result.ticketId);
    }
    await runtime.settle();
    return { path, tickets: await runtime.readModel.all() };
  } finally {
    await runtime.close();
  }
}

/** Every ticket the in-memory pipeline ends with, replaying the inbound log in arrival order. */
async function replayedTickets(path: string, rules: RulesFile, policy: ReopenPolicy): Promise<TicketState[]> {
  const pipeline = new InMemoryPipeline(rules, policy);
  const history = sqliteHistory(path)!;
  try {
    for await (const { inbound } of history.pages()) {
      inbound.records.forEach((text, i) => {
        const record = typeof text === 'string' ? (JSON.parse(text) as InboundAcceptedData) : text;
        pipeline.handle(inbound.keys[i]!, restoreInbound(record.event));
      });
    }
  } finally {
    await history.close();
  }
  return [...pipeline.allTickets()];
}

const byId = (tickets: readonly TicketState[]) => [...tickets].sort((a, b) => a.ticketId.localeCompare(b.ticketId));

/** What-if straight from the file; every customer decided again unless `narrow` (see what-if-reach.ts). */
async function whatIfSame(path: string, rules: RulesFile, policy: ReopenPolicy, narrow = false) {
  const history = sqliteHistory(path)!;
  try {
    return await whatIf(history, { rules, policy, threads: 0, redecideAll: !narrow });
  } finally {
    await history.close();
  }
}

/** The report less the line saying who was decided again: what must not depend on it. */
function outcome(report: WhatIfReport): Omit<WhatIfReport, 'reach'> {
  const { reach: _reach, ...rest } = report;
  return rest;
}

/** What the property tests saw across their runs: some decided only a part again, some found differences. */
interface Seen {
  partial: number;
  different: number;
}

/** A narrowed what-if reports what deciding everyone reports; `seen` tallies what kind of run it was. */
function expectSameOutcome(narrowed: WhatIfReport, full: WhatIfReport, seen: Seen): void {
  expect(narrowed.reach.narrowed).toBe(true);
  expect(outcome(narrowed)).toEqual(outcome(full));
  const { redecided } = narrowed.reach;
  if (redecided > 0 && redecided < narrowed.summary.replayed) seen.partial++;
  if (full.summary.decisionsChanged + full.summary.commandsAdded + full.summary.commandsRemoved > 0) seen.different++;
}

const NO_DIFFERENCE = { decisionsChanged: 0, commandsAdded: 0, commandsRemoved: 0, commandsChanged: 0, rejected: 0 };

/** The synthetic bench traffic, its clock slowed down so that reopen windows expire (follow-ups happen). */
function stretched(count: number, customers: number, factor: number): object[] {
  const events = syntheticEvents(count, customers) as { time: string }[];
  const start = Date.parse(events[0]!.time);
  return events.map((e) => ({ ...e, time: new Date(start + (Date.parse(e.time) - start) * factor).toISOString() }));
}

describe('what-if with the recorded rules and windows reports no difference', () => {
  it('on the seed story followed by 3 000 synthetic events over four months', { timeout: 120_000 }, async () => {
    using dir = tempDir();
    const seed = readFileSync(SEED, 'utf8')
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as object);
    const recorded = await record(
      dir.path,
      [...seed, ...stretched(3_000, 150, 300)],
      DEFAULT_RULES,
      DEFAULT_REOPEN_POLICY,
    );

    const report = await whatIfSame(recorded.path, DEFAULT_RULES, DEFAULT_REOPEN_POLICY);

    expect(report.summary).toMatchObject({ events: 3_008, replayed: 3_008, ...NO_DIFFERENCE });
    expect(report.summary.commandsUnchanged).toBeGreaterThan(100);
    // The history is varied enough to mean something: every kind of routing decision happened.
    const kinds = new Set(recorded.tickets.map((t) => (t.followUpOf === null ? 'first' : 'follow_up')));
    expect(kinds).toEqual(new Set(['first', 'follow_up']));
    expect(recorded.tickets.some((t) => t.reopenCount > 0)).toBe(true);
    // Not only the decisions: every ticket ends in exactly the state the real projector stored.
    expect(byId(await replayedTickets(recorded.path, DEFAULT_RULES, DEFAULT_REOPEN_POLICY))).toEqual(
      byId(recorded.tickets),
    );
  });

  it('on random histories recorded with random rules and windows', { timeout: 240_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(randomTraffic, randomRules, randomPolicy, async (traffic, rules, policy) => {
        using dir = tempDir();
        const recorded = await recordTraffic(dir.path, traffic, rules, policy);
        const report = await whatIfSame(recorded.path, rules, policy);
        expect(report.summary).toMatchObject(NO_DIFFERENCE);
        expect(byId(await replayedTickets(recorded.path, rules, policy))).toEqual(byId(recorded.tickets));
      }),
      { numRuns: 25 },
    );
  });

  it('decides a late delivery as of its own time: an opt-out and an auto-reply recorded later do not count', async () => {
    using dir = tempDir();
    const rules = RulesFile.parse({
      autoReplyRateLimit: '1m',
      rules: [
        {
          id: 'ack-every',
          name: 'Acknowledge every message',
          when: 'message.received',
          then: [{ type: 'send_auto_reply', body: 'Bien reçu' }],
        },
      ],
    });
    const events = [
      messageReceived({ id: 'late-1', time: '2026-03-02T10:00:00Z', body: 'Bonjour' }),
      messageReceived({ id: 'late-2', time: '2026-03-02T10:30:00Z', body: 'STOP' }),
      // Sent at 09:00, delivered after both: the customer had neither opted out nor been answered yet.
      messageReceived({ id: 'late-3', time: '2026-03-02T09:00:00Z', body: 'Où est mon colis ?' }),
    ];
    const recorded = await record(dir.path, events, rules, DEFAULT_REOPEN_POLICY);

    const report = await whatIfSame(recorded.path, rules, DEFAULT_REOPEN_POLICY);

    expect(report.summary).toMatchObject({ ...NO_DIFFERENCE, commandsUnchanged: 2 });
  });

  it(
    'reads the same history through the event store port as straight from the SQLite file',
    { timeout: 60_000 },
    async () => {
      using dir = tempDir();
      const recorded = await record(dir.path, stretched(500, 40, 300), DEFAULT_RULES, DEFAULT_REOPEN_POLICY);
      const policy: ReopenPolicy = { ...DEFAULT_REOPEN_POLICY, default: '1d', integrations: { postscript: '2h' } };

      const fast = await whatIfSame(recorded.path, DEFAULT_RULES, policy);
      const { store, checkpoints } = await openStore(parseStoreUrl(`sqlite:${recorded.path}`));
      await checkpoints.close();
      const portable = await whatIf(await storeHistory(store, { close: () => store.close() }), {
        rules: DEFAULT_RULES,
        policy,
        threads: 0,
      });
      const narrowed = await whatIfSame(recorded.path, DEFAULT_RULES, policy, true);
      await store.close();

      expect(fast.summary.decisionsChanged).toBeGreaterThan(0);
      expect(outcome(portable)).toEqual(outcome(fast));
      expect(outcome(narrowed)).toEqual(outcome(fast));
      // The port cannot narrow; the file can.
      expect([portable.reach.narrowed, narrowed.reach.narrowed]).toEqual([false, true]);
    },
  );
});

describe('what-if decides again only the customers a change of the reopen windows can reach', () => {
  it(
    'and reports exactly what deciding every customer again reports, on random histories',
    { timeout: 300_000 },
    async () => {
      // How often the property met what it is about: some customers decided again and some not; a difference.
      const seen: Seen = { partial: 0, different: 0 };
      await fc.assert(
        fc.asyncProperty(
          randomTraffic,
          randomRules,
          randomPolicy,
          randomPolicy,
          async (traffic, rules, recordedPolicy, triedPolicy) => {
            using dir = tempDir();
            const recorded = await recordTraffic(dir.path, traffic, rules, recordedPolicy);

            const narrowed = await whatIfSame(recorded.path, rules, triedPolicy, true);
            const full = await whatIfSame(recorded.path, rules, triedPolicy);

            expectSameOutcome(narrowed, full, seen);
          },
        ),
        // About one run in five meets both (6 + 6 of 30 when written): enough runs that several do.
        { numRuns: 60 },
      );
      expect(seen.partial).toBeGreaterThan(0);
      expect(seen.different).toBeGreaterThan(0);
    },
  );

  it(
    'over months of synthetic traffic, in and out of a time range, deciding only a part again',
    { timeout: 120_000 },
    async () => {
      using dir = tempDir();
      const recorded = await record(dir.path, stretched(3_000, 150, 300), DEFAULT_RULES, DEFAULT_REOPEN_POLICY);
      const policy: ReopenPolicy = { ...DEFAULT_REOPEN_POLICY, default: '3d', integrations: { postscript: '48h' } };
      const events = (await whatIfSame(recorded.path, DEFAULT_RULES, policy)).summary.replayed;

      for (const range of [{}, { since: '2026-01-20T00:00:00Z' }, { until: '2026-02-10T00:00:00Z' }]) {
        // `threads`: how many threads scan the file for the reach (and decide), as on a large store,
        // in ranges of 500 positions: the reach is merged from a score of parts.
        const run = async (redecideAll: boolean, threads = 0) => {
          const history = sqliteHistory(recorded.path, { scanRange: 500 })!;
          try {
            return await whatIf(history, { rules: DEFAULT_RULES, policy, threads, redecideAll, ...range });
          } finally {
            await history.close();
          }
        };
        const [narrowed, full, inThreads] = [await run(false), await run(true), await run(false, 2)];

        expect(outcome(narrowed)).toEqual(outcome(full));
        expect(inThreads).toEqual(narrowed);
        expect(narrowed.summary.decisionsChanged).toBeGreaterThan(0);
        expect(narrowed.reach.redecided).toBeGreaterThan(0);
        expect(narrowed.reach.redecided).toBeLessThan(events / 2);
      }
    },
  );

  it(
    'reads a store with its personal data sealed the same way, opening only the rows in reach',
    { timeout: 120_000 },
    async () => {
      using dir = tempDir();
      const path = join(dir.path, 'sealed.db');
      const sealed = { encryption: true };
      const runtime = await openRuntime({
        store: `sqlite:${path}`,
        rules: DEFAULT_RULES,
        policy: DEFAULT_REOPEN_POLICY,
        sink: createMemorySink(),
        logger,
        pii: sealed,
      });
      try {
        const file = join(dir.path, 'events.ndjson');
        writeFileSync(
          file,
          `${stretched(1_500, 80, 300)
            .map((e) => JSON.stringify(e))
            .join('\n')}\n`,
        );
        await feedEvents(runtime, file, 'import');
      } finally {
        await runtime.close();
      }
      const policy: ReopenPolicy = { ...DEFAULT_REOPEN_POLICY, default: '3d', integrations: { postscript: '48h' } };
      const run = async (redecideAll: boolean) => {
        const history = await openHistory(`sqlite:${path}`, sealed);
        try {
          return await whatIf(history, { rules: DEFAULT_RULES, policy, threads: 0, redecideAll });
        } finally {
          await history.close();
        }
      };
      const [narrowed, full] = [await run(false), await run(true)];

      expect(narrowed.reach.narrowed).toBe(true);
      expect(narrowed.summary.decisionsChanged).toBeGreaterThan(0);
      expect(outcome(narrowed)).toEqual(outcome(full));
      // Personal data came back through the codec: the auto-replies' recipients are in clear.
      expect(JSON.stringify(narrowed.commands)).not.toContain('[encrypted]');
    },
  );

  it(
    'reads the reach from the indexes the writer keeps, and finds the same as a scan of the table of a store without them',
    { timeout: 180_000 },
    async () => {
      using dir = tempDir();
      const policy: ReopenPolicy = { ...DEFAULT_REOPEN_POLICY, default: '3d', integrations: { postscript: '48h' } };
      const events = stretched(1_500, 80, 300);
      for (const settings of [pii, { encryption: true }]) {
        const path = join(dir.path, `${settings.encryption ? 'sealed' : 'clear'}.db`);
        await recordIn(`sqlite:${path}`, dir.path, events, settings);
        expect(reachIndexesOf(path)).toBe(true);
        if (settings.encryption) {
          // One customer the change does not reach erased (keys deleted): the erasure alone must bring
          // it into the reach, whether told from the indexed key ids or from the table.
          const history = await openHistory(`sqlite:${path}`, settings);
          const reach = await history.reach!({ rules: DEFAULT_RULES, policy }, 0).finally(() => history.close());
          const erasedCustomer = (events as { subject: string }[])
            .map((e) => e.subject)
            .find((customer) => !reach.all && !reach.customers.has(customer))!;
          const opened = await openDomainStore(`sqlite:${path}`, settings);
          await eraseCustomer(opened.pii, { customerId: erasedCustomer, requestedBy: 'test' }, new Date()).finally(() =>
            Promise.all([opened.checkpoints.close(), opened.store.close()]),
          );
        }
        const run = (redecideAll: boolean) =>
          whatIfIn(`sqlite:${path}`, DEFAULT_RULES, policy, { redecideAll, settings });
        const [narrowed, full] = [await run(false), await run(true)];
        // In threads, as on a large store: the scan in ranges, and pages of 50 rows read (and opened
        // through a codec of its own, when sealed) by a reader in a thread of its own.
        const opened = settings.encryption ? await openDomainStore(`sqlite:${path}`, settings) : null;
        const inThreadsWith = async (pageReaderLimits?: ResourceLimits) => {
          const options = { sealed: opened?.pii, pii: settings, pageRows: 50, scanRange: 500, pageReaderLimits };
          const history = sqliteHistory(path, options)!;
          return await whatIf(history, { rules: DEFAULT_RULES, policy, threads: 2 }).finally(() => history.close());
        };
        const inThreads = await inThreadsWith();
        // A page reader whose heap is too small: its pages are read again by one without the cap.
        const pagesReadAgain = await inThreadsWith({ maxYoungGenerationSizeMb: 2, maxOldGenerationSizeMb: 4 });
        await Promise.all([opened?.checkpoints.close(), opened?.store.close()]);
        // The same file as a store written before the indexes existed: what-if scans the table.
        const db = new DatabaseSync(path);
        for (const index of REACH_INDEXES) db.exec(`DROP INDEX ${index.name}`);
        db.close();
        expect(reachIndexesOf(path)).toBe(false);
        const scanned = await run(false);
        expect(reachIndexesOf(path)).toBe(false);

        expect(narrowed.reach.narrowed).toBe(true);
        expect(narrowed.reach.redecided).toBeLessThan(narrowed.summary.replayed / 2);
        expect(narrowed.summary.decisionsChanged).toBeGreaterThan(0);
        expect(narrowed.summary.erased > 0).toBe(settings.encryption);
        expect(outcome(narrowed)).toEqual(outcome(full));
        expect(inThreads).toEqual(narrowed);
        expect(pagesReadAgain).toEqual(narrowed);
        expect(scanned).toEqual(narrowed);
      }
    },
  );

  it('decides everyone again when the rules differ from the recorded ones', async () => {
    using dir = tempDir();
    const recorded = await record(dir.path, stretched(300, 20, 300), DEFAULT_RULES, DEFAULT_REOPEN_POLICY);
    const rules = RulesFile.parse({ ...DEFAULT_RULES, autoReplyRateLimit: '1h' });

    const report = await whatIfSame(recorded.path, rules, DEFAULT_REOPEN_POLICY, true);

    expect(report.reach).toMatchObject({ narrowed: false, customers: null, redecided: 300 });
  });
});

// The same over PostgreSQL, where what-if reads the events table directly (postgres-history.ts): the
// reach from one scan, then only the reached customers' rows read back by position.
const POSTGRES = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schemas: string[] = [];
/** A store URL in a schema of its own, dropped after the tests. */
const postgresStore = (): string => {
  const schema = `what_if_eq_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  schemas.push(schema);
  return `${POSTGRES}?schema=${schema}`;
};

afterAll(async () => {
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

/** Random traffic posted one event at a time through the real pipeline into `store`, as recordTraffic does. */
async function recordTrafficIn(
  store: string,
  traffic: Traffic,
  rules: RulesFile,
  policy: ReopenPolicy,
  settings = pii,
): Promise<void> {
  const runtime = await openRuntime({ store, rules, policy, sink: createMemorySink(), logger, pii: settings });
  const routes = new Map<string, string>();
  try {
    for (const event of inboundEvents(traffic, (customerId, channel) => routes.get(`${customerId}/${channel}`))) {
      const [result] = await runtime.ingest.submit([event], 'import');
      if (result?.status !== 'accepted') continue;
      const routed =
        event.type === 'ticket.created' || result.routing === 'new_ticket' || result.routing === 'follow_up';
      if (routed && 'channel' in event.data) routes.set(`${event.subject}/${event.data.channel}`, result.ticketId);
    }
    await runtime.settle();
  } finally {
    await runtime.close();
  }
}

/** Events fed through the real pipeline into `store`. */
async function recordIn(store: string, dir: string, events: readonly object[], settings = pii): Promise<void> {
  const file = join(dir, `events-${randomUUID()}.ndjson`);
  writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
  const runtime = await openRuntime({
    store,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createMemorySink(),
    logger,
    pii: settings,
  });
  try {
    await feedEvents(runtime, file, 'import');
  } finally {
    await runtime.close();
  }
}

/** What-if over a store as the CLI opens it (the direct reader for PostgreSQL). */
async function whatIfIn(
  store: string,
  rules: RulesFile,
  policy: ReopenPolicy,
  options: { redecideAll: boolean; settings?: typeof pii; since?: string; until?: string },
): Promise<WhatIfReport> {
  const { settings = pii, ...asked } = options;
  const history = await openHistory(store, settings);
  try {
    return await whatIf(history, { rules, policy, threads: 0, ...asked });
  } finally {
    await history.close();
  }
}

describe('what-if over a PostgreSQL store decides again only the customers a change can reach', () => {
  it(
    'and reports exactly what deciding every customer again reports, on random histories',
    { timeout: 600_000 },
    async () => {
      const seen: Seen = { partial: 0, different: 0 };
      await fc.assert(
        fc.asyncProperty(
          randomTraffic,
          randomRules,
          randomPolicy,
          randomPolicy,
          async (traffic, rules, recordedPolicy, triedPolicy) => {
            const store = postgresStore();
            await recordTrafficIn(store, traffic, rules, recordedPolicy);

            const narrowed = await whatIfIn(store, rules, triedPolicy, { redecideAll: false });
            const full = await whatIfIn(store, rules, triedPolicy, { redecideAll: true });

            expectSameOutcome(narrowed, full, seen);
          },
        ),
        { numRuns: 40 },
      );
      expect(seen.partial).toBeGreaterThan(0);
      expect(seen.different).toBeGreaterThan(0);
    },
  );

  it(
    'reports what the SQLite reader and the event store port report for the same history, in and out of a time range',
    { timeout: 180_000 },
    async () => {
      using dir = tempDir();
      const events = stretched(1_500, 80, 300);
      const store = postgresStore();
      await recordIn(store, dir.path, events);
      const file = `sqlite:${join(dir.path, 'same.db')}`;
      await recordIn(file, dir.path, events);
      const policy: ReopenPolicy = { ...DEFAULT_REOPEN_POLICY, default: '3d', integrations: { postscript: '48h' } };

      for (const range of [{}, { since: '2026-01-20T00:00:00Z' }, { until: '2026-02-10T00:00:00Z' }]) {
        const narrowed = await whatIfIn(store, DEFAULT_RULES, policy, { redecideAll: false, ...range });
        const full = await whatIfIn(store, DEFAULT_RULES, policy, { redecideAll: true, ...range });
        const fromFile = await whatIfIn(file, DEFAULT_RULES, policy, { redecideAll: false, ...range });
        // The port, which cannot narrow: every event decoded by the adapter.
        const { store: port, checkpoints } = await openStore(parseStoreUrl(store));
        await checkpoints.close();
        const head = await port.headPosition();
        const portable = await whatIf(await storeHistory(port), { rules: DEFAULT_RULES, policy, threads: 0, ...range });
        await port.close();
        // Cut into ranges of 100 positions, scanned two at a time: the parts merge into the same reach.
        const location = parseStoreUrl(store) as { url: string; schema: string };
        const history: RecordedHistory = (await postgresHistory({
          ...location,
          head,
          scanRange: 100,
          connections: 2,
        }))!;
        const inRanges = await whatIf(history, { rules: DEFAULT_RULES, policy, threads: 2, ...range }).finally(() =>
          history.close(),
        );

        expect(narrowed.reach.narrowed).toBe(true);
        expect(narrowed.summary.decisionsChanged).toBeGreaterThan(0);
        expect(narrowed.reach.redecided).toBeLessThan(narrowed.summary.replayed / 2);
        expect(outcome(narrowed)).toEqual(outcome(full));
        expect(outcome(narrowed)).toEqual(outcome(portable));
        expect(narrowed).toEqual(fromFile);
        expect(inRanges).toEqual(narrowed);
      }
    },
  );

  it(
    'reads a store with its personal data sealed the same way, opening only the rows in reach, an erased customer set aside',
    { timeout: 180_000 },
    async () => {
      using dir = tempDir();
      const sealed = { encryption: true };
      const store = postgresStore();
      const events = stretched(1_500, 80, 300);
      await recordIn(store, dir.path, events, sealed);
      const policy: ReopenPolicy = { ...DEFAULT_REOPEN_POLICY, default: '3d', integrations: { postscript: '48h' } };
      // One customer the change does not reach erased (keys deleted): the erasure alone must bring it
      // into the reach, so that both runs set the same records aside.
      const history = await openHistory(store, sealed);
      const reach = await history.reach!({ rules: DEFAULT_RULES, policy }, 0).finally(() => history.close());
      const erasedCustomer = (events as { subject: string }[])
        .map((e) => e.subject)
        .find((customer) => !reach.all && !reach.customers.has(customer))!;
      expect(erasedCustomer).toBeDefined();
      const opened = await openDomainStore(parseStoreUrl(store), sealed);
      try {
        await eraseCustomer(opened.pii, { customerId: erasedCustomer, requestedBy: 'test' }, new Date());
      } finally {
        await opened.checkpoints.close();
        await opened.store.close();
      }

      const narrowed = await whatIfIn(store, DEFAULT_RULES, policy, { redecideAll: false, settings: sealed });
      const full = await whatIfIn(store, DEFAULT_RULES, policy, { redecideAll: true, settings: sealed });

      expect(narrowed.reach.narrowed).toBe(true);
      expect(narrowed.summary.erased).toBeGreaterThan(0);
      expect(narrowed.summary.decisionsChanged).toBeGreaterThan(0);
      expect(outcome(narrowed)).toEqual(outcome(full));
      // Personal data came back through the codec: the auto-replies' recipients are in clear.
      expect(JSON.stringify(narrowed.commands)).not.toContain('[encrypted]');
    },
  );
});
