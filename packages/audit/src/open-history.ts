import { parseStoreUrl } from '@tickets/event-store';
import type { RecordedHistory } from './recorded-history.js';
import { sqliteHistory } from './sqlite-history.js';
import { storeHistory } from './store-history.js';
import { openDomainStore, type PiiSettings } from '@tickets/streams';

/**
 * The recorded history of a store: straight from the file for SQLite, from the events table for
 * PostgreSQL, through the port otherwise. `settings`: the configuration's personal-data settings.
 */
export async function openHistory(storeUrl: string, settings: PiiSettings): Promise<RecordedHistory> {
  const location = parseStoreUrl(storeUrl);
  // The direct file reader sees sealed personal data: with encryption on, the rows it hands on go
  // through the codec (keys in the same file), or every event goes through the port.
  if (location.kind === 'sqlite' && !settings.encryption) {
    const fast = sqliteHistory(location.path);
    if (fast !== null) return fast;
  }
  // A reader: the file is left as found (no reach indexes made).
  const { store, checkpoints, pii } = await openDomainStore(location, settings, { reachIndexes: false });
  await checkpoints.close();
  // Keys kept elsewhere than the events (`TICKETS_KEY_STORE`): an erased record cannot be told from
  // the events' own table, so the history goes through the port.
  const sameKeys = pii === undefined || settings.keyStore === undefined;
  const withStore = (direct: RecordedHistory): RecordedHistory => ({
    ...direct,
    close: () => direct.close().then(() => store.close()),
  });
  if (location.kind === 'sqlite' && pii !== undefined && sameKeys) {
    const sealed = sqliteHistory(location.path, { sealed: pii, pii: settings });
    if (sealed !== null) return withStore(sealed);
  }
  if (location.kind === 'postgres' && sameKeys) {
    // The port gives the settled head: the direct reader reads nothing a running transaction can still add to.
    // Loaded here: the PostgreSQL client is not needed for other stores.
    const { postgresHistory } = await import('./postgres-history.js');
    const direct = await postgresHistory({
      url: location.url,
      schema: location.schema,
      head: await store.headPosition(),
      sealed: pii,
    });
    if (direct !== null) return withStore(direct);
  }
  return storeHistory(store, { close: () => store.close() });
}
