import {
  ChainCheck,
  type ChainReport,
  type EventMetadata,
  type EventStore,
  type RecordedEvent,
} from '@tickets/event-store';
import type { TicketReadModel } from '@tickets/projector';
import { CONFIG_STREAM_PREFIX, type PiiSettings } from '@tickets/streams';
import { compareWithRows, type ReadModelPart } from './read-model-check.js';
import { REDECISION_PREFIXES } from './redecision.js';
import { StoredEvent } from './sqlite-stored.js';
import type { DirectStore } from './verify-plan.js';
import type { ShardRows } from './verify-source.js';
import { VerifyPass, type PassResult } from './verify-pass.js';

// One verify shard checked: its rows read back by position (verify-plan.ts), in a verify worker
// (verify-worker.ts) or in the main thread. Kept apart from the worker's entry, which runs only in the
// thread started for it.

export interface VerifyWorkerData {
  /** The SQLite file or PostgreSQL schema whose events table the shards' rows are read from. */
  readonly store: DirectStore;
  readonly checkpoint: number;
  /** Where the read model is (`--read-model`); by default, with the events (same file or schema). */
  readonly readModelUrl?: string | undefined;
  /** When the store's personal data is sealed: the settings each worker opens the codec with. */
  readonly pii?: PiiSettings | undefined;
}

export type ToVerifyWorker =
  { readonly shard: number; readonly positions: Float64Array<ArrayBuffer> } | { readonly stop: true };

/**
 * What one shard found: the pass (its rebuilt tickets already compared with their rows, and let go),
 * the comparison, and the chains of its streams (configurations: the first shard's).
 */
export interface ShardResult extends PassResult {
  readonly readModel: ReadModelPart;
  readonly chain: ChainReport;
}

export type FromVerifyWorker = { readonly rows: number } | { readonly shard: number; readonly result: ShardResult };

/** What a shard is checked with: its rows' source, and the store and read model (opened by each worker thread). */
export interface ShardContext {
  readonly rows: ShardRows;
  readonly checkpoint: number;
  /** The store read through the port (the codec when sealed): the streams of mismatching tickets are read again from it. */
  readonly store: EventStore;
  readonly readModel: TicketReadModel;
  /**
   * Opens the sealed personal data of events read as stored (the codec's `openStored`): decrypted
   * now, put into an event's data only if something reads it.
   */
  readonly open?: ((events: StoredEvent[]) => Promise<RecordedEvent[]>) | undefined;
}

/**
 * Checks one shard's rows: their streams' chains over the texts as stored, the pass over the events
 * as the port would hand them over (opened when personal data is sealed), and the tickets it rebuilt
 * against their read-model rows.
 */
export async function checkShard(
  context: ShardContext,
  shard: number,
  positions: Float64Array,
  progress: (rows: number) => void,
): Promise<ShardResult> {
  const { checkpoint, open } = context;
  const pass = new VerifyPass(checkpoint);
  const chain = new ChainCheck();
  for await (const rows of context.rows.groupsAt(positions)) {
    const events: StoredEvent[] = [];
    for (const [position, stream, version, id, type, metadata, data, hash] of rows) {
      // Every shard reads the configurations (each decides under them); their chains are checked once.
      if (shard === 0 || !stream.startsWith(CONFIG_STREAM_PREFIX))
        chain.accept({ position, stream, version, id, type, metadata, data, hash });
      if (!REDECISION_PREFIXES.some((prefix) => stream.startsWith(prefix))) continue;
      // Sealed or not, an event's data is parsed only if the pass reads it (see StoredEvent).
      events.push(new StoredEvent(position, stream, version, id, type, JSON.parse(metadata) as EventMetadata, data));
    }
    for (const event of open === undefined ? events : await open(events)) pass.accept(event);
    progress(rows.length);
  }
  const result = pass.result();
  const rebuilt = result.partition.tickets;
  const rows = await context.readModel.getMany(rebuilt.map((ticket) => ticket.ticketId));
  return {
    ...result,
    partition: { ...result.partition, tickets: [] },
    readModel: await compareWithRows(rebuilt, rows, context.store, checkpoint),
    chain: chain.finish(),
  };
}
