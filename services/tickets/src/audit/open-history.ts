import { openStore, parseStoreUrl } from '@tickets/event-store';
import type { RecordedHistory } from './recorded-history.js';
import { sqliteHistory } from './sqlite-history.js';
import { storeHistory } from './store-history.js';

/** The recorded history of a store: straight from the file for SQLite, through the port otherwise. */
export async function openHistory(storeUrl: string): Promise<RecordedHistory> {
  const location = parseStoreUrl(storeUrl);
  if (location.kind === 'sqlite') {
    const fast = sqliteHistory(location.path);
    if (fast !== null) return fast;
  }
  const { store, checkpoints } = await openStore(location);
  await checkpoints.close();
  return storeHistory(store, { close: () => store.close() });
}
