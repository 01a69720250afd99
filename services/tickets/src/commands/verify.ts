import { availableParallelism } from 'node:os';
import { parseStoreUrl, type HeadProof } from '@tickets/event-store';
import { createProgress } from '@tickets/platform';
import { openTicketReadModel } from '@tickets/projector';
import { directStoreOf, verify } from '@tickets/audit';
import type { VerifyReport } from '@tickets/audit';
import { assertStoreExists } from '../existing-store.js';
import { defaultConfig } from '@tickets/platform/config';
import { openDomainStore, type PiiSettings } from '@tickets/streams';

export interface VerifyCommandOptions {
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
  readonly store: string;
  readonly readModel?: string | undefined;
  /** Worker threads; default: one per core for large SQLite and PostgreSQL stores, none otherwise. */
  readonly threads?: number;
  /** `--head`: a head published earlier, to prove history up to it unchanged. */
  readonly head?: HeadProof | undefined;
}

/** Below this many store events, starting worker threads costs more than it saves. */
const PARALLEL_FROM = 200_000;

/** `tickets verify`: every projection rebuilt in memory and compared, every recorded decision checked. */
export async function runVerify(options: VerifyCommandOptions): Promise<VerifyReport> {
  assertStoreExists(options.store);
  const location = parseStoreUrl(options.store);
  const settings = options.pii ?? defaultConfig().pii;
  const { store, checkpoints, pii } = await openDomainStore(location, settings, { reachIndexes: false });
  await checkpoints.close();
  const readModel = await openTicketReadModel(location, options.readModel);
  const head = await store.headPosition();
  // A SQLite file or a PostgreSQL schema is read directly, in shards of customers (bounded memory);
  // sealed personal data is opened by the codec as the port would (keys with the events or elsewhere).
  const direct = await directStoreOf(location);
  const threads = options.threads ?? (head >= PARALLEL_FROM ? Math.max(2, availableParallelism()) : 0);
  // Progress runs in store positions: one per event on SQLite and PostgreSQL, twice the log's byte
  // offset on KurrentDB, so they are not called events.
  const progress = createProgress({ label: 'verify', total: head, unit: 'store positions' });
  try {
    const headProofs = options.head === undefined ? [] : [options.head];
    return await verify({
      store,
      readModel,
      direct,
      readModelUrl: options.readModel,
      sealed: pii === undefined ? undefined : { codec: pii, settings },
      threads,
      headProofs,
      onProgress: (position) => progress.update(position),
    });
  } finally {
    progress.finish();
    await readModel.close();
    await store.close();
  }
}
