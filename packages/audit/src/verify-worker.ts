import { parentPort, workerData } from 'node:worker_threads';
import { REDECISION_PREFIXES } from './redecision.js';
import { sqliteStored, type CustomerShardSpec } from './sqlite-stored.js';
import { VerifyPass, type PassResult } from './verify-pass.js';

// One verify shard in its own thread: reads its customers' events from the SQLite file, reports
// progress, and sends back what it found.

export type FromVerifyWorker = { readonly progress: number } | { readonly result: PassResult };

export interface VerifyWorkerData {
  readonly path: string;
  /** Read events up to this position (the head when verify started). */
  readonly head: number;
  readonly checkpoint: number;
  readonly shard: CustomerShardSpec;
}

const PROGRESS_EVERY = 50_000;
const port = parentPort;
if (port === null) throw new Error('verify-worker runs as a worker thread');
const spec = workerData as VerifyWorkerData;
const pass = new VerifyPass(spec.checkpoint);
let count = 0;
for (const recorded of sqliteStored(spec.path, spec.head, REDECISION_PREFIXES, spec.shard)) {
  pass.accept(recorded);
  if (++count % PROGRESS_EVERY === 0) port.postMessage({ progress: recorded.position } satisfies FromVerifyWorker);
}
port.postMessage({ result: pass.result() } satisfies FromVerifyWorker);
