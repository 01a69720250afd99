import { parseStoreUrl } from '@tickets/event-store';
import type { RecordedHistory } from './recorded-history.js';
import { sqliteHistory } from './sqlite-history.js';
import { storeHistory } from './store-history.js';
import { openDomainStore, type PiiSettings } from '@tickets/streams';

/**
 * The recorded history of a store: straight from the file for SQLite, through the port otherwise.
 * `settings`: the configuration's personal-data settings.
 */
export async function openHistory(storeUrl: string, settings: PiiSettings): Promise<RecordedHistory> {
  const location = parseStoreUrl(storeUrl);
  // The direct file reader sees sealed personal data: with encryption on, the rows it hands on go
  // through the codec (keys in the same file), or every event goes through the port.
  if (location.kind === 'sqlite' && !settings.encryption) {
    const fast = sqliteHistory(location.path);
    if (fast !== null) return fast;
  }
  const { store, checkpoints, pii } = await openDomainStore(location, settings);
  await checkpoints.close();
  if (location.kind === 'sqlite' && pii !== undefined && settings.keyStore === undefined) {
    const sealed = sqliteHistory(location.path, { sealed: pii });
    if (sealed !== null) return { ...sealed, close: () => sealed.close().then(() => store.close()) };
  }
  return storeHistory(store, { close: () => store.close() });
}
