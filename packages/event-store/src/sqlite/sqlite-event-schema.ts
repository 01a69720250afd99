import type { DatabaseSync } from 'node:sqlite';

/** Schema revision recorded in `PRAGMA user_version`; each step below upgrades from the one before. */
export const EVENT_SCHEMA_VERSION = 2;

const MIGRATIONS: readonly string[] = [
  // 1. `position` aliases the rowid: SQLite gives max+1 inside the one write transaction, so positions
  //    follow commit order without gaps. No AUTOINCREMENT (it would add a write per insert): rows are
  //    never deleted, so a rowid is never reused. Small columns come first, so scanning ids of a stream
  //    never touches the overflow pages of a large `data`. The (stream, version) unique index guards
  //    against duplicate versions and serves every stream read; there is deliberately no index on `id`,
  //    since idempotency is per stream and a second random-key index would slow every append.
  `CREATE TABLE IF NOT EXISTS events (
     position    INTEGER PRIMARY KEY,
     stream      TEXT    NOT NULL,
     version     INTEGER NOT NULL,
     id          TEXT    NOT NULL,
     type        TEXT    NOT NULL,
     recorded_at TEXT    NOT NULL,
     metadata    TEXT    NOT NULL,
     data        TEXT    NOT NULL,
     UNIQUE (stream, version)
   ) STRICT`,
  // 2. The chain hash of each event (`chain/event-hash.ts`). Adding a nullable column rewrites no row,
  //    so it is instant on a large store; events written before keep NULL: outside the chain.
  `ALTER TABLE events ADD COLUMN hash TEXT`,
];

const userVersion = (database: DatabaseSync): number => {
  const row = database.prepare('PRAGMA user_version').get();
  return typeof row?.['user_version'] === 'number' ? row['user_version'] : 0;
};

/** Idempotent: concurrent openers serialise on the write lock and re-check the version inside it. */
export function migrateEventSchema(database: DatabaseSync): void {
  if (userVersion(database) === EVENT_SCHEMA_VERSION) return;
  database.exec('BEGIN IMMEDIATE');
  try {
    const current = userVersion(database);
    if (current > EVENT_SCHEMA_VERSION)
      throw new Error(`event store schema ${current} is newer than this code (${EVENT_SCHEMA_VERSION})`);
    for (const step of MIGRATIONS.slice(current)) database.exec(step);
    database.exec(`PRAGMA user_version = ${EVENT_SCHEMA_VERSION}`);
    database.exec('COMMIT');
  } catch (error) {
    if (database.isTransaction) database.exec('ROLLBACK');
    throw error;
  }
}
