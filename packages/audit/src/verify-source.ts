import { Worker, type ResourceLimits } from 'node:worker_threads';
import type { HeadProof, StoreLocation } from '@tickets/event-store';
import { headOfFile, plansFromIndexes, planVerify } from './sqlite-verify-plan.js';
import { isKnownSqliteStore, sqliteRowGroupsAt, type ChainedRow } from './sqlite-stored.js';
import { POSITIONS_PER_READ, type DirectStore, type FoundHead, type VerifyPlan } from './verify-plan.js';
import type { HeadInWorker, PlannedInWorker, PlanWorkerData } from './verify-plan-worker.js';

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

/** The plan (verify-plan.ts) of the log up to `head`, and its head (found by the plan's pass, or by a pass of its own). */
export interface PlanAndHead {
  readonly plan: Promise<VerifyPlan>;
  readonly head: Promise<FoundHead>;
}

/**
 * The plan and the head, in this thread, or each in a worker thread of its own (`inWorkers`): what a
 * pass over the whole log leaves in the heap (the rows it folded, the growing arrays) goes with its
 * thread, so the main thread stays small while the shards are checked. Only the shards' positions
 * come back (moved, not copied), and the head. A SQLite file planned from its indexes has its head
 * found beside its plan, on the other core, and then beside the shards' workers.
 */
export function planAndHead(
  store: DirectStore,
  head: number,
  count: number,
  proofs: readonly HeadProof[],
  inWorkers: boolean,
): PlanAndHead {
  // Decided once: where the head comes from follows from how the plan is made.
  const headApart = store.kind === 'sqlite' && plansFromIndexes(store.path);
  const job = { store, head, count, proofs, headApart };
  const plan = inWorkers
    ? inWorker<PlannedInWorker, VerifyPlan>({ job: 'plan', ...job }, ({ shards, rows, found }) => ({
        shards,
        rows,
        head: found === null ? null : headFound(found),
      }))
    : planOf(store, head, count, proofs, headApart);
  const found = !headApart
    ? plan.then((made) => made.head!)
    : inWorkers
      ? inWorker<HeadInWorker, FoundHead>({ job: 'head', ...job }, headFound, HEAD_WORKER_LIMITS)
      : plan.then(() => headOf(store, head, proofs));
  // Awaited once the shards are checked: a failure before that is the plan's or the shards' to report.
  found.catch(() => undefined);
  return { plan, head: found };
}

/** The plan (verify-plan.ts) of the log up to `head`, made in this thread; with its head unless `headApart`. */
export async function planOf(
  store: DirectStore,
  head: number,
  count: number,
  proofs: readonly HeadProof[],
  headApart: boolean,
): Promise<VerifyPlan> {
  if (store.kind === 'sqlite') return planVerify(store.path, head, count, proofs, headApart);
  const { planPostgresVerify } = await import('./postgres-verify-plan.js');
  return planPostgresVerify(store, head, count, proofs);
}

/** The head of a SQLite file: a pass over its stored hashes. */
export function headOf(store: DirectStore, head: number, proofs: readonly HeadProof[]): FoundHead {
  if (store.kind !== 'sqlite') throw new Error('only a SQLite file has its head found apart from its plan');
  return headOfFile(store.path, head, proofs);
}

const headFound = ({ now, proven }: HeadInWorker): FoundHead => ({ now: () => now, proofs: () => proven });

/**
 * The head's thread: it holds a hash and the row it reads, nothing else, so its young generation is
 * small. With V8's default the thread, alive beside the two shards' workers, made a verify over 1M
 * inbound events peak ~30 MB higher, and no faster (docs/benchmarks.md).
 */
const HEAD_WORKER_LIMITS: ResourceLimits = { maxYoungGenerationSizeMb: 4 };

/** What a plan worker (verify-plan-worker.ts) sends back for `data`, once the thread is gone. */
function inWorker<Message, Result>(
  data: PlanWorkerData,
  result: (message: Message) => Result,
  resourceLimits: ResourceLimits = {},
): Promise<Result> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(new URL('./verify-plan-worker.js', import.meta.url), {
      workerData: data,
      resourceLimits,
    });
    let sent: { message: Message } | undefined;
    let failure: unknown;
    worker.once('message', (message: Message) => (sent = { message }));
    worker.once('error', (error) => (failure = error));
    // Resolved once the thread is gone, its heap with it.
    worker.once('exit', (code) => {
      if (sent === undefined) reject(failure ?? new Error(`a verify ${data.job} worker stopped (exit code ${code})`));
      else resolve(result(sent.message));
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
