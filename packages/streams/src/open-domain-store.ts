import { ConfigError } from '@tickets/platform/config-error';
import {
  openKeyStore,
  openStore,
  parseStoreUrl,
  type OpenedStore,
  type PiiEventStore,
  type StoreLocation,
  withPiiCodec,
} from '@tickets/event-store';
import { domainPiiPolicy } from './pii-fields.js';

export interface PiiSettings {
  /** Encrypt personal data per customer (default on; `TICKETS_PII_ENCRYPTION=off` turns it off). */
  readonly encryption: boolean;
  /** Where the keys live when not next to the events (`TICKETS_KEY_STORE`; needed for EventStoreDB). */
  readonly keyStore?: string | undefined;
}

export function piiSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PiiSettings {
  const flag = (env['TICKETS_PII_ENCRYPTION'] ?? 'on').trim().toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(flag)) {
    throw new ConfigError(
      `TICKETS_PII_ENCRYPTION: expected on or off, got ${JSON.stringify(env['TICKETS_PII_ENCRYPTION'])}`,
    );
  }
  const keyStore = env['TICKETS_KEY_STORE']?.trim();
  return { encryption: ['on', 'true', '1'].includes(flag), keyStore: keyStore === '' ? undefined : keyStore };
}

export interface OpenedDomainStore extends OpenedStore {
  /** The PII codec over the store, when encryption is on: what erasure goes through. */
  readonly pii: PiiEventStore | undefined;
}

/**
 * Opens the store the services use: the adapter for the location behind the PII codec (personal data
 * sealed per customer, keys in a table of the same database). EventStoreDB gets the codec only when
 * `keyStore` names a SQLite file or PostgreSQL database for the keys; without one its events stay in
 * clear and erasure is refused.
 */
export async function openDomainStore(
  location: StoreLocation | string,
  settings: PiiSettings = piiSettingsFromEnv(),
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
    const pii = withPiiCodec(opened.store, await openKeyStore(keyLocation), domainPiiPolicy);
    return { store: pii, checkpoints: opened.checkpoints, pii };
  } catch (error) {
    await opened.checkpoints.close();
    await opened.store.close();
    throw error;
  }
}
