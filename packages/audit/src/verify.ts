import { Worker } from 'node:worker_threads';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import { checkStoreChain, type EventStore, type HeadProof } from '@tickets/event-store';
import type { TicketReadModel } from '@tickets/projector';
import { INBOUND_STREAM_PREFIX } from '@tickets/streams';
import { checkReadModel } from './read-model-check.js';
import { sqlitePartition } from './sqlite-partition.js';
import type { FromVerifyWorker } from './verify-worker.js';
import { VerifyPartition, type PartitionResult } from './verify-partition.js';
import type { RedecisionReport, VerifyReport } from './verify-report.js';
import { REDECISION_PREFIXES, Redecision } from './redecision.js';
import { sqliteStored } from './sqlite-stored.js';

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

/** Every ticket event and inbound record through the port, in one partition. */
async function throughPort(store: EventStore, head: number, checkpoint: number, onProgress?: (position: number) => void): Promise<PartitionResult> {
  const partition = new VerifyPartition(checkpoint);
  let after = 0;
  while (after < head) {
    const page = await store.readAll({ after, maxCount: PAGE, streamPrefixes: [TICKET_STREAM_PREFIX, INBOUND_STREAM_PREFIX] });
    if (page.length === 0) break;
    for (const recorded of page) if (recorded.position <= head) partition.accept(recorded);
    after = page.at(-1)!.position;
    onProgress?.(Math.min(after, head));
  }
  return partition.result();
}

/** The SQLite file in one partition, in this thread. */
async function inline(path: string, head: number, checkpoint: number, onProgress?: (position: number) => void): Promise<PartitionResult> {
  const partition = new VerifyPartition(checkpoint);
  let count = 0;
  for (const recorded of sqlitePartition({ path, head, partition: 0, partitions: 1 })) {
    partition.accept(recorded);
    if (++count % 50_000 === 0) onProgress?.(recorded.position);
  }
  return partition.result();
}

/** The SQLite file split between worker threads, by ticket. */
function inWorkers(path: string, head: number, checkpoint: number, threads: number, onProgress?: (position: number) => void): Promise<PartitionResult[]> {
  const reached = new Array<number>(threads).fill(0);
  return Promise.all(
    Array.from(
      { length: threads },
      (_, partition) =>
        new Promise<PartitionResult>((resolve, reject) => {
          const worker = new Worker(new URL('./verify-worker.js', import.meta.url), {
            workerData: { path, head, checkpoint, partition, partitions: threads },
            // Most of what a partition parses dies young: a large young generation keeps it from being promoted.
            resourceLimits: { maxYoungGenerationSizeMb: 128 },
          });
          let result: PartitionResult | null = null;
          worker.on('message', (message: FromVerifyWorker) => {
            if ('progress' in message) {
              reached[partition] = message.progress;
              onProgress?.(Math.min(...reached));
            } else result = message.result;
          });
          worker.on('error', reject);
          worker.on('exit', (code) => (result === null ? reject(new Error(`a verify worker stopped (exit code ${code})`)) : resolve(result)));
        }),
    ),
  );
}

/** Every recorded decision made again: straight from a clear SQLite file, else through the port (the codec opens sealed personal data). */
async function redecideAll(store: EventStore, head: number, sqlitePath: string | undefined): Promise<RedecisionReport> {
  const redecision = new Redecision();
  if (sqlitePath !== undefined) {
    for (const recorded of sqliteStored(sqlitePath, head, REDECISION_PREFIXES)) redecision.accept(recorded);
    return redecision.finish();
  }
  let after = 0;
  while (after < head) {
    const page = await store.readAll({ after, maxCount: PAGE, streamPrefixes: REDECISION_PREFIXES });
    if (page.length === 0) break;
    for (const recorded of page) if (recorded.position <= head) redecision.accept(recorded);
    after = page.at(-1)!.position;
  }
  return redecision.finish();
}

function merged(parts: readonly PartitionResult[]): PartitionResult {
  return {
    events: parts.reduce((sum, p) => sum + p.events, 0),
    notYetProjected: parts.reduce((sum, p) => sum + p.notYetProjected, 0),
    tickets: parts.flatMap((p) => p.tickets),
    mismatches: parts.flatMap((p) => p.mismatches).sort((a, b) => a.event.position - b.event.position),
    rulesEvaluated: parts.reduce((sum, p) => sum + p.rulesEvaluated, 0),
    commands: parts.reduce((sum, p) => sum + p.commands, 0),
    inboundRecords: parts.reduce((sum, p) => sum + p.inboundRecords, 0),
  };
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
    // The rebuild runs up to the checkpoint while this thread reads the stored rows (worker threads);
    // the checkpoint must not have moved meanwhile, or the rows belong to another point in time.
    const rebuilding =
      sqlitePath === undefined
        ? throughPort(store, head, checkpoint, onProgress)
        : threads === 0
          ? inline(sqlitePath, head, checkpoint, onProgress)
          : inWorkers(sqlitePath, head, checkpoint, threads, onProgress).then(merged);
    // Every chain and the head, over the whole log as stored (sealed personal data included).
    const chaining = checkStoreChain(store, { upTo: head, proofs: headProofs });
    const rows = await readModel.all();
    // Made again here while the worker threads (if any) read their partitions: the cores share the work.
    const redecision = await redecideAll(store, head, sqlitePath);
    const found = await rebuilding;
    const chain = await chaining;
    if ((await readModel.checkpoint()) !== checkpoint) continue;

    const rebuilt = new Map(found.tickets.map((ticket) => [ticket.ticketId, ticket]));
    const readModelMismatches = await checkReadModel(rebuilt, rows, store, checkpoint);
    return {
      ok: readModelMismatches.length === 0 && found.mismatches.length === 0 && redecision.mismatches.length === 0 && chain.ok,
      events: found.events,
      head,
      readModel: { checkpoint, tickets: rebuilt.size, notYetProjected: found.notYetProjected, mismatches: readModelMismatches },
      decisions: { rulesEvaluated: found.rulesEvaluated, commands: found.commands, inboundRecords: found.inboundRecords, mismatches: found.mismatches },
      redecision,
      chain,
    };
  }
  throw new Error('the read model kept changing while verify read it: is a projector catching up? Run verify again once it has');
}
