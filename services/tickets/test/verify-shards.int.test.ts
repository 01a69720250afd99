import { randomUUID } from 'node:crypto';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { parseStoreUrl, type HeadProof } from '@tickets/event-store';
import { createLogger } from '@tickets/platform';
import { openTicketReadModel } from '@tickets/projector';
import { createMemorySink } from '@tickets/rule-reactor';
import { openDomainStore } from '@tickets/streams';
import { hasReachIndexes, indexDefinitions, REACH_INDEXES } from '@tickets/streams/reach-indexes';
import { syntheticEvents, tempDir } from '@tickets/testing';
import { directStoreOf, verify, type VerifyReport, type WorkerLimits } from '@tickets/audit';
import { forget } from '../src/commands/forget.js';
import { openRuntime } from '../src/runtime.js';

// Verify over a SQLite file or a PostgreSQL schema reads the events table in shards of customers,
// each shard's rows read back by position, so that its memory holds a few shards and not the whole
// history. It is only right if it finds exactly what one pass over the whole log through the store's
// port finds: the same report, field by field and in the same order, however many shards and
// threads, on a store with problems of every kind.

const logger = createLogger({ level: 'silent' });
const clear = { encryption: false };
const sealed = { encryption: true };

interface Sharded {
  readonly threads: number;
  readonly rowsPerShard: number;
  readonly workerLimits?: WorkerLimits;
  readonly onOversizedShard?: (shard: number) => void;
}

/** Verify through the port (one pass, every ticket held), or over the events table in shards. */
async function verifyStore(
  url: string,
  sharded: Sharded | 'port',
  pii = clear,
  headProofs: readonly HeadProof[] = [],
): Promise<VerifyReport> {
  const location = parseStoreUrl(url);
  // As `tickets verify` opens it: a reader, which leaves the file's indexes as they are.
  const { store, checkpoints, pii: codec } = await openDomainStore(location, pii, { reachIndexes: false });
  await checkpoints.close();
  const readModel = await openTicketReadModel(location);
  try {
    const direct = sharded === 'port' ? undefined : await directStoreOf(location);
    if (sharded !== 'port') expect(direct).toEqual(location);
    return await verify({
      store,
      readModel,
      direct,
      threads: sharded === 'port' ? 0 : sharded.threads,
      rowsPerShard: sharded === 'port' ? undefined : sharded.rowsPerShard,
      workerLimits: sharded === 'port' ? undefined : sharded.workerLimits,
      onOversizedShard: sharded === 'port' ? undefined : sharded.onOversizedShard,
      sealed: codec === undefined ? undefined : { codec, settings: pii },
      headProofs,
    });
  } finally {
    await readModel.close();
    await store.close();
  }
}

