import { DatabaseSync } from 'node:sqlite';
import { parentPort, workerData } from 'node:worker_threads';
import { findReach, planTransferList, type ReachConfiguration } from './direct-history.js';
import { sqliteReachSource } from './sqlite-history.js';

// A what-if's reach over a SQLite file, found in a thread of its own (see reachInWorker in
// sqlite-history.ts): it starts the scan's workers, merges their parts and sends back the reach and
// its plan, then ends, and what it held goes with it.

export interface ReachWorkerData {
  readonly path: string;
  /** The head the history was opened at: the scan stops there, as the pages do. */
  readonly head: number;
  /** Whether the file's personal data is sealed (its erased records are told by their keys). */
  readonly sealed: boolean;
  /** Positions one scan worker reads at a time. */
  readonly scanRange: number;
  readonly configuration: ReachConfiguration;
  /** Scan workers at once. */
  readonly threads: number;
}

const port = parentPort;
if (port === null) throw new Error('sqlite-reach-worker runs as a worker thread');
const { configuration, threads, ...file } = workerData as ReachWorkerData;
const db = new DatabaseSync(file.path, { readOnly: true });
try {
  const found = await findReach(sqliteReachSource(db, file), configuration, threads);
  // The plan's columns move to the main thread rather than being copied.
  port.postMessage(found, found.plan === null ? [] : planTransferList(found.plan));
} finally {
  db.close();
}
