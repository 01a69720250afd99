import { parentPort, workerData } from 'node:worker_threads';
import { openTicketReadModel } from '@tickets/projector';
import { openDomainStore } from '@tickets/streams';
import {
  checkShard,
  type FromVerifyWorker,
  type ShardContext,
  type ToVerifyWorker,
  type VerifyWorkerData,
} from './verify-shard.js';
import { openShardRows } from './verify-source.js';

// A verify worker: checks the shards it is handed, one at a time (verify-shard.ts), and sends back
// what each found; its memory is one shard's tickets and customers.

/** Entries per codec cache in a worker (the default, 100,000, is for a long-running writer). */
const CODEC_CACHE_LIMIT = 8_192;

const port = parentPort;
if (port === null) throw new Error('verify-worker runs as a worker thread');
const { store, checkpoint, readModelUrl, pii } = workerData as VerifyWorkerData;
// The store (through the codec when sealed), the read model and the rows' source, opened once per worker.
// A shard's customers are met once each: the codec's caches need not hold more than a shard's worth.
const opened = await openDomainStore(store, pii ?? { encryption: false }, {
  codec: { cacheLimit: CODEC_CACHE_LIMIT },
  reachIndexes: false,
});
await opened.checkpoints.close();
const readModel = await openTicketReadModel(store, readModelUrl);
const rows = await openShardRows(store);
const codec = opened.pii;
const context: ShardContext = {
  rows,
  checkpoint,
  store: opened.store,
  readModel,
  open: codec === undefined ? undefined : (events) => codec.openStored(events),
};
port.on('message', (message: ToVerifyWorker) => {
  if ('stop' in message) {
    port.close();
    void Promise.all([readModel.close(), opened.store.close(), rows.close()]);
    return;
  }
  void checkShard(context, message.shard, message.positions, (rows) =>
    port.postMessage({ rows } satisfies FromVerifyWorker),
  ).then((result) => port.postMessage({ shard: message.shard, result } satisfies FromVerifyWorker));
});
