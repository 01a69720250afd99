import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { parseStoreUrl } from '@tickets/event-store';
import { createLogger } from '@tickets/platform';
import { openTicketReadModel } from '@tickets/projector';
import { createMemorySink } from '@tickets/rule-reactor';
import { openDomainStore } from '@tickets/streams';
import { syntheticEvents, tempDir } from '@tickets/testing';
import { verify, type VerifyReport, type WorkerLimits } from '@tickets/audit';
import { forget } from '../src/commands/forget.js';
import { openRuntime } from '../src/runtime.js';

// Verify over a SQLite file reads it in shards of customers, each shard's rows read back by position,
// so that its memory holds a few shards and not the whole history. It is only right if it finds
// exactly what one pass over the whole log through the store's port finds: the same report, field by
// field and in the same order, however many shards and threads, on a store with problems of every kind.

const logger = createLogger({ level: 'silent' });
const clear = { encryption: false };
const sealed = { encryption: true };

interface Sharded {
  readonly threads: number;
  readonly rowsPerShard: number;
  readonly workerLimits?: WorkerLimits;
  readonly onOversizedShard?: (shard: number) => void;
}

/** Verify through the port (one pass, every ticket held), or over the file in shards. */
async function verifyStore(path: string, sharded: Sharded | 'port', pii = clear): Promise<VerifyReport> {
  const url = `sqlite:${path}`;
  const { store, checkpoints, pii: codec } = await openDomainStore(parseStoreUrl(url), pii);
  await checkpoints.close();
  const readModel = await openTicketReadModel(parseStoreUrl(url));
  try {
    return await verify({
      store,
      readModel,
      sqlitePath: sharded === 'port' ? undefined : path,
      threads: sharded === 'port' ? 0 : sharded.threads,
      rowsPerShard: sharded === 'port' ? undefined : sharded.rowsPerShard,
      workerLimits: sharded === 'port' ? undefined : sharded.workerLimits,
      onOversizedShard: sharded === 'port' ? undefined : sharded.onOversizedShard,
      sealed: codec === undefined ? undefined : { codec, settings: pii },
    });
  } finally {
    await readModel.close();
    await store.close();
  }
}

/** Synthetic traffic through the real pipeline into a new SQLite file. */
async function record(path: string, pii: typeof clear): Promise<void> {
  const runtime = await openRuntime({
    store: `sqlite:${path}`,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createMemorySink(),
    logger,
    pii,
  });
  try {
    await runtime.ingest.submit(syntheticEvents(3_000, 80, 7) as never, 'import');
    await runtime.settle();
  } finally {
    await runtime.close();
  }
}

describe('verify of a SQLite file in shards of customers', () => {
  const dir = tempDir('verify-shards-');
  const path = join(dir.path, 'events.db');

  beforeAll(() => record(path, clear), 120_000);
  afterAll(() => dir[Symbol.dispose]());

  it('finds what one pass through the port finds on an intact store, in any number of shards', async () => {
    const whole = await verifyStore(path, 'port');
    expect(whole.ok).toBe(true);
    expect(whole.readModel.tickets).toBeGreaterThan(50);
    for (const sharded of [
      { threads: 0, rowsPerShard: 1_000 },
      { threads: 2, rowsPerShard: 700 },
    ])
      expect(await verifyStore(path, sharded)).toEqual(whole);
    // Workers too small for any shard: each shard is done again by a worker without the cap.
    const oversized: number[] = [];
    const tooSmall = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 };
    expect(
      await verifyStore(path, {
        threads: 2,
        rowsPerShard: 2_000,
        workerLimits: tooSmall,
        onOversizedShard: (shard) => oversized.push(shard),
      }),
    ).toEqual(whole);
    expect(oversized.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('finds what one pass through the port finds on a store edited behind its back, in the same order', async () => {
    const db = new DatabaseSync(path);
    try {
      // An inbound record, a rule decision and a ticket event of different customers edited (their
      // chains break, their decisions no longer match); a row dropped, a row changed, a row of nothing.
      const edited = db
        .prepare(
          `UPDATE events SET data = replace(data, '"channel":"sms"', '"channel":"email"')
           WHERE position IN (SELECT position FROM events WHERE type = 'TicketCreated' ORDER BY position LIMIT 3 OFFSET 5)`,
        )
        .run();
      expect(edited.changes).toBe(3);
      db.prepare(
        `UPDATE events SET data = replace(data, '"type":"', '"type":"x.')
         WHERE position = (SELECT position FROM events WHERE type = 'InboundAccepted' ORDER BY position LIMIT 1 OFFSET 40)`,
      ).run();
      db.prepare(
        `DELETE FROM ticket_states WHERE ticket_id = (SELECT ticket_id FROM ticket_states ORDER BY ticket_id LIMIT 1 OFFSET 3)`,
      ).run();
      db.prepare(
        `UPDATE ticket_states SET state = replace(state, '"status":"open"', '"status":"closed"')
         WHERE ticket_id IN (SELECT ticket_id FROM ticket_states WHERE state LIKE '%"status":"open"%' ORDER BY ticket_id LIMIT 2)`,
      ).run();
      db.prepare(
        `INSERT INTO ticket_states SELECT 'tk_nobody', customer_id, created_at, replace(state, ticket_id, 'tk_nobody')
         FROM ticket_states ORDER BY ticket_id LIMIT 1`,
      ).run();
    } finally {
      db.close();
    }
    const whole = await verifyStore(path, 'port');
    expect(whole.ok).toBe(false);
    expect(new Set(whole.readModel.mismatches.map((m) => m.kind))).toEqual(
      new Set(['differs', 'missing_row', 'row_without_events']),
    );
    expect(whole.chain.problemCount).toBeGreaterThanOrEqual(4);
    expect(whole.redecision.mismatches.length).toBeGreaterThan(0);
    for (const sharded of [
      { threads: 0, rowsPerShard: 1_000 },
      { threads: 2, rowsPerShard: 500 },
    ])
      expect(await verifyStore(path, sharded)).toEqual(whole);
  }, 120_000);

  it('finds what the port finds on a store whose personal data is sealed, a customer erased', async () => {
    const sealedPath = join(dir.path, 'sealed.db');
    await record(sealedPath, sealed);
    const erased = await forget(
      { store: `sqlite:${sealedPath}`, customer: 'cus_3', pii: sealed, kafka: null },
      logger,
      () => new Date('2026-12-06T00:00:00Z'),
    );
    expect(erased.ticketsPurged).toBeGreaterThan(0);
    const whole = await verifyStore(sealedPath, 'port', sealed);
    expect(whole.ok).toBe(true);
    expect(whole.redecision.erased).toBeGreaterThan(0);
    for (const sharded of [
      { threads: 0, rowsPerShard: 1_000 },
      { threads: 2, rowsPerShard: 700 },
    ])
      expect(await verifyStore(sealedPath, sharded, sealed)).toEqual(whole);
  }, 120_000);
});
