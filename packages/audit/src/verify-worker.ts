import { parentPort, workerData } from 'node:worker_threads';
import { sqlitePartition, type PartitionSpec } from './sqlite-partition.js';
import { VerifyPartition } from './verify-partition.js';

// One verify partition in its own thread: reads its part of the SQLite file, reports progress, and
// sends back what it found.

export type FromVerifyWorker = { readonly progress: number } | { readonly result: ReturnType<VerifyPartition['result']> };

const PROGRESS_EVERY = 50_000;
const port = parentPort;
if (port === null) throw new Error('verify-worker runs as a worker thread');
const spec = workerData as PartitionSpec & { checkpoint: number };
const partition = new VerifyPartition(spec.checkpoint);
let count = 0;
for (const recorded of sqlitePartition(spec)) {
  partition.accept(recorded);
  if (++count % PROGRESS_EVERY === 0) port.postMessage({ progress: recorded.position } satisfies FromVerifyWorker);
}
port.postMessage({ result: partition.result() } satisfies FromVerifyWorker);
