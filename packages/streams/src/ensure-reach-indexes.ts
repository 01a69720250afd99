import { openSqlite } from '@tickets/event-store/sqlite';
import type { DatabaseSync } from 'node:sqlite';
import { indexDefinitions, REACH_INDEXES, reachIndexSql, type ReachIndex } from './reach-indexes.js';

/**
 * Makes the reach indexes of a SQLite store that lacks them, or holds them as an earlier version
 * defined them: once, when a store written before they existed is opened (20–30 s per million inbound
 * events on a 2-core machine, holding the write lock), and never again. Returns the names made.
 */
export function ensureReachIndexes(path: string): string[] {
  // Several services opening an older store at once all find the indexes missing: the first to take
  // the write lock makes them, the others wait for it (longer than a writer's usual busy timeout, as
  // making them takes that long) and then find them made.
  const db = openSqlite(path, { busyTimeoutMs: INDEXING_BUSY_TIMEOUT_MS });
  try {
    if (missing(db).length === 0) return [];
    db.exec('BEGIN IMMEDIATE');
    try {
      const made = missing(db);
      for (const index of made) {
        db.exec(`DROP INDEX IF EXISTS ${index.name}`);
        db.exec(reachIndexSql(index));
      }
      db.exec('COMMIT');
      return made.map((index) => index.name);
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  } finally {
    db.close();
  }
}

/** How long an open waits for another connection that is making the indexes. */
const INDEXING_BUSY_TIMEOUT_MS = 10 * 60_000;

function missing(db: DatabaseSync): ReachIndex[] {
  const found = indexDefinitions(db);
  return REACH_INDEXES.filter((index) => found.get(index.name) !== reachIndexSql(index));
}
