import type { Json } from '../event-store.port.js';
import type { JsonPath } from './json-paths.js';

export interface EventView {
  readonly type: string;
  readonly data: Json;
}

/** Whose personal data an event holds: a customer directly, or the customer of a ticket. */
export type PiiOwner = { readonly customerId: string } | { readonly ticketId: string };

/**
 * What the PII codec needs to know about the domain's events; the domain's declaration lives with the
 * streams (`@tickets/streams`, `pii-fields.ts`), so this package stays free of domain types.
 */
export interface PiiPolicy {
  /**
   * The paths in `data` that hold personal data for this event type; undefined: none. `data` is
   * given for types whose paths depend on it (the inbound log's extension attributes): the same
   * keys are there once sealed, so sealing and opening find the same paths.
   */
  pathsOf(type: string, data?: Json): readonly JsonPath[] | undefined;
  /** Whose data the event holds (asked only for events with paths); undefined: nobody's. */
  ownerOf(stream: string, event: EventView): PiiOwner | undefined;
  /** For an event that creates a ticket: the ticket and its customer (what ticket owners resolve to). */
  ticketOwnerOf(event: EventView): { readonly ticketId: string; readonly customerId: string } | undefined;
  /** The stream whose first event tells a ticket's customer. */
  ticketStream(ticketId: string): string;
  /** For the event that records an erasure: the customer erased (drops cached keys in every reader). */
  erasedCustomerOf(event: EventView): string | undefined;
  /** What an erased value reads as. */
  readonly erased: Json;
}
