import { parentPort, workerData } from 'node:worker_threads';
import type { HeadProof, ProofResult, StoreHead } from '@tickets/event-store';
import type { DirectStore } from './verify-plan.js';
import { planOf } from './verify-source.js';

// The thread a verify plan is made in (verify-source.ts, planInWorker): it makes the plan, hands it
// over and ends.

export interface PlanWorkerData {
  readonly store: DirectStore;
  readonly head: number;
  readonly count: number;
  readonly proofs: readonly HeadProof[];
}

/** The plan as it crosses back: the shards' positions, and what the head over the stored hashes found. */
export interface PlannedInWorker {
  readonly shards: Float64Array<ArrayBuffer>[];
  readonly rows: number;
  readonly found: StoreHead;
  readonly proven: ProofResult[];
}

const port = parentPort;
if (port !== null) {
  const { store, head, count, proofs } = workerData as PlanWorkerData;
  const plan = await planOf(store, head, count, proofs);
  const planned: PlannedInWorker = {
    shards: plan.shards,
    rows: plan.rows,
    found: plan.head.now(),
    proven: plan.head.proofs(),
  };
  port.postMessage(
    planned,
    plan.shards.map((shard) => shard.buffer),
  );
}
