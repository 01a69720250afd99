import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from './history-index.js';
import { KeyPresence, readIndexPart } from './sqlite-history-index.js';

// A what-if's index worker: scans the ranges of a SQLite file's positions it is handed, one after
// the other, for the reach (sqlite-history-index.ts), each part sent back as soon as it is found.

/** The file a worker scans. */
export interface IndexWorkerData {
  readonly path: string;
  readonly sealed: boolean;
  /** Through the reach indexes (see sqlite-history-index.ts). */
  readonly indexed: boolean;
}

/** One range of positions, (after, upTo]. */
export interface IndexRange {
  readonly after: number;
  readonly upTo: number;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-index-worker runs as a worker thread');
const { path, sealed, indexed } = workerData as IndexWorkerData;
// The key ids of a sealed file, read at the first range: a customer's records span them all.
const keys = new KeyPresence();
port.on('message', ({ after, upTo }: IndexRange) => {
  const part = readIndexPart(path, after, upTo, sealed, indexed, keys);
  // The columns move to the main thread rather than being copied.
  port.postMessage(part, transferList(part));
});
