import { parseStoreUrl, type StoreLocation } from '@tickets/event-store';
import { createSqliteTicketReadModel } from './sqlite-ticket-read-model.js';
import type { TicketReadModel } from './ticket-read-model.port.js';

/** Where the read model of an EventStoreDB store goes when `--read-model` does not say. */
export const DEFAULT_READ_MODEL_URL = 'sqlite:./data/read-model.db';

/**
 * The ticket read model: `readModelUrl` (`--read-model`, `TICKETS_READ_MODEL`) when given, else next
 * to the events — the same SQLite file, or the same PostgreSQL database (schema `tickets`). EventStoreDB holds events
 * only, so its read model defaults to a local SQLite file.
 */
export async function openTicketReadModel(store: StoreLocation, readModelUrl?: string): Promise<TicketReadModel> {
  const location =
    readModelUrl === undefined
      ? store.kind === 'eventstoredb'
        ? parseStoreUrl(DEFAULT_READ_MODEL_URL)
        : store
      : parseStoreUrl(readModelUrl);
  switch (location.kind) {
    case 'sqlite':
      return createSqliteTicketReadModel({ path: location.path });
    case 'postgres': {
      // Imported on demand, so that the SQLite path never loads the PostgreSQL client.
      const { createPostgresTicketReadModel } = await import('./postgres-ticket-read-model.js');
      return createPostgresTicketReadModel(
        location.schema === undefined ? { url: location.url } : { url: location.url, schema: location.schema },
      );
    }
    case 'eventstoredb':
      throw new Error('--read-model: an eventstoredb read model is not available; use sqlite:PATH or postgres://…');
  }
}
