import { existsSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { PiiEventStore } from '@tickets/event-store';
import { CONFIG_STREAM_PREFIX, type PiiSettings } from '@tickets/streams';
import { hasReachIndexes, indexDefinitions } from '@tickets/streams/reach-indexes';
import {
  afterPrefix,
  configurationOfRow,
  directHistory,
  PageBuilder,
  findReach,
  type FoundReach,
  type ReachSource,
} from './direct-history.js';
import type { IndexPart } from './history-index.js';
import type { RecordedHistory } from './recorded-history.js';
import { storeHistory } from './store-history.js';
import { readIndexPart } from './sqlite-history-index.js';
import type { IndexRange, IndexWorkerData } from './sqlite-index-worker.js';
import type { ReachWorkerData } from './sqlite-reach-worker.js';
import { allRows, pagesInWorker, pagesOf, SELECT_ALL } from './sqlite-pages.js';
import type { ReachFacts } from './what-if-reach.js';

/** The event table layouts this reader knows (the SQLite adapter's `PRAGMA user_version`); 2 added the chain hash, not read here. */
const KNOWN_SCHEMAS: ReadonlySet<unknown> = new Set([1, 2]);

// The configurations, through the (stream, version) index — the streams from the prefix up to the
// prefix with its last character's successor: they decide whether a reach can be narrowed at all.
const SELECT_CONFIGURATIONS = `SELECT stream, data FROM events WHERE stream >= ? AND stream < ? ORDER BY position`;

function readConfigurations(db: DatabaseSync): ReachFacts['configurations'][number][] {
  const select = db.prepare(SELECT_CONFIGURATIONS);
  select.setReturnArrays(true);
  const configurations: ReachFacts['configurations'][number][] = [];
  for (const row of select.iterate(CONFIG_STREAM_PREFIX, afterPrefix(CONFIG_STREAM_PREFIX))) {
    const [stream, text] = row as unknown as [string, string];
    configurations.push(configurationOfRow(stream, text));
  }
  return configurations;
}

/**
 * Positions one index worker scans. What a worker finds stays in its heap until it hands it back, so
 * the ranges are bounded rather than one per thread: a store ten times larger takes ten times as many
 * ranges, not workers ten times larger. ~140k inbound records per range on the synthetic traffic.
 */
const SCAN_RANGE = 500_000;
/**
 * An index worker's heap: a range's columns need ~20 MB, and an uncapped worker lets the garbage of a
 * scan (a row's values, read and dropped) grow its heap to hundreds of MB before collecting it. A range
 * that does not fit (commands by the thousand per decision, say) is scanned again without the cap.
 */
const INDEX_WORKER_LIMITS = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 };

/** Scans (0, head] in consecutive ranges of at most `scanRange` positions, `threads` worker threads at once (0 or 1: in this thread). */
async function readIndex(
  path: string,
  head: number,
  threads: number,
  sealed: boolean,
  indexed: boolean,
  scanRange: number,
): Promise<IndexPart[]> {
  if (threads <= 1) return [readIndexPart(path, 0, head, sealed, indexed)];
  // As many ranges for each thread: with one range more for one of them (7 ranges on 2 threads at 1M
  // inbound events), the other waited for it, idle, the last range's time.
  const ranges = Math.ceil(Math.max(1, Math.ceil(head / scanRange)) / threads) * threads;
  const size = Math.ceil(head / ranges);
  const file: IndexWorkerData = { path, sealed, indexed };
  const parts = new Array<IndexPart>(ranges);
  let next = 0;
  // One worker per thread, each scanning range after range: its modules are loaded once, not per range.
  const lane = async (): Promise<void> => {
    const worker = new IndexWorker(file);
    try {
      while (next < ranges) {
        const i = next++;
        parts[i] = await worker.scan({ after: i * size, upTo: Math.min(head, (i + 1) * size) });
      }
    } finally {
      await worker.close();
    }
  };
  await Promise.all(Array.from({ length: Math.min(threads, ranges) }, lane));
  return parts;
}

/** A thread's index worker, capped (INDEX_WORKER_LIMITS); a range that does not fit is scanned again by an uncapped one of its own. */
class IndexWorker {
  #worker: Worker | null = null;

  constructor(private readonly file: IndexWorkerData) {}

