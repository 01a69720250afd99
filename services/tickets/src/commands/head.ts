import { checkStoreChain, headProof, parseStoreUrl, type ChainReport } from '@tickets/event-store';
import { createProgress } from '@tickets/platform';
import { defaultConfig } from '@tickets/platform/config';
import { openDomainStore, type PiiSettings } from '@tickets/streams';
import { assertStoreExists } from '../existing-store.js';

export interface StoreHeadReport {
  /** SHA-256 over the chained events' hashes in global order (docs/audit.md). */
  readonly hash: string;
  /** Chained events it covers. */
  readonly events: number;
  /** Store position of the last of them. */
  readonly position: number;
  /** Events written before the chain: not covered. */
  readonly unchained: number;
  /** When it was read (this machine's clock). */
  readonly time: string;
  /** What `tickets verify --head` takes to prove history up to here unchanged later. */
  readonly proof: string;
  /** Whether every chain checked out on the way; a head over a broken chain is not worth publishing. */
  readonly chainOk: boolean;
  readonly problems: ChainReport['problems'];
}

/** `tickets head`: the store's head hash, computed over the whole log (every chain checked on the way). */
export async function runHead(options: {
  readonly store: string;
  readonly now: () => Date;
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
}): Promise<StoreHeadReport> {
  assertStoreExists(options.store);
  const { store, checkpoints } = await openDomainStore(
    parseStoreUrl(options.store),
    options.pii ?? defaultConfig().pii,
    {
      reachIndexes: false,
    },
  );
  await checkpoints.close();
  try {
    const upTo = await store.headPosition();
    const progress = createProgress({ label: 'head', total: upTo, unit: 'store positions' });
    const onProgress = (position: number): void => progress.update(position);
    const chain = await checkStoreChain(store, { upTo, onProgress }).finally(() => progress.finish());
    const { head } = chain;
    return {
      hash: head.hash,
      events: head.events,
      position: head.position,
      unchained: head.unchained,
      time: options.now().toISOString(),
      proof: headProof(head),
      chainOk: chain.problemCount === 0,
      problems: chain.problems.slice(0, 20),
    };
  } finally {
    await store.close();
  }
}
