import type pg from 'pg';
import type { CheckpointStore } from '../checkpoint-store.port.js';
import { EventStoreError } from '../errors.js';
import { invalidArgument } from '../validate-arguments.js';
import { translatePostgresError } from './postgres-error.js';
import { migrateEventSchema } from './postgres-event-schema.js';
import { DEFAULT_SCHEMA, quotedSchema } from './postgres-identifiers.js';
import { openPostgresPool, uniqueApplicationName } from './postgres-pool.js';
import type { PostgresPool } from './postgres-pool.js';

export type PostgresCheckpointStoreOptions = { readonly schema?: string } & (
  | { readonly url: string; readonly maxConnections?: number; readonly applicationName?: string }
  /**
   * The caller's pool, or one connection of it: inside the caller's transaction, a subscriber saves its
   * checkpoint atomically with its own writes. The caller keeps ownership: `close()` leaves it open.
   */
  | { readonly pool: PostgresPool | pg.PoolClient }
);

export interface PostgresCheckpointStore extends CheckpointStore {
  close(): Promise<void>;
}

class PostgresCheckpoints implements PostgresCheckpointStore {
  readonly #database: PostgresPool | pg.PoolClient;
  readonly #ownsPool: boolean;
  readonly #load: pg.QueryConfig;
  readonly #save: pg.QueryConfig;
  #closed = false;

  constructor(database: PostgresPool | pg.PoolClient, ownsPool: boolean, schema: string) {
    this.#database = database;
    this.#ownsPool = ownsPool;
    const checkpoints = `${quotedSchema(schema)}.checkpoints`;
    this.#load = { name: `tcp_${schema}_ld`, text: `SELECT position FROM ${checkpoints} WHERE subscriber = $1` };
    this.#save = {
      name: `tcp_${schema}_sv`,
      text: `INSERT INTO ${checkpoints} (subscriber, position) VALUES ($1, $2)
             ON CONFLICT (subscriber) DO UPDATE SET position = excluded.position, updated_at = now()`,
    };
  }

  async load(subscriber: string): Promise<number> {
    this.#assertUsable(subscriber);
    try {
      const { rows } = await this.#database.query<{ position: string }>({ ...this.#load, values: [subscriber] });
      return Number(rows[0]?.position ?? 0);
    } catch (error) {
      throw translatePostgresError(error, 'load checkpoint');
    }
  }

  async save(subscriber: string, position: number): Promise<void> {
    this.#assertUsable(subscriber);
    if (!Number.isSafeInteger(position) || position < 0)
      throw invalidArgument(`checkpoint position must be a non-negative integer, got ${String(position)}`);
    try {
      await this.#database.query({ ...this.#save, values: [subscriber, position] });
    } catch (error) {
      throw translatePostgresError(error, 'save checkpoint');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsPool) await (this.#database as PostgresPool).end();
  }

  #assertUsable(subscriber: string): void {
    if (this.#closed) throw new EventStoreError('EVENT_STORE.CLOSED', 'the checkpoint store is closed', false);
    if (typeof subscriber !== 'string' || subscriber.length === 0)
      throw invalidArgument('subscriber must be a non-empty string');
  }
}

/**
 * Checkpoints in the `checkpoints` table of the event store's schema (created, with the event tables,
 * if missing). With its own pool it opens a small one (2 connections by default).
 */
export async function createPostgresCheckpointStore(
  options: PostgresCheckpointStoreOptions,
): Promise<PostgresCheckpointStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  quotedSchema(schema);
  if ('pool' in options) {
    // A pool runs the migration itself; a single connection may be inside the caller's transaction,
    // where the tables are expected to exist already.
    if ('totalCount' in options.pool) await migrate(options.pool, schema);
    return new PostgresCheckpoints(options.pool, false, schema);
  }
  const pool = openPostgresPool({
    url: options.url,
    applicationName: options.applicationName ?? uniqueApplicationName('tickets-checkpoints'),
    maxConnections: options.maxConnections ?? 2,
  });
  try {
    await migrate(pool, schema);
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
  return new PostgresCheckpoints(pool, true, schema);
}

async function migrate(pool: PostgresPool, schema: string): Promise<void> {
  try {
    await migrateEventSchema(pool, schema);
  } catch (error) {
    throw translatePostgresError(error, 'open');
  }
}
