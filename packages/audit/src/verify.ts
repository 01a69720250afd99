import { Worker } from 'node:worker_threads';
import { checkStoreChain, type EventStore, type HeadProof } from '@tickets/event-store';
import type { TicketReadModel } from '@tickets/projector';
import { checkReadModel } from './read-model-check.js';
import { REDECISION_PREFIXES } from './redecision.js';
import { sqliteStored } from './sqlite-stored.js';
import type { PartitionResult } from './verify-partition.js';
import { VerifyPass, type PassResult } from './verify-pass.js';
import type { RedecisionReport, VerifyReport } from './verify-report.js';
import type { FromVerifyWorker, VerifyWorkerData } from './verify-worker.js';

export interface VerifyOptions {
  readonly store: EventStore;
  readonly readModel: TicketReadModel;
  /** The SQLite file of `store`, when it is one verify can read directly (split between threads). */
  readonly sqlitePath?: string | undefined;
  /** Worker threads for a SQLite file; 0 reads in this thread. */
  readonly threads: number;
  /** Called as reading progresses with the store position reached. */
  readonly onProgress?: (position: number) => void;
  /** Heads published earlier (`tickets head`) to prove: history up to each must be unchanged. */
  readonly headProofs?: readonly HeadProof[];
}

const PAGE = 5_000;
const PROGRESS_EVERY = 50_000;

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

/** The SQLite file in one pass, in this thread. */
async function inline(
  path: string,
  head: number,
  checkpoint: number,
  onProgress?: (position: number) => void,
): Promise<PassResult> {
  const pass = new VerifyPass(checkpoint);
  let count = 0;
  for (const recorded of sqliteStored(path, head, REDECISION_PREFIXES)) {
    pass.accept(recorded);
    if (++count % PROGRESS_EVERY === 0) onProgress?.(recorded.position);
  }
  return pass.result();
}

/** The SQLite file split between worker threads, by customer: each reads and checks its customers' events only. */
function inWorkers(
  path: string,
  head: number,
  checkpoint: number,
  threads: number,
  onProgress?: (position: number) => void,
): Promise<PassResult[]> {
  const reached = new Array<number>(threads).fill(0);
  return Promise.all(
    Array.from(
      { length: threads },
      (_, index) =>
        new Promise<PassResult>((resolve, reject) => {
          const worker = new Worker(new URL('./verify-worker.js', import.meta.url), {
            workerData: { path, head, checkpoint, shard: { index, count: threads } } satisfies VerifyWorkerData,
            // Most of what a pass parses dies young: a large young generation keeps it from being promoted.
            resourceLimits: { maxYoungGenerationSizeMb: 128 },
          });
          let result: PassResult | null = null;
          worker.on('message', (message: FromVerifyWorker) => {
            if ('progress' in message) {
              reached[index] = message.progress;
              onProgress?.(Math.min(...reached));
            } else result = message.result;
          });
          worker.on('error', reject);
          worker.on('exit', (code) =>
            result === null ? reject(new Error(`a verify worker stopped (exit code ${code})`)) : resolve(result),
          );
        }),
    ),
  );
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
  const { store, readModel, sqlitePath, threads, onProgress, headProofs = [] } = options;
  for (let attempt = 0; attempt < 3; attempt++) {
    const checkpoint = await readModel.checkpoint();
    const head = await store.headPosition();
    // Read by worker threads (if any) while this thread reads the read model: the cores share the work.
    const reading =
      sqlitePath === undefined
        ? throughPort(store, head, checkpoint, onProgress)
        : threads === 0
          ? inline(sqlitePath, head, checkpoint, onProgress)
          : inWorkers(sqlitePath, head, checkpoint, threads, onProgress).then(merged);
    // Every chain and the head, over the whole log as stored (sealed personal data included).
    const chaining = checkStoreChain(store, { upTo: head, proofs: headProofs });
    const rows = await readModel.all();
    const { partition: found, redecision } = await reading;
    const chain = await chaining;
    // The checkpoint must not have moved meanwhile, or the rows belong to another point in time.
    if ((await readModel.checkpoint()) !== checkpoint) continue;

    const rebuilt = new Map(found.tickets.map((ticket) => [ticket.ticketId, ticket]));
    const readModelMismatches = await checkReadModel(rebuilt, rows, store, checkpoint);
    return {
      ok:
        readModelMismatches.length === 0 &&
        found.mismatches.length === 0 &&
        redecision.mismatches.length === 0 &&
        chain.ok,
      events: found.events,
      head,
      readModel: {
        checkpoint,
        tickets: rebuilt.size,
        notYetProjected: found.notYetProjected,
        mismatches: readModelMismatches,
      },
      decisions: {
        rulesEvaluated: found.rulesEvaluated,
        commands: found.commands,
        inboundRecords: found.inboundRecords,
        mismatches: found.mismatches,
      },
      redecision,
      chain,
    };
  }
  throw new Error(
    'the read model kept changing while verify read it: is a projector catching up? Run verify again once it has',
  );
}
