import { Worker } from 'node:worker_threads';
import {
  checkStoreChain,
  mergeChainReports,
  type ChainReport,
  type EventStore,
  type HeadProof,
  type PiiEventStore,
} from '@tickets/event-store';
import type { PiiSettings } from '@tickets/streams';
import type { TicketReadModel } from '@tickets/projector';
import { checkReadModel, readModelMismatches } from './read-model-check.js';
import { REDECISION_PREFIXES } from './redecision.js';
import { MAX_SHARDS, type DirectStore } from './verify-plan.js';
import { openShardRows, planAndHead } from './verify-source.js';
import type { PartitionResult } from './verify-partition.js';
import { VerifyPass, type PassResult } from './verify-pass.js';
import type { ReadModelMismatch, RedecisionReport, VerifyReport } from './verify-report.js';
import {
  checkShard,
  type ShardContext,
  type FromVerifyWorker,
  type ShardResult,
  type ToVerifyWorker,
  type VerifyWorkerData,
} from './verify-shard.js';

export interface VerifyOptions {
  readonly store: EventStore;
  readonly readModel: TicketReadModel;
  /**
   * Where `store` keeps its events, when verify can read its events table directly, in shards of
   * customers split between threads (`directStoreOf`): a SQLite file or a PostgreSQL schema.
   */
  readonly direct?: DirectStore | undefined;
  /**
   * Where `readModel` is, for the worker threads that check shards (each opens it): the
   * `--read-model` URL; by default with the events.
   */
  readonly readModelUrl?: string | undefined;
  /** Worker threads for a store read directly; 0 reads in this thread. */
  readonly threads: number;
  /** Called as reading progresses with the store position reached. */
  readonly onProgress?: (position: number) => void;
  /** Heads published earlier (`tickets head`) to prove: history up to each must be unchanged. */
  readonly headProofs?: readonly HeadProof[];
  /** Store rows per shard of a store read directly (default 100,000): fewer, less memory and more passes. */
  readonly rowsPerShard?: number;
  /** The heap limits of each worker thread (a shard that does not fit is done again without them). */
  readonly workerLimits?: WorkerLimits;
  /** Called when a shard did not fit in a worker's heap limits, before it is done again without them. */
  readonly onOversizedShard?: (shard: number) => void;
  /**
   * When the store's personal data is sealed: the codec `store` reads through, and the settings it was
   * opened with (each worker thread opens its own).
   */
  readonly sealed?: { readonly codec: PiiEventStore; readonly settings: PiiSettings } | undefined;
}

const PAGE = 5_000;

/** Every event verify reads, through the port, in one pass. */
async function throughPort(
  store: EventStore,
  head: number,
  checkpoint: number,
  onProgress?: (position: number) => void,
): Promise<PassResult> {
  const pass = new VerifyPass(checkpoint);
  let after = 0;
  while (after < head) {
    const page = await store.readAll({ after, maxCount: PAGE, streamPrefixes: REDECISION_PREFIXES });
    if (page.length === 0) break;
    for (const recorded of page) if (recorded.position <= head) pass.accept(recorded);
    after = page.at(-1)!.position;
    onProgress?.(Math.min(after, head));
  }
  return pass.result();
}

/** Store rows per shard: one shard's tickets and customers take a few tens of megabytes. */
const ROWS_PER_SHARD = 100_000;

/** What a read of the store found, the read model compared. */
interface Found {
  readonly pass: PassResult;
  readonly chain: ChainReport;
  readonly readModelMismatches: ReadModelMismatch[];
  readonly tickets: number;
}

/**
 * The store's events table in shards of customers (verify-plan.ts), `threads` worker threads at a
 * time (none: in this thread): each shard's rebuilt tickets are compared with their rows as it is done
 * and let go, so memory holds a few shards, not the whole history.
 */
