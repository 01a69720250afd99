import type { DatabaseSync, StatementSync } from 'node:sqlite';
import type { CheckpointStore } from '../checkpoint-store.port.js';
import { EventStoreError } from '../errors.js';
import { invalidArgument } from '../validate-arguments.js';
import { openSqlite } from './open-sqlite.js';
import { translateSqliteError } from './sqlite-error.js';

export type SqliteCheckpointStoreOptions =
  /** Opens (and owns) its own connection to this file, which may be the event store's. */
  | { readonly path: string; readonly busyTimeoutMs?: number }
  /**
   * Uses the caller's connection, so a read model can save its checkpoint in the same transaction
   * as its own writes. The caller keeps ownership: `close()` leaves it open.
   */
  | { readonly database: DatabaseSync };

export interface SqliteCheckpointStore extends CheckpointStore {
  close(): Promise<void>;
}

class SqliteCheckpoints implements SqliteCheckpointStore {
  readonly #database: DatabaseSync;
  readonly #ownsDatabase: boolean;
  readonly #load: StatementSync;
  readonly #save: StatementSync;
  #closed = false;

  constructor(database: DatabaseSync, ownsDatabase: boolean) {
    this.#database = database;
    this.#ownsDatabase = ownsDatabase;
    database.exec(
      'CREATE TABLE IF NOT EXISTS checkpoints (subscriber TEXT PRIMARY KEY, position INTEGER NOT NULL) STRICT',
    );
    this.#load = database.prepare('SELECT position FROM checkpoints WHERE subscriber = ?');
    this.#save = database.prepare(
      'INSERT INTO checkpoints (subscriber, position) VALUES (?, ?) ON CONFLICT (subscriber) DO UPDATE SET position = excluded.position',
    );
  }

  async load(subscriber: string): Promise<number> {
    this.#assertUsable(subscriber);
    try {
      const position = this.#load.get(subscriber)?.['position'];
      return typeof position === 'number' ? position : 0;
    } catch (error) {
      throw translateSqliteError(error, 'load checkpoint');
    }
  }

  async save(subscriber: string, position: number): Promise<void> {
    this.#assertUsable(subscriber);
    if (!Number.isSafeInteger(position) || position < 0)
      throw invalidArgument(`checkpoint position must be a non-negative integer, got ${String(position)}`);
    try {
      this.#save.run(subscriber, position);
    } catch (error) {
      throw translateSqliteError(error, 'save checkpoint');
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#ownsDatabase) this.#database.close();
  }

  #assertUsable(subscriber: string): void {
    if (this.#closed) throw new EventStoreError('EVENT_STORE.CLOSED', 'the checkpoint store is closed', false);
    if (typeof subscriber !== 'string' || subscriber.length === 0)
      throw invalidArgument('subscriber must be a non-empty string');
  }
}

export function createSqliteCheckpointStore(options: SqliteCheckpointStoreOptions): SqliteCheckpointStore {
  if ('database' in options) return new SqliteCheckpoints(options.database, false);
  let database: DatabaseSync;
  try {
    database = openSqlite(
      options.path,
      options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs },
    );
  } catch (error) {
    throw translateSqliteError(error, 'open');
  }
  try {
    return new SqliteCheckpoints(database, true);
  } catch (error) {
    database.close();
    throw translateSqliteError(error, 'open');
  }
}