/** Synthetic traffic through the real pipeline into a new store. */
async function record(url: string, pii: typeof clear): Promise<void> {
  const runtime = await openRuntime({
    store: url,
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

/** A store of one kind: where a new one is, and how its tables are edited behind the store's back. */
interface StoreKind {
  readonly name: string;
  /** The URL of a new, empty store. */
  fresh(label: string): string;
  /** Runs `sql` (tables named without schema) on the store at `url`; the rows it changed. */
  edit(url: string, sql: string): Promise<number>;
}

const dir = tempDir('verify-shards-');
const POSTGRES = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
/** Schemas of this run, dropped after the tests. */
const schemas: string[] = [];

const sqlite: StoreKind = {
  name: 'a SQLite file',
  fresh: (label) => `sqlite:${join(dir.path, `${label}.db`)}`,
  edit(url, sql) {
    const location = parseStoreUrl(url);
    if (location.kind !== 'sqlite') throw new Error(`not a SQLite store: ${url}`);
    const db = new DatabaseSync(location.path);
    try {
      return Promise.resolve(Number(db.prepare(sql).run().changes));
    } finally {
      db.close();
    }
  },
};

const postgres: StoreKind = {
  name: 'a PostgreSQL schema',
  fresh(label) {
    const schema = `pgverify_${label}_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
    schemas.push(schema);
    return `${POSTGRES}?schema=${schema}`;
  },
  async edit(url, sql) {
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    try {
      await client.query(`SET search_path TO ${new URL(url).searchParams.get('schema')}`);
      return (await client.query(sql)).rowCount ?? 0;
    } finally {
      await client.end();
    }
  },
};

afterAll(async () => {
  dir[Symbol.dispose]();
  if (schemas.length === 0) return;
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

describe.each([sqlite, postgres])('verify of $name in shards of customers', (kind) => {
  let url = '';

  beforeAll(async () => {
    url = kind.fresh('clear');
    await record(url, clear);
  }, 120_000);

  it('finds what one pass through the port finds on an intact store, in any number of shards', async () => {
    const plain = await verifyStore(url, 'port');
    expect(plain.ok).toBe(true);
    const { head } = plain.chain;
    // Heads published earlier: the head now (proven), and one that history up to it does not give.
    const proofs = [
      { events: head.events - 10, hash: 'a'.repeat(64) },
      { events: head.events, hash: head.hash },
    ];
    const whole = await verifyStore(url, 'port', clear, proofs);
    expect(whole.chain.proofs.map((proof) => proof.ok)).toEqual([false, true]);
    expect(whole.readModel.tickets).toBeGreaterThan(50);
    for (const sharded of [
      { threads: 0, rowsPerShard: 1_000 },
      { threads: 2, rowsPerShard: 700 },
    ])
      expect(await verifyStore(url, sharded, clear, proofs)).toEqual(whole);
    // Workers too small for any shard: each shard is done again by a worker without the cap.
    const oversized: number[] = [];
    const tooSmall = { maxYoungGenerationSizeMb: 1, maxOldGenerationSizeMb: 8 };
    expect(
      await verifyStore(url, {
        threads: 2,
        rowsPerShard: 2_000,
        workerLimits: tooSmall,
        onOversizedShard: (shard) => oversized.push(shard),
      }),
    ).toEqual(plain);
    expect(oversized.length).toBeGreaterThanOrEqual(2);
  }, 120_000);

  it('finds what one pass through the port finds on a store edited behind its back, in the same order', async () => {
    // An inbound record, a rule decision and a ticket event of different customers edited (their
    // chains break, their decisions no longer match); a row dropped, a row changed, a row of nothing.
    expect(
      await kind.edit(
        url,
        `UPDATE events SET data = replace(data, '"channel":"sms"', '"channel":"email"')
         WHERE position IN (SELECT position FROM events WHERE type = 'TicketCreated' ORDER BY position LIMIT 3 OFFSET 5)`,
      ),
    ).toBe(3);
    await kind.edit(
      url,
      `UPDATE events SET data = replace(data, '"type":"', '"type":"x.')
       WHERE position = (SELECT position FROM events WHERE type = 'InboundAccepted' ORDER BY position LIMIT 1 OFFSET 40)`,
    );
    await kind.edit(
      url,
      `DELETE FROM ticket_states WHERE ticket_id = (SELECT ticket_id FROM ticket_states ORDER BY ticket_id LIMIT 1 OFFSET 3)`,
    );
    await kind.edit(
      url,
      `UPDATE ticket_states SET state = replace(state, '"status":"open"', '"status":"closed"')
       WHERE ticket_id IN (SELECT ticket_id FROM ticket_states WHERE state LIKE '%"status":"open"%' ORDER BY ticket_id LIMIT 2)`,
    );
    await kind.edit(
      url,
      `INSERT INTO ticket_states SELECT 'tk_nobody', customer_id, created_at, replace(state, ticket_id, 'tk_nobody')
       FROM ticket_states ORDER BY ticket_id LIMIT 1`,
    );
    const whole = await verifyStore(url, 'port');
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
      expect(await verifyStore(url, sharded)).toEqual(whole);
    if (kind !== sqlite) return;
    // A SQLite file is planned from its reach indexes, above; one without them (written before they
    // existed) from its rows, the same plan.
    const location = parseStoreUrl(url);
    if (location.kind !== 'sqlite') throw new Error(`not a SQLite store: ${url}`);
    const db = new DatabaseSync(location.path);
    try {
      expect(hasReachIndexes(indexDefinitions(db))).toBe(true);
      db.exec(`DROP INDEX ${REACH_INDEXES[0]!.name}`);
      expect(hasReachIndexes(indexDefinitions(db))).toBe(false);
    } finally {
      db.close();
    }
    for (const sharded of [
      { threads: 0, rowsPerShard: 1_000 },
      { threads: 2, rowsPerShard: 500 },
    ])
      expect(await verifyStore(url, sharded)).toEqual(whole);
  }, 120_000);

  it('finds what the port finds on a store whose personal data is sealed, a customer erased', async () => {
    const sealedUrl = kind.fresh('sealed');
    await record(sealedUrl, sealed);
    const erased = await forget(
      { store: sealedUrl, customer: 'cus_3', pii: sealed, kafka: null },
      logger,
      () => new Date('2026-12-06T00:00:00Z'),
    );
    expect(erased.ticketsPurged).toBeGreaterThan(0);
    const whole = await verifyStore(sealedUrl, 'port', sealed);
    expect(whole.ok).toBe(true);
    expect(whole.redecision.erased).toBeGreaterThan(0);
    for (const sharded of [
      { threads: 0, rowsPerShard: 1_000 },
      { threads: 2, rowsPerShard: 700 },
    ])
      expect(await verifyStore(sealedUrl, sharded, sealed)).toEqual(whole);
  }, 120_000);

  it('finds what the port finds on a sealed store whose events were edited around their sealed values', async () => {
    // Rule decisions where a rule fired (read in full, sealed values and all), one where none fired
    // (read from its head), and messages: each edited in a field stored in clear beside sealed ones,
    // so that the stored text no longer is what the decision makes again once sealed.
    const sealedUrl = kind.fresh('sealededit');
    await record(sealedUrl, sealed);
    expect(
      await kind.edit(
        sealedUrl,
        `UPDATE events SET data = replace(data, '"status":"emitted"', '"status":"skipped"')
         WHERE position IN (SELECT position FROM events WHERE type = 'RulesEvaluated' AND data LIKE '%"status":"emitted"%'
                            ORDER BY position LIMIT 2 OFFSET 3)`,
      ),
    ).toBe(2);
    expect(
      await kind.edit(
        sealedUrl,
        `UPDATE events SET data = replace(data, '"reopenCount":0', '"reopenCount":7')
         WHERE position = (SELECT position FROM events WHERE type = 'RulesEvaluated' AND data NOT LIKE '%"outcome":"fired"%'
                           AND data LIKE '%"reopenCount":0%' ORDER BY position LIMIT 1 OFFSET 20)`,
      ),
    ).toBe(1);
    expect(
      await kind.edit(
        sealedUrl,
        `UPDATE events SET data = replace(data, '"routing":{"kind":"', '"routing":{"kind":"x')
         WHERE position IN (SELECT position FROM events WHERE type = 'MessageReceived' ORDER BY position LIMIT 2 OFFSET 30)`,
      ),
    ).toBe(2);
    const whole = await verifyStore(sealedUrl, 'port', sealed);
    expect(whole.ok).toBe(false);
    const fields = new Set(whole.redecision.mismatches.map((mismatch) => mismatch.field));
    expect(fields).toContain('data.reopenCount');
    expect([...fields].some((field) => field?.startsWith('data.evaluations[') === true)).toBe(true);
    expect(whole.decisions.mismatches.length).toBeGreaterThan(0);
    for (const sharded of [
      { threads: 0, rowsPerShard: 1_000 },
      { threads: 2, rowsPerShard: 700 },
    ])
      expect(await verifyStore(sealedUrl, sharded, sealed)).toEqual(whole);
  }, 120_000);
});

describe('which stores verify reads in shards', () => {
  it('reads through the port a PostgreSQL schema without an events table, or one of a layout it does not know', async () => {
    const none = parseStoreUrl(postgres.fresh('none'));
    expect(await directStoreOf(none)).toBeUndefined();
    const future = postgres.fresh('future');
    const client = new pg.Client({ connectionString: POSTGRES });
    await client.connect();
    try {
      const schema = new URL(future).searchParams.get('schema')!;
      await client.query(`CREATE SCHEMA ${schema}`);
      await client.query(`CREATE TABLE ${schema}.schema_migrations (component text, version int)`);
      await client.query(`INSERT INTO ${schema}.schema_migrations VALUES ('event-store', 2)`);
      expect(await directStoreOf(parseStoreUrl(future))).toEqual(parseStoreUrl(future));
      await client.query(`UPDATE ${schema}.schema_migrations SET version = 99`);
      expect(await directStoreOf(parseStoreUrl(future))).toBeUndefined();
    } finally {
      await client.end();
    }
  });

  it('reads KurrentDB and a SQLite database in memory through the port', async () => {
    expect(await directStoreOf(parseStoreUrl('esdb://127.0.0.1:2113?tls=false'))).toBeUndefined();
    expect(await directStoreOf(parseStoreUrl('sqlite::memory:'))).toBeUndefined();
  });
});
