import type { PiiSettings } from '@tickets/platform';
import {
  openKeyStore,
  openStore,
  parseStoreUrl,
  type OpenedStore,
  type PiiCodecOptions,
  type PiiEventStore,
  type StoreLocation,
  withPiiCodec,
} from '@tickets/event-store';
import { domainPiiPolicy } from './pii-fields.js';
import { ensureReachIndexes } from './ensure-reach-indexes.js';

export interface DomainStoreOptions {
  /** The codec's options (its caches), when personal data is sealed. */
  readonly codec?: PiiCodecOptions;
  /**
   * Whether a SQLite file lacking the reach indexes gets them (reach-indexes.ts): yes for the services
   * and verbs that write; readers (audit, replay) pass false and leave the file as they found it.
   */
  readonly reachIndexes?: boolean;
}

export interface OpenedDomainStore extends OpenedStore {
  /** The PII codec over the store, when encryption is on: what erasure goes through. */
  readonly pii: PiiEventStore | undefined;
  /** The reach indexes this open made (reach-indexes.ts): a SQLite store written before they existed gets them once. */
  readonly indexesMade: readonly string[];
}

/**
 * Opens the store the services use: the adapter for the location behind the PII codec (personal data
 * sealed per customer, keys in a table of the same database). EventStoreDB gets the codec only when
 * `keyStore` names a SQLite file or PostgreSQL database for the keys; without one its events stay in
 * clear and erasure is refused. `settings`: the configuration's `pii` (TICKETS_PII_ENCRYPTION,
 * TICKETS_KEY_STORE). A SQLite file gets the indexes what-if reads (reach-indexes.ts) if it lacks them.
 */
export async function openDomainStore(
  location: StoreLocation | string,
  settings: PiiSettings,
  options: DomainStoreOptions = {},
): Promise<OpenedDomainStore> {
  const { codec, reachIndexes = true } = options;
  const where = typeof location === 'string' ? parseStoreUrl(location) : location;
  const opened = await openStore(where);
  let indexesMade: string[] = [];
  try {
    if (reachIndexes && where.kind === 'sqlite' && where.path !== ':memory:')
      indexesMade = ensureReachIndexes(where.path);
  } catch (error) {
    await opened.checkpoints.close();
    await opened.store.close();
    throw error;
  }
  const keyLocation =
    settings.keyStore !== undefined
      ? parseStoreUrl(settings.keyStore)
      : where.kind === 'eventstoredb'
        ? undefined
        : where;
  if (!settings.encryption || keyLocation === undefined) return { ...opened, pii: undefined, indexesMade };
  try {
    const pii = withPiiCodec(opened.store, await openKeyStore(keyLocation), domainPiiPolicy, codec);
    return { store: pii, checkpoints: opened.checkpoints, pii, indexesMade };
  } catch (error) {
    await opened.checkpoints.close();
    await opened.store.close();
    throw error;
  }
}
