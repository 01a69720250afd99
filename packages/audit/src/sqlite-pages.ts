import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { PiiEventStore } from '@tickets/event-store';
import { INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { pageOfRows, pageOfSealedRows, type HistoryRow, type PageReader } from './direct-history.js';
import type { HistoryPage } from './recorded-history.js';
import { INBOUND, SUBJECT, WITH_COMMANDS } from './sqlite-history-index.js';
import type { EventRow } from './sqlite-stored.js';
import type { PageWorkerData, ToPageWorker, FromPageWorker } from './sqlite-page-worker.js';

// The rows a what-if reads of a SQLite file: every inbound record and every decision's commands, or
// those at given positions (the reached customers'). Inbound records stay JSON text: the thread that
// decides an event parses it. Of a rule decision only its commands are read.
export const ROW_COLUMNS = `position,
         CASE WHEN ${INBOUND} THEN substr(stream, ${INBOUND_STREAM_PREFIX.length + 1}) END,
         CASE WHEN ${INBOUND} THEN data ELSE data -> '$.commands' END,
         CASE WHEN ${INBOUND} THEN ${SUBJECT} END`;
export const SELECT_ALL = `
  SELECT ${ROW_COLUMNS}
  FROM events
  WHERE substr(stream, 1, ${INBOUND_STREAM_PREFIX.length}) = '${INBOUND_STREAM_PREFIX}' OR (${WITH_COMMANDS})
  ORDER BY position`;

const SELECT_BY_POSITION = `
  SELECT ${ROW_COLUMNS}
  FROM events WHERE position IN (SELECT value FROM json_each(?))
  ORDER BY position`;

// In a sealed store the rows in reach are opened by the PII codec: read whole, as the port would.
const SELECT_EVENTS_BY_POSITION = `
  SELECT position, stream, version, id, type, metadata, data FROM events
  WHERE position IN (SELECT value FROM json_each(?))
  ORDER BY position`;

export function* allRows(select: StatementSync, ...parameters: string[]): Generator<HistoryRow> {
  select.setReturnArrays(true);
  for (const row of select.iterate(...parameters)) yield row as unknown as HistoryRow;
}

/**
 * Reads pages back by position on `db`; `sealed`: the codec the rows are opened with. `forAnotherThread`:
 * the pages are posted to the thread that decides (a sealed page's records then go as text).
 */
export function pagesOf(db: DatabaseSync, sealed: PiiEventStore | undefined, forAnotherThread = false): PageReader {
  const byPosition = db.prepare(sealed === undefined ? SELECT_BY_POSITION : SELECT_EVENTS_BY_POSITION);
  byPosition.setReturnArrays(true);
  return {
    async read(positions) {
      const chunk = JSON.stringify(positions);
      return sealed === undefined
        ? pageOfRows(allRows(byPosition, chunk))
        : pageOfSealedRows(byPosition.all(chunk) as unknown as EventRow[], sealed, { recordsAsText: forAnotherThread });
    },
    close: async () => undefined,
  };
}

/**
 * The page reader's heap. Its live data is a page or two (rows, opened values) and its codec's caches,
 * a few tens of MB; uncapped, V8 let it grow to hundreds of MB of garbage on a sealed store (a what-if
 * over 1M inbound events peaked ~120 MB higher). The young generation is small too: a page's rows are
 * garbage once sent. A page that does not fit is read again by a reader without the old generation's cap.
 */
export const PAGE_READER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 64 };

/**
 * Reads pages back in a worker thread of its own (sqlite-page-worker.ts), which opens the file (and the
 * codec, when sealed) itself: the main thread decides one page while the next is read and opened.
 * `limits`: the reader's heap (tests make it small).
 */
export function pagesInWorker(data: PageWorkerData, limits: ResourceLimits = PAGE_READER_LIMITS): PageReader {
  const waiting = new Map<
    number,
    { positions: readonly number[]; resolve: (page: HistoryPage) => void; reject: (error: unknown) => void }
  >();
  let asked = 0;
  let failure: unknown = null;
  let closed = false;
  const fail = (error: unknown): void => {
    failure ??= error;
    for (const { reject } of waiting.values()) reject(failure);
    waiting.clear();
  };
  const start = (capped: boolean): Worker => {
    const reader = new Worker(new URL('./sqlite-page-worker.js', import.meta.url), {
      workerData: data,
      resourceLimits: capped ? limits : { maxYoungGenerationSizeMb: limits.maxYoungGenerationSizeMb },
    });
    reader.on('message', (message: FromPageWorker) => {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if ('page' in message) pending?.resolve(message.page);
      else pending?.reject(new Error(message.error));
    });
    reader.on('error', (error: NodeJS.ErrnoException) => {
      if (!capped || error.code !== 'ERR_WORKER_OUT_OF_MEMORY') return fail(error);
      // What it was asked and had not answered, in order, to a reader without the cap.
      worker = start(false);
      for (const [id, { positions }] of waiting) worker.postMessage({ id, positions } satisfies ToPageWorker);
    });
    reader.on('exit', (code) => {
      // A reader replaced, or closed, ends as it should.
      if (reader === worker && !closed) fail(new Error(`a what-if page reader stopped (exit code ${code})`));
    });
    return reader;
  };
  let worker = start(true);
  return {
    read(positions) {
      if (failure !== null) return Promise.reject(failure);
      const id = asked++;
      return new Promise<HistoryPage>((resolve, reject) => {
        waiting.set(id, { positions, resolve, reject });
        worker.postMessage({ id, positions } satisfies ToPageWorker);
      });
    },
    async close() {
      closed = true;
      await worker.terminate();
    },
  };
}
