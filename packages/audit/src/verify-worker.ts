import { parentPort, workerData } from 'node:worker_threads';
import { ChainCheck, type ChainReport, type EventMetadata, type Json, type RecordedEvent } from '@tickets/event-store';
import { CONFIG_STREAM_PREFIX, openDomainStore, type PiiSettings } from '@tickets/streams';
import { REDECISION_PREFIXES } from './redecision.js';
import { sqliteRowGroupsAt, StoredEvent } from './sqlite-stored.js';
import { POSITIONS_PER_READ } from './sqlite-verify-plan.js';
import { VerifyPass, type PassResult } from './verify-pass.js';

// A verify worker: checks the shards it is handed, one at a time, each from its rows read back by
// position (sqlite-verify-plan.ts), and sends back what each found; its memory is one shard's tickets
// and customers.

export interface VerifyWorkerData {
  readonly path: string;
  readonly checkpoint: number;
  /** When the file's personal data is sealed: the settings each worker opens the codec with. */
  readonly pii?: PiiSettings | undefined;
}

export type ToVerifyWorker =
  { readonly shard: number; readonly positions: Float64Array<ArrayBuffer> } | { readonly stop: true };

/** What one shard found: the pass, and the chains of its streams (configurations: the first shard's). */
export interface ShardResult extends PassResult {
  readonly chain: ChainReport;
}

export type FromVerifyWorker = { readonly rows: number } | { readonly shard: number; readonly result: ShardResult };

/** Puts sealed personal data back into events read as stored (the codec's `openRecorded`). */
export type Opener = (events: RecordedEvent[]) => Promise<RecordedEvent[]>;

/**
 * Checks one shard's rows: their streams' chains over the texts as stored, and the pass over the
 * events as the port would hand them over (opened by `open` when personal data is sealed).
 */
export async function checkShard(
  path: string,
  checkpoint: number,
  shard: number,
  positions: Float64Array,
  progress: (rows: number) => void,
  open?: Opener,
): Promise<ShardResult> {
  const pass = new VerifyPass(checkpoint);
  const chain = new ChainCheck();
  for (const rows of sqliteRowGroupsAt(path, positions, POSITIONS_PER_READ)) {
    const events: RecordedEvent[] = [];
    for (const [position, stream, version, id, type, metadata, data, hash] of rows) {
      // Every shard reads the configurations (each decides under them); their chains are checked once.
      if (shard === 0 || !stream.startsWith(CONFIG_STREAM_PREFIX))
        chain.accept({ position, stream, version, id, type, metadata, data, hash });
      if (!REDECISION_PREFIXES.some((prefix) => stream.startsWith(prefix))) continue;
      const meta = JSON.parse(metadata) as EventMetadata;
      events.push(
        open === undefined
          ? new StoredEvent(position, stream, version, id, type, meta, data)
          : { position, stream, version, id, type, metadata: meta, data: JSON.parse(data) as Json },
      );
    }
    for (const event of open === undefined ? events : await open(events)) pass.accept(event);
    progress(rows.length);
  }
  return { ...pass.result(), chain: chain.finish() };
}

const port = parentPort;
if (port !== null) {
  const { path, checkpoint, pii } = workerData as VerifyWorkerData;
  // The codec over the same file (and its key store), opened once per worker.
  const opened = pii === undefined ? undefined : await openDomainStore(`sqlite:${path}`, pii);
  await opened?.checkpoints.close();
  const open: Opener | undefined = opened?.pii === undefined ? undefined : (events) => opened.pii!.openRecorded(events);
  port.on('message', (message: ToVerifyWorker) => {
    if ('stop' in message) {
      port.close();
      void opened?.store.close();
      return;
    }
    void checkShard(
      path,
      checkpoint,
      message.shard,
      message.positions,
      (rows) => port.postMessage({ rows } satisfies FromVerifyWorker),
      open,
    ).then((result) => port.postMessage({ shard: message.shard, result } satisfies FromVerifyWorker));
  });
}
