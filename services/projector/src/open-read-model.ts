import type { StoreLocation } from '@tickets/event-store';
import { createSqliteTicketReadModel } from './sqlite-ticket-read-model.js';
import type { TicketReadModel } from './ticket-read-model.port.js';

/** The read model that lives next to the events: the same SQLite file for the embedded store. */
export function openTicketReadModel(location: StoreLocation): TicketReadModel {
  if (location.kind === 'sqlite') return createSqliteTicketReadModel({ path: location.path });
  throw new Error(`no ticket read model for a ${location.kind} store in this release`);
}