async function inShards(
  store: EventStore,
  readModel: TicketReadModel,
  direct: DirectStore,
  head: number,
  checkpoint: number,
  options: {
    readonly threads: number;
    readonly rowsPerShard: number;
    readonly workerLimits: WorkerLimits;
    readonly headProofs: readonly HeadProof[];
    readonly onProgress?: ((position: number) => void) | undefined;
    readonly onOversizedShard?: ((shard: number) => void) | undefined;
    readonly sealed?: VerifyOptions['sealed'];
    readonly readModelUrl?: string | undefined;
  },
): Promise<Found> {
  const { threads, rowsPerShard, workerLimits, headProofs, onProgress, onOversizedShard, sealed, readModelUrl } =
    options;
  const shards = Math.min(MAX_SHARDS, Math.max(1, threads, Math.ceil(head / rowsPerShard)));
  // With worker threads, the plan (and the head) is made in one too: the main thread then holds little but the plan.
  const planned = planAndHead(direct, head, shards, headProofs, threads > 0);
  const plan = await planned.plan;
  const results = new Array<ShardResult>(plan.shards.length);
  let rowsRead = 0;
  const progress = (rows: number) => {
    rowsRead += rows;
    onProgress?.(Math.min(head, Math.floor((head * rowsRead) / Math.max(1, plan.rows))));
  };
  const done = (shard: number, result: ShardResult) => (results[shard] = result);
  if (threads === 0) {
    const rows = await openShardRows(direct);
    const context: ShardContext = {
      rows,
      checkpoint,
      store,
      readModel,
      open: sealed === undefined ? undefined : (events) => sealed.codec.openStored(events),
    };
    try {
      for (const [shard, positions] of plan.shards.entries())
        done(shard, await checkShard(context, shard, positions, progress));
    } finally {
      await rows.close();
    }
  } else
    await inWorkers(
      { store: direct, checkpoint, readModelUrl, pii: sealed?.settings },
      plan.shards,
      threads,
      workerLimits,
      progress,
      done,
      (shard) => onOversizedShard?.(shard),
    );
  const readModelParts = results.map((result) => result.readModel);
  return {
    pass: merged(results),
    chain: mergeChainReports(
      results.map((result) => result.chain),
      await planned.head,
    ),
    readModelMismatches: readModelMismatches(readModelParts, await readModel.ticketIds()),
    tickets: readModelParts.reduce((sum, part) => sum + part.rebuilt.length, 0),
  };
}

/**
 * Per worker: a shard's live data takes a few tens of megabytes and most of what a pass allocates
 * dies young, so a small old generation keeps the process small at little cost. The young generation
 * is not the smallest: at 16 MB a verify over 1M inbound events spent 27 s collecting garbage against
 * 19 s at 32 MB (8% of its CPU time), for ~35 MB less (docs/benchmarks.md). A shard that does not fit
 * (one customer with a very long history) is done again by a worker without the cap.
 */
export interface WorkerLimits {
  readonly maxYoungGenerationSizeMb: number;
  readonly maxOldGenerationSizeMb: number;
}
const WORKER_LIMITS: WorkerLimits = { maxYoungGenerationSizeMb: 32, maxOldGenerationSizeMb: 128 };

/** Hands the shards to `threads` worker threads, the next one to whichever is free. */
function inWorkers(
  workerData: VerifyWorkerData,
  plan: readonly Float64Array<ArrayBuffer>[],
  threads: number,
  limits: WorkerLimits,
  progress: (rows: number) => void,
  done: (shard: number, result: ShardResult) => void,
  oversize: (shard: number) => void,
): Promise<void> {
  const shards = [...plan];
  const queue = shards.map((_, shard) => shard);
  /** Shards a capped worker ran out of memory on. */
  const oversized: number[] = [];
  let running = 0;
  let failed = false;
  return new Promise<void>((resolve, reject) => {
    const fail = (error: unknown) => {
      failed = true;
      reject(error);
    };
    const start = (capped: boolean) => {
      running++;
      const worker = new Worker(new URL('./verify-worker.js', import.meta.url), {
        workerData,
        ...(capped ? { resourceLimits: limits } : {}),
      });
      let current: number | undefined;
      const next = () => {
        current = (capped ? queue : oversized).shift();
        worker.postMessage(
          current === undefined
            ? { stop: true }
            : ({ shard: current, positions: shards[current]! } satisfies ToVerifyWorker),
        );
      };
      worker.on('message', (message: FromVerifyWorker) => {
        if ('rows' in message) return progress(message.rows);
        done(message.shard, message.result);
        shards[message.shard] = new Float64Array(0);
        next();
      });
      worker.on('error', (error: Error & { code?: string }) => {
        if (capped && current !== undefined && error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          oversize(current);
          oversized.push(current);
          current = undefined;
        } else fail(error);
      });
      worker.on('exit', (code) => {
        running--;
        if (failed) return;
        if (current !== undefined) return fail(new Error(`a verify worker stopped (exit code ${code})`));
        if (oversized.length > 0) start(false);
        else if (queue.length > 0) start(true);
        else if (running === 0) resolve();
      });
      next();
    };
    for (let i = 0; i < Math.min(threads, shards.length); i++) start(true);
  });
}

