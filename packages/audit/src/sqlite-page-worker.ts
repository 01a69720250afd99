import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { openDomainStore, type PiiSettings } from '@tickets/streams';
import type { HistoryPage } from './recorded-history.js';
import { pagesOf } from './sqlite-pages.js';

// A what-if's page reader: reads the pages of rows it is asked for, by position, from a SQLite file,
// opening them through the codec when the file's personal data is sealed, and sends them back in order.

export interface PageWorkerData {
  readonly path: string;
  /** When the file's personal data is sealed: the settings the codec is opened with here. */
  readonly pii?: PiiSettings | undefined;
}

export type ToPageWorker = { readonly id: number; readonly positions: readonly number[] };
export type FromPageWorker =
  { readonly id: number; readonly page: HistoryPage } | { readonly id: number; readonly error: string };

/** Groups opened and waiting for their other events: more than a page's rows span. */
const OPENED_GROUPS_LIMIT = 8_192;

const port = parentPort;
if (port === null) throw new Error('sqlite-page-worker runs as a worker thread');
const { path, pii } = workerData as PageWorkerData;
const db = new DatabaseSync(path, { readOnly: true });
const opened =
  pii === undefined
    ? undefined
    : // The codec's key caches as large as a writer's: the pages go through every reached customer's key.
      // Its opened groups few: a page reads only some of each group's events, and the others' values
      // would wait there, opened, to the bound (a page's groups are the ones the next rows need).
      await openDomainStore(`sqlite:${path}`, pii, {
        reachIndexes: false,
        codec: { openedGroupsLimit: OPENED_GROUPS_LIMIT },
      });
await opened?.checkpoints.close();
const reader = pagesOf(db, opened?.pii, true);
// One page at a time, in the order asked: the codec reads a customer's events in store order.
let queue = Promise.resolve();
port.on('message', ({ id, positions }: ToPageWorker) => {
  queue = queue.then(() =>
    reader.read(positions).then(
      (page) => port.postMessage({ id, page } satisfies FromPageWorker),
      (error: unknown) => port.postMessage({ id, error: String(error) } satisfies FromPageWorker),
    ),
  );
});
