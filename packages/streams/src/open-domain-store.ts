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

export interface OpenedDomainStore extends OpenedStore {
  /** The PII codec over the store, when encryption is on: what erasure goes through. */
  readonly pii: PiiEventStore | undefined;
}

/**
 * Opens the store the services use: the adapter for the location behind the PII codec (personal data
 * sealed per customer, keys in a table of the same database). EventStoreDB gets the codec only when
 * `keyStore` names a SQLite file or PostgreSQL database for the keys; without one its events stay in
 * clear and erasure is refused. `settings`: the configuration's `pii` (TICKETS_PII_ENCRYPTION,
 * TICKETS_KEY_STORE).
 */
export async function openDomainStore(
  location: StoreLocation | string,
  settings: PiiSettings,
  codec?: PiiCodecOptions,
): Promise<OpenedDomainStore> {
  const where = typeof location === 'string' ? parseStoreUrl(location) : location;
  const opened = await openStore(where);
  const keyLocation =
    settings.keyStore !== undefined
      ? parseStoreUrl(settings.keyStore)
      : where.kind === 'eventstoredb'
        ? undefined
        : where;
  if (!settings.encryption || keyLocation === undefined) return { ...opened, pii: undefined };
  try {
    const pii = withPiiCodec(opened.store, await openKeyStore(keyLocation), domainPiiPolicy, codec);
    return { store: pii, checkpoints: opened.checkpoints, pii };
  } catch (error) {
    await opened.checkpoints.close();
    await opened.store.close();
    throw error;
  }
}
