import { EventStoreError } from '../errors.js';

// Primary SQLite result codes (the low byte of an extended code).
const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;
const ENVIRONMENT_FAILURES = new Set([
  7, // NOMEM
  8, // READONLY
  10, // IOERR
  11, // CORRUPT
  13, // FULL
  14, // CANTOPEN
  26, // NOTADB
]);

const sqliteErrorCode = (error: unknown): number | undefined => {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, errcode } = error as { code?: unknown; errcode?: unknown };
  return code === 'ERR_SQLITE_ERROR' && typeof errcode === 'number' ? errcode & 0xff : undefined;
};

/**
 * Maps what the database reports to the store's errors: a lock still held after the busy timeout is
 * worth a retry; a broken disk or file is not. Anything else (a bug of ours) passes through unchanged.
 */
export function translateSqliteError(error: unknown, operation: string): unknown {
  if (error instanceof EventStoreError) return error;
  const code = sqliteErrorCode(error);
  if (code === SQLITE_BUSY || code === SQLITE_LOCKED) {
    return new EventStoreError(
      'EVENT_STORE.UNAVAILABLE',
      `${operation}: the database is locked by another writer`,
      true,
      { cause: error },
    );
  }
  if (code !== undefined && ENVIRONMENT_FAILURES.has(code)) {
    return new EventStoreError('EVENT_STORE.UNAVAILABLE', `${operation}: ${(error as Error).message}`, false, {
      cause: error,
    });
  }
  return error;
}
