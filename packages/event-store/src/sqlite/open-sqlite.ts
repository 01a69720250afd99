import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { EventStoreError } from '../errors.js';

export interface OpenSqliteOptions {
  /** How long a writer waits for another connection's write lock before SQLITE_BUSY. */
  readonly busyTimeoutMs?: number;
  /**
   * This connection's page cache in MiB (SQLite's default is 2 MiB). The cache fills only with pages
   * the connection touches, so a larger one costs memory only where it is used.
   */
  readonly pageCacheMiB?: number;
}

export const DEFAULT_BUSY_TIMEOUT_MS = 5000;

/**
 * WAL pages after which a commit copies the WAL back into the database file (SQLite's default is
 * 1,000, ~4 MB). Appends insert into the (stream, version) index at random places (stream names are
 * hashes), so each transaction dirties about one index page per event, and the same pages again and
 * again: a longer interval writes each page back once per interval instead of once per ~4 MB. Loading
 * 300,000 inbound events wrote 14% fewer bytes and took 8% less CPU (docs/benchmarks.md, 2026-12-07).
 * The price: the WAL file grows to ~40 MB before it is reset, and the commit that copies it back waits
 * longer. Every connection to the file sets it: whichever commits past the bound copies.
 */
export const WAL_AUTOCHECKPOINT_PAGES = 10_000;

const isInMemory = (path: string): boolean => path === ':memory:' || path === '';

/**
 * Opens a connection with the settings every module sharing the database file relies on: WAL, so
 * readers never block the writer, and synchronous=NORMAL, which in WAL loses no committed data on a
 * process crash (only, at worst, the last commits on a power loss) and avoids an fsync per commit.
 *
 * Read models may live in the same file, each with its own connection. `PRAGMA user_version` belongs
 * to the event store's schema: version other tables another way.
 */
export function openSqlite(path: string, options: OpenSqliteOptions = {}): DatabaseSync {
  const { pageCacheMiB } = options;
  if (pageCacheMiB !== undefined && !(pageCacheMiB > 0))
    throw new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', 'pageCacheMiB must be positive', false);
  if (!isInMemory(path)) {
    if (statSync(path, { throwIfNoEntry: false })?.isDirectory() === true) {
      throw new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', `${path} is a directory, not a database file`, false);
    }
    ensureDirectory(dirname(path));
  }
  // The busy timeout is set at open, before the journal mode change, which itself may need a lock.
  const database = new DatabaseSync(path, { timeout: options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS });
  try {
    database.exec(
      `PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA wal_autocheckpoint = ${WAL_AUTOCHECKPOINT_PAGES};` +
        (pageCacheMiB === undefined ? '' : ` PRAGMA cache_size = ${-Math.round(pageCacheMiB * 1024)};`),
    );
  } catch (error) {
    database.close();
    throw error;
  }
  return database;
}

/**
 * `mkdir -p`, one level at a time: Node's recursive mkdirSync spins for ever (100% CPU) on a path
 * under /proc that does not exist; a plain mkdir fails there with ENOENT, which is then reported.
 */
function ensureDirectory(directory: string): void {
  const found = statSync(directory, { throwIfNoEntry: false });
  if (found !== undefined) {
    if (!found.isDirectory())
      throw new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', `${directory} is not a directory`, false);
    return;
  }
  const parent = dirname(directory);
  if (parent !== directory) ensureDirectory(parent);
  try {
    mkdirSync(directory);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return;
    throw new EventStoreError(
      'EVENT_STORE.INVALID_ARGUMENT',
      `cannot create the directory ${directory}: ${(error as Error).message}`,
      false,
      { cause: error },
    );
  }
}
