import { parentPort, workerData } from 'node:worker_threads';
import type { HeadProof, ProofResult, StoreHead } from '@tickets/event-store';
import type { DirectStore } from './verify-plan.js';
import { headOf, planOf } from './verify-source.js';

// The thread a verify plan is made in, or a head found in (verify-source.ts, planAndHead): it does
// its job, hands the result over and ends.

export interface PlanWorkerData {
  /** The plan (and the head, when its pass finds it), or the head alone. */
  readonly job: 'plan' | 'head';
  /** A SQLite file planned from its indexes, its head found by a pass of its own (`plansFromIndexes`). */
  readonly headApart: boolean;
  readonly store: DirectStore;
  readonly head: number;
  /** Shards of the plan. */
  readonly count: number;
  readonly proofs: readonly HeadProof[];
}

/** A head as it crosses back: what the pass over the stored hashes found, and the proofs. */
export interface HeadInWorker {
  readonly now: StoreHead;
  readonly proven: ProofResult[];
}

/** The plan as it crosses back: the shards' positions, and the head when the plan's pass found it. */
export interface PlannedInWorker {
  readonly shards: Float64Array<ArrayBuffer>[];
  readonly rows: number;
  readonly found: HeadInWorker | null;
}

const port = parentPort;
if (port !== null) {
  const { job, store, head, count, proofs, headApart } = workerData as PlanWorkerData;
  if (job === 'head') {
    const found = headOf(store, head, proofs);
    port.postMessage({ now: found.now(), proven: found.proofs() } satisfies HeadInWorker);
  } else {
    const plan = await planOf(store, head, count, proofs, headApart);
    const planned: PlannedInWorker = {
      shards: plan.shards,
      rows: plan.rows,
      found: plan.head === null ? null : { now: plan.head.now(), proven: plan.head.proofs() },
    };
    port.postMessage(
      planned,
      plan.shards.map((shard) => shard.buffer),
    );
  }
}