  async scan(range: IndexRange): Promise<IndexPart> {
    try {
      return await ask((this.#worker ??= indexWorker(this.file, true)), range);
    } catch (error) {
      this.#worker = null;
      if ((error as NodeJS.ErrnoException).code !== 'ERR_WORKER_OUT_OF_MEMORY') throw error;
      const uncapped = indexWorker(this.file, false);
      try {
        return await ask(uncapped, range);
      } finally {
        await uncapped.terminate();
      }
    }
  }

  async close(): Promise<void> {
    await this.#worker?.terminate();
  }
}

function indexWorker(file: IndexWorkerData, capped: boolean): Worker {
  return new Worker(new URL('./sqlite-index-worker.js', import.meta.url), {
    workerData: file,
    ...(capped ? { resourceLimits: INDEX_WORKER_LIMITS } : {}),
  });
}

/** The part `worker` finds for `range`; rejected with the worker's error when it fails (out of memory, say) or stops. */
function ask(worker: Worker, range: IndexRange): Promise<IndexPart> {
  return new Promise<IndexPart>((resolve, reject) => {
    const settle = (then: () => void): void => {
      worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      then();
    };
    const onMessage = (part: IndexPart): void => settle(() => resolve(part));
    const onError = (error: Error): void => settle(() => reject(error));
    const onExit = (code: number): void =>
      settle(() => reject(new Error(`a what-if index worker stopped (exit code ${code})`)));
    worker.on('message', onMessage).on('error', onError).on('exit', onExit);
    worker.postMessage(range);
  });
}

export interface SqliteHistoryOptions {
  /**
   * The codec over this file, when its personal data is sealed with keys kept in the same file: the
   * reach is found from the fields stored in clear (ids, times, channels, routing facts) and the rows
   * in reach are opened through it; a history read whole goes through it (the port).
   */
  readonly sealed?: PiiEventStore | undefined;
  /** The settings `sealed` was opened with: a page reader in a thread of its own opens its own codec with them. */
  readonly pii?: PiiSettings | undefined;
  /** Rows per page of reached rows read back (tests make it small). */
  readonly pageRows?: number;
  /** Positions one thread scans for the reach at a time (default SCAN_RANGE; tests make it small). */
  readonly scanRange?: number;
  /** The heap of the thread that reads pages ahead (default PAGE_READER_LIMITS; tests make it too small). */
  readonly pageReaderLimits?: ResourceLimits;
}

/** What a reach over a SQLite file is found from: its configurations, and scans of its events table. */
export function sqliteReachSource(
  db: DatabaseSync,
  file: { readonly path: string; readonly head: number; readonly sealed: boolean; readonly scanRange: number },
): ReachSource {
  const { path, head, sealed, scanRange } = file;
  const indexed = hasReachIndexes(indexDefinitions(db));
  return {
    head,
    configurations: async () => readConfigurations(db),
    async unnarrowable() {
      // An erased record is told by its key, gone from the key table: without the table here, it cannot be.
      return sealed && db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'pii_keys'`).get() === undefined
        ? 'the personal-data keys are not kept in this file: erased records cannot be told apart'
        : null;
    },
    index: (threads) => readIndex(path, head, threads, sealed, indexed, scanRange),
  };
}

/**
 * The reach found in a thread of its own (sqlite-reach-worker.ts), which starts the scan's workers:
 * the scan's parts, their merge and its garbage (~135 MB live at 1M inbound records, in a heap V8 had
 * grown to ~240 MB) stay in that thread's heap and go with it; only the plan comes back, moved. The
 * main thread, which then decides, starts from a small heap instead of one V8 lets grow further.
 */
function reachInWorker(data: ReachWorkerData): Promise<FoundReach> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./sqlite-reach-worker.js', import.meta.url), { workerData: data });
    let found: FoundReach | undefined;
    let failure: unknown;
    worker.once('message', (message: FoundReach) => (found = message));
    worker.once('error', (error) => (failure = error));
    // Settled once the thread is gone, its heap with it, before any deciding starts.
    worker.once('exit', (code) => {
      if (found === undefined) reject(failure ?? new Error(`a what-if reach worker stopped (exit code ${code})`));
      else resolve(found);
    });
  });
}

/** The recorded history read straight from a SQLite store file; null when the file is not one this reader knows. */
export function sqliteHistory(path: string, options: SqliteHistoryOptions = {}): RecordedHistory | null {
  const { sealed, pii, pageRows, scanRange = SCAN_RANGE, pageReaderLimits } = options;
  if (!existsSync(path)) return null;
  const db = new DatabaseSync(path, { readOnly: true });
  const version = db.prepare('PRAGMA user_version').get()?.['user_version'];
  if (!KNOWN_SCHEMAS.has(version)) {
    db.close();
    return null;
  }
  const head = (db.prepare('SELECT max(position) AS head FROM events').get()?.['head'] as number | null) ?? 0;
  const file = { path, head, sealed: sealed !== undefined, scanRange };
  const reachSource = sqliteReachSource(db, file);

  return directHistory({
    ...reachSource,
    ...(pageRows === undefined ? {} : { pageRows }),
    // With threads to scan in, the reach is found in one more: see reachInWorker.
    findReach: async (configuration, threads) =>
      threads > 1 ? reachInWorker({ ...file, configuration, threads }) : findReach(reachSource, configuration, threads),
    async *everything() {
      if (sealed !== undefined) {
        yield* (await storeHistory(sealed)).pages();
        return;
      }
      const pages = new PageBuilder();
      for (const row of allRows(db.prepare(SELECT_ALL))) if (pages.add(row)) yield pages.flush();
      if (!pages.empty) yield pages.flush();
    },
    pageReader: (ahead) =>
      ahead && (sealed === undefined || pii !== undefined)
        ? pagesInWorker({ path, pii: sealed === undefined ? undefined : pii }, pageReaderLimits)
        : pagesOf(db, sealed),
    async close() {
      db.close();
    },
  });
}