/** A read of the store through the port: every ticket rebuilt in memory, then compared with every row. */
async function allAtOnce(
  store: EventStore,
  readModel: TicketReadModel,
  head: number,
  checkpoint: number,
  headProofs: readonly HeadProof[],
  onProgress?: (position: number) => void,
): Promise<Found> {
  const reading = throughPort(store, head, checkpoint, onProgress);
  // Every chain and the head, over the whole log as stored (sealed personal data included), while the
  // events are read for the pass.
  const chaining = checkStoreChain(store, { upTo: head, proofs: headProofs });
  const rows = await readModel.all();
  const pass = await reading;
  const chain = await chaining;
  const rebuilt = new Map(pass.partition.tickets.map((ticket) => [ticket.ticketId, ticket]));
  return {
    pass,
    chain,
    readModelMismatches: await checkReadModel(rebuilt, rows, store, checkpoint),
    tickets: rebuilt.size,
  };
}

function merged(parts: readonly PassResult[]): PassResult {
  if (parts.length === 1) return parts[0]!;
  const partitions = parts.map((p) => p.partition);
  const partition: PartitionResult = {
    events: partitions.reduce((sum, p) => sum + p.events, 0),
    notYetProjected: partitions.reduce((sum, p) => sum + p.notYetProjected, 0),
    tickets: partitions.flatMap((p) => p.tickets),
    mismatches: partitions.flatMap((p) => p.mismatches).sort((a, b) => a.event.position - b.event.position),
    rulesEvaluated: partitions.reduce((sum, p) => sum + p.rulesEvaluated, 0),
    commands: partitions.reduce((sum, p) => sum + p.commands, 0),
    inboundRecords: partitions.reduce((sum, p) => sum + p.inboundRecords, 0),
  };
  const redecisions = parts.map((p) => p.redecision);
  // Every shard reads every configuration: what is found about the configurations themselves (not
  // about a decision) is taken once, from the first.
  const findings = parts
    .flatMap((p, shard) => p.redecision.mismatches.map((mismatch, i) => ({ mismatch, at: p.foundAt[i]!, shard, i })))
    .filter(({ mismatch, shard }) => shard === 0 || mismatch.kind !== 'configuration' || mismatch.inbound !== null)
    .sort((a, b) => a.at - b.at || a.shard - b.shard || a.i - b.i);
  const redecision: RedecisionReport = {
    configurations: redecisions[0]!.configurations,
    decisions: redecisions.reduce((sum, r) => sum + r.decisions, 0),
    events: redecisions.reduce((sum, r) => sum + r.events, 0),
    erased: redecisions.reduce((sum, r) => sum + r.erased, 0),
    unrecorded: redecisions.reduce((sum, r) => sum + r.unrecorded, 0),
    mismatches: findings.map((f) => f.mismatch),
  };
  return { partition, redecision, foundAt: findings.map((f) => f.at) };
}

/**
 * Rebuilds the ticket projection from the first event in memory and compares it with the stored
 * read model, checks every recorded decision against the events it refers to, and makes every
 * decision made under a recorded configuration again to compare it with what is stored. Reads only.
 * The comparison stops at the read model's checkpoint, so a projector a few events behind a live
 * store is not a mismatch; decisions are checked up to the head as it was when verify started.
 */
export async function verify(options: VerifyOptions): Promise<VerifyReport> {
  const {
    store,
    readModel,
    direct,
    threads,
    onProgress,
    headProofs = [],
    rowsPerShard = ROWS_PER_SHARD,
    workerLimits = WORKER_LIMITS,
    onOversizedShard,
    sealed,
    readModelUrl,
  } = options;
  for (let attempt = 0; attempt < 3; attempt++) {
    const checkpoint = await readModel.checkpoint();
    const head = await store.headPosition();
    const found =
      direct === undefined
        ? await allAtOnce(store, readModel, head, checkpoint, headProofs, onProgress)
        : await inShards(store, readModel, direct, head, checkpoint, {
            threads,
            rowsPerShard,
            workerLimits,
            headProofs,
            onProgress,
            onOversizedShard,
            sealed,
            readModelUrl,
          });
    // The checkpoint must not have moved meanwhile, or the rows belong to another point in time.
    if ((await readModel.checkpoint()) !== checkpoint) continue;

    const { partition, redecision } = found.pass;
    const { chain, readModelMismatches } = found;
    return {
      ok:
        readModelMismatches.length === 0 &&
        partition.mismatches.length === 0 &&
        redecision.mismatches.length === 0 &&
        chain.ok,
      events: partition.events,
      head,
      readModel: {
        checkpoint,
        tickets: found.tickets,
        notYetProjected: partition.notYetProjected,
        mismatches: readModelMismatches,
      },
      decisions: {
        rulesEvaluated: partition.rulesEvaluated,
        commands: partition.commands,
        inboundRecords: partition.inboundRecords,
        mismatches: partition.mismatches,
      },
      redecision,
      chain,
    };
  }
  throw new Error(
    'the read model kept changing while verify read it: is a projector catching up? Run verify again once it has',
  );
}
