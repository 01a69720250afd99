import { Worker } from 'node:worker_threads';
import type { HeadProof, StoreLocation } from '@tickets/event-store';
import { planVerify } from './sqlite-verify-plan.js';
import { isKnownSqliteStore, sqliteRowGroupsAt, type ChainedRow } from './sqlite-stored.js';
import { POSITIONS_PER_READ, type DirectStore, type VerifyPlan } from './verify-plan.js';
import type { PlannedInWorker, PlanWorkerData } from './verify-plan-worker.js';

// Where a sharded verify reads: the one place that tells a SQLite file from a PostgreSQL schema. The
// PostgreSQL code is loaded only for a PostgreSQL store: it brings the client.

/** A store's events table as a verify shard reads it. */
export interface ShardRows {
  /** The rows at `positions` (ascending), in that order, a group at a time. */
  groupsAt(positions: Float64Array): AsyncIterable<ChainedRow[]> | Iterable<ChainedRow[]>;
  close(): Promise<void>;
}

/** The store verify can read directly in shards, or undefined: verify then reads it through the port. */
export async function directStoreOf(location: StoreLocation): Promise<DirectStore | undefined> {
  if (location.kind === 'sqlite')
    return location.path !== ':memory:' && isKnownSqliteStore(location.path) ? location : undefined;
  if (location.kind === 'postgres') {
    const { isKnownPostgresStore } = await import('./postgres-verify-plan.js');
    return (await isKnownPostgresStore(location)) ? location : undefined;
  }
  return undefined;
}

/** The plan (verify-plan.ts): one pass over the log up to `head`. */
export async function planOf(
  store: DirectStore,
  head: number,
  count: number,
  proofs: readonly HeadProof[],
): Promise<VerifyPlan> {
  if (store.kind === 'sqlite') return planVerify(store.path, head, count, proofs);
  const { planPostgresVerify } = await import('./postgres-verify-plan.js');
  return planPostgresVerify(store, head, count, proofs);
}

/**
 * The plan made in a worker thread of its own: what the pass over the whole log leaves in the heap
 * (the rows it folded, the growing arrays) goes with the thread, so the main thread stays small while
 * the shards are checked. Only the shards' positions come back (moved, not copied), and the head.
 */
export function planInWorker(
  store: DirectStore,
  head: number,
  count: number,
  proofs: readonly HeadProof[],
): Promise<VerifyPlan> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./verify-plan-worker.js', import.meta.url), {
      workerData: { store, head, count, proofs } satisfies PlanWorkerData,
    });
    let planned: PlannedInWorker | undefined;
    let failure: unknown;
    worker.once('message', (message: PlannedInWorker) => (planned = message));
    worker.once('error', (error) => (failure = error));
    // Resolved once the thread is gone, its heap with it, before any shard's worker starts.
    worker.once('exit', (code) => {
      if (planned === undefined) reject(failure ?? new Error(`the verify plan's worker stopped (exit code ${code})`));
      else {
        const { shards, rows, found, proven } = planned;
        resolve({ shards, rows, head: { now: () => found, proofs: () => proven } });
      }
    });
  });
}

/** Opens what a worker (or the main thread) reads shards' rows back with. */
export async function openShardRows(store: DirectStore): Promise<ShardRows> {
  if (store.kind === 'sqlite')
    return {
      groupsAt: (positions) => sqliteRowGroupsAt(store.path, positions, POSITIONS_PER_READ),
      close: () => Promise.resolve(),
    };
  const { PostgresRows } = await import('./postgres-verify-plan.js');
  const rows = new PostgresRows(store);
  return { groupsAt: (positions) => rows.groupsAt(positions, POSITIONS_PER_READ), close: () => rows.close() };
}
