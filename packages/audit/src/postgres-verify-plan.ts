import { HeadHash, type HeadProof } from '@tickets/event-store';
import {
  DEFAULT_SCHEMA,
  openPostgresPool,
  quotedSchema,
  uniqueApplicationName,
  type PostgresPool,
} from '@tickets/event-store/postgres';
import { inPositionOrder, isKnownEventTable, rows } from './postgres-stored.js';
import { readAhead } from './read-ahead.js';
import type { ChainedRow } from './sqlite-stored.js';
import { PlanBuilder, shardOfRow, type DirectStore, type VerifyPlan } from './verify-plan.js';

// Verify in shards over a PostgreSQL events table, as over a SQLite file (verify-plan.ts): the plan
// from one scan of the table in windows of positions, several statements in flight on connections of
// their own (the server reads and extracts while JavaScript folds the window before), then each
// shard's rows read back by position. As in postgres-history.ts, the statements ask for no order (a
// range is read as it lies on disk, position order for an append-only table) and a window is sorted
// only if it came back out of order; positions are bigint, read as float8 (exact below 2^53).

type PostgresStore = Extract<DirectStore, { kind: 'postgres' }>;

/**
 * Positions per plan statement, and statements in flight: a window's rows are held as JavaScript
 * values until folded, so small windows keep the planning thread small — at 100k events,
 * 100,000-position windows two to four at once peaked at 259–306 MB, 10,000-position windows two at
 * once at 171 MB, in about the same time (docs/benchmarks.md).
 */
const PLAN_WINDOW = 10_000;
const PLAN_STATEMENTS = 2;

function statements(schema: string | undefined) {
  const events = `${quotedSchema(schema ?? DEFAULT_SCHEMA)}.events`;
  return {
    // What the shard of a row is decided from (shardOfRow): its stream and the customer its data names.
    plan: `
      SELECT position::float8, stream,
             CASE type WHEN 'TicketCreated' THEN data::jsonb -> 'customer' ->> 'id'
               WHEN 'InboundAccepted' THEN data::jsonb -> 'event' ->> 'subject' END,
             hash
      FROM ${events} WHERE position > $1 AND position <= $2`,
    rowsAt: `
      SELECT position::float8, stream, version, id, type, metadata, data, hash FROM ${events}
      WHERE position = ANY($1::bigint[])`,
  };
}

const openPool = (store: PostgresStore, connections: number): PostgresPool =>
  openPostgresPool({
    url: store.url,
    applicationName: uniqueApplicationName('tickets-verify'),
    maxConnections: connections,
  });

/** Whether verify can read the schema's events table directly (a layout it knows). */
export async function isKnownPostgresStore(store: PostgresStore): Promise<boolean> {
  const pool = openPool(store, 1);
  try {
    return await isKnownEventTable(pool, store.schema ?? DEFAULT_SCHEMA);
  } finally {
    await pool.end();
  }
}

/** Reads the events table up to `head` once: each row's shard, and the head over the stored hashes. */
export async function planPostgresVerify(
  store: PostgresStore,
  head: number,
  count: number,
  proofs: readonly HeadProof[],
): Promise<VerifyPlan> {
  // The server reads the next windows while one is folded.
  const connections = PLAN_STATEMENTS;
  const pool = openPool(store, connections);
  const sql = statements(store.schema);
  type PlanRow = [position: number, stream: string, customer: string | null, hash: string | null];
  const windows = readAhead(
    (i) =>
      i * PLAN_WINDOW >= head
        ? null
        : rows<PlanRow>(pool, sql.plan, [i * PLAN_WINDOW, Math.min(head, (i + 1) * PLAN_WINDOW)]).then(inPositionOrder),
    connections,
  );
  try {
    const shardOf = shardOfRow(count);
    const plan = new PlanBuilder(count, head);
    const found = new HeadHash(proofs);
    for await (const window of windows) {
      for (const [position, stream, customer, hash] of window) {
        plan.accept(position, shardOf(stream, customer));
        found.accept(position, hash);
      }
    }
    return plan.finish(found);
  } finally {
    await pool.end();
  }
}

/** Reads a shard's rows back by position, from one connection of a worker's own. */
export class PostgresRows {
  readonly #pool: PostgresPool;
  readonly #sql: ReturnType<typeof statements>;

  constructor(store: PostgresStore) {
    this.#pool = openPool(store, 1);
    this.#sql = statements(store.schema);
  }

  /** The rows at `positions` (ascending), in that order, `group` positions per statement, the next group read while this one is checked. */
  async *groupsAt(positions: Float64Array, group: number): AsyncGenerator<ChainedRow[]> {
    yield* readAhead((i) =>
      i * group >= positions.length
        ? null
        : rows<ChainedRow>(this.#pool, this.#sql.rowsAt, [
            Array.from(positions.subarray(i * group, (i + 1) * group)),
          ]).then(inPositionOrder),
    );
  }

  close(): Promise<void> {
    return this.#pool.end();
  }
}
