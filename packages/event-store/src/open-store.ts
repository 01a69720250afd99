import type { CheckpointStore } from './checkpoint-store.port.js';
import type { EventStore } from './event-store.port.js';
import type { StoreLocation } from './store-location.js';

export interface OpenedStore {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore & { close(): Promise<void> };
}

/**
 * Opens the adapter for a location. Adapters are imported on demand, so a service loads only the
 * vendor client it uses.
 */
export async function openStore(location: StoreLocation): Promise<OpenedStore> {
  switch (location.kind) {
    case 'sqlite': {
      const { createSqliteEventStore, createSqliteCheckpointStore } = await import('./sqlite/index.js');
      return {
        store: createSqliteEventStore({ path: location.path }),
        checkpoints: createSqliteCheckpointStore({ path: location.path }),
      };
    }
    case 'eventstoredb': {
      // Checkpoints live in the same server: the subscribers then need no local disk.
      const { createEsdbEventStore, createEsdbCheckpointStore } = await import('./esdb/index.js');
      return {
        store: createEsdbEventStore({ connectionString: location.url }),
        checkpoints: createEsdbCheckpointStore({ connectionString: location.url }),
      };
    }
    case 'postgres': {
      // Checkpoints in the same database and schema as the events.
      const { createPostgresEventStore, createPostgresCheckpointStore } = await import('./postgres/index.js');
      const options =
        location.schema === undefined ? { url: location.url } : { url: location.url, schema: location.schema };
      const store = await createPostgresEventStore(options);
      try {
        return { store, checkpoints: await createPostgresCheckpointStore(options) };
      } catch (error) {
        await store.close();
        throw error;
      }
    }
  }
}
