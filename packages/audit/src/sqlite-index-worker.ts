import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from './history-index.js';
import { readIndexPart } from './sqlite-history-index.js';

// One range of a SQLite file's positions scanned for a what-if's reach, in its own thread.

export interface IndexWorkerData {
  readonly path: string;
  readonly after: number;
  readonly upTo: number;
  readonly sealed: boolean;
  /** Through the reach indexes (see sqlite-history-index.ts). */
  readonly indexed: boolean;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-index-worker runs as a worker thread');
const { path, after, upTo, sealed, indexed } = workerData as IndexWorkerData;
const part = readIndexPart(path, after, upTo, sealed, indexed);
// The columns move to the main thread rather than being copied.
port.postMessage(part, transferList(part));
