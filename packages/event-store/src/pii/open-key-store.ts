import { EventStoreError } from '../errors.js';
import type { StoreLocation } from '../store-location.js';
import type { KeyStore } from './key-store.port.js';

/**
 * The key store for a store location: a table of the same SQLite file or PostgreSQL schema.
 * EventStoreDB has no place for it (events there are immutable and replicated, tables do not exist):
 * a separate SQLite file or PostgreSQL database must be named (`TICKETS_KEY_STORE`).
 */
export async function openKeyStore(location: StoreLocation): Promise<KeyStore> {
  switch (location.kind) {
    case 'sqlite': {
      const { createSqliteKeyStore } = await import('./sqlite-key-store.js');
      return createSqliteKeyStore({ path: location.path });
    }
    case 'postgres': {
      const { createPostgresKeyStore } = await import('./postgres-key-store.js');
      return createPostgresKeyStore(
        location.schema === undefined ? { url: location.url } : { url: location.url, schema: location.schema },
      );
    }
    case 'eventstoredb':
      throw new EventStoreError(
        'EVENT_STORE.INVALID_ARGUMENT',
        'key store: EventStoreDB cannot hold the personal-data keys; set TICKETS_KEY_STORE to sqlite:PATH or postgres://…',
        false,
      );
  }
}
