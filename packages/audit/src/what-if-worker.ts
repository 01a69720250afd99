import { parentPort, workerData } from 'node:worker_threads';
import type { InboundColumns } from './recorded-history.js';
import { WhatIfShard, type ShardSettings } from './what-if-shard.js';

// A what-if shard in its own thread: batches of inbound records in, the commands they emit out, the
// totals when told to finish. Only plain data crosses the thread boundary.

export type ToShard =
  { readonly batch: ShardBatch } | { readonly finish: true } | { readonly advance: string; readonly position: number };

/** A shard's part of a page: the inbound columns without the subjects, which only chose the shard. */
export type ShardBatch = Omit<InboundColumns, 'subjects'>;

const port = parentPort;
if (port === null) throw new Error('what-if-worker runs as a worker thread');
const shard = new WhatIfShard(workerData as ShardSettings);
port.on('message', (message: ToShard) => {
  if ('batch' in message) {
    const { positions, keys, records } = message.batch;
    const commands = positions.flatMap((position, i) => shard.handle(position, keys[i]!, records[i]!));
    port.postMessage({ commands });
  } else if ('advance' in message) port.postMessage({ commands: shard.advance(message.advance, message.position) });
  else port.postMessage({ totals: shard.totals() });
});
