import { parseStoreUrl } from '@tickets/event-store';
import type { RecordedHistory } from './recorded-history.js';
import { sqliteHistory } from './sqlite-history.js';
import { storeHistory } from './store-history.js';
import { openDomainStore, type PiiSettings } from '@tickets/streams';

/**
 * The recorded history of a store: straight from the file for SQLite, through the port otherwise.
 * `settings`: the configuration's personal-data settings; `threads`: how many threads may read at once.
 */
export async function openHistory(
  storeUrl: string,
  settings: PiiSettings,
  options: { threads?: number | undefined } = {},
): Promise<RecordedHistory> {
  const location = parseStoreUrl(storeUrl);
  // The direct file reader sees sealed personal data: with encryption on, events go through the codec.
  if (location.kind === 'sqlite' && !settings.encryption) {
    const fast = sqliteHistory(location.path, options.threads === undefined ? {} : { threads: options.threads });
    if (fast !== null) return fast;
  }
  const { store, checkpoints } = await openDomainStore(location, settings);
  await checkpoints.close();
  return storeHistory(store, { close: () => store.close() });
}
