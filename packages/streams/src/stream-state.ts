import {
  CUSTOMER_STREAM_PREFIX,
  customerStream,
  emptyCustomerHistory,
  evolve,
  evolveCustomer,
  extendCustomerHistory,
  ticketStream,
  type CustomerHistory,
  type CustomerState,
  type TicketState,
} from '@tickets/domain';
import type { EventStore, RecordedEvent } from '@tickets/event-store';
import { rememberRecent } from '@tickets/platform';
import { asCustomerEvent, asTicketEvent } from './trusted-events.js';

/** A stream's folded state and the revision of its last event (-1: the stream does not exist). */
export interface Loaded<S> {
  readonly stream: string;
  readonly revision: number;
  readonly state: S;
}

export { asCustomerEvent, asTicketEvent } from './trusted-events.js';

export const customerIdOf = (stream: string): string => stream.slice(CUSTOMER_STREAM_PREFIX.length);

export function foldTicketRecords(
  records: readonly RecordedEvent[],
  from: TicketState | null = null,
): TicketState | null {
  let state = from;
  for (const record of records) state = evolve(state, asTicketEvent(record));
  return state;
}

export function foldCustomerRecords(records: readonly RecordedEvent[], from: CustomerState): CustomerState {
  let state = from;
  for (const record of records) state = evolveCustomer(state, asCustomerEvent(record));
  return state;
}

/**
 * Folded ticket and customer streams, cached, trusted until an append says otherwise. The ingest is
 * the only writer of ticket streams and, erasures aside, of customer streams; whoever decides on an
 * entry appends with its revision as the expected version (to every stream the decision read, with
 * no events where it writes none, a rejection included), so a write by anyone else — another ingest instance, an erasure —
 * shows up as a ConcurrencyError on commit: the writer `invalidate`s that stream and decides again on
 * what the store holds. Checking each stream's head before every decision would cost a query per
 * stream per event for the rare case the commit catches anyway.
 */
export class StreamStateCache {
  private readonly tickets = new Map<string, Loaded<TicketState | null>>();
  private readonly customers = new Map<string, Loaded<CustomerHistory>>();

  constructor(
    private readonly store: EventStore,
    private readonly maxEntries = 50_000,
  ) {}

  async ticket(ticketId: string): Promise<Loaded<TicketState | null>> {
    const stream = ticketStream(ticketId);
    const cached = this.tickets.get(stream);
    if (cached !== undefined) return cached;
    const records = await this.store.readStream(stream);
    const loaded = { stream, revision: records.length - 1, state: foldTicketRecords(records) };
    this.remember(this.tickets, stream, loaded);
    return loaded;
  }

  /** The customer's history: rules read the customer as of an event time, so the events are kept too. */
  async customer(customerId: string): Promise<Loaded<CustomerHistory>> {
    const stream = customerStream(customerId);
    const cached = this.customers.get(stream);
    if (cached !== undefined) return cached;
    const records = await this.store.readStream(stream);
    // The customer's tickets cached here still hold their personal data in clear: read them afresh.
    if (records.some((record) => record.type === 'CustomerErased')) this.dropTicketsOf(customerId);
    const loaded = {
      stream,
      revision: records.length - 1,
      state: extendCustomerHistory(emptyCustomerHistory(customerId), records.map(asCustomerEvent)),
    };
    this.remember(this.customers, stream, loaded);
    return loaded;
  }

  /** The ticket as cached, without reading or touching its place in the cache. */
  peekTicket(ticketId: string): Loaded<TicketState | null> | undefined {
    return this.tickets.get(ticketStream(ticketId));
  }

  /**
   * The customer as cached, without reading or touching its place in the cache: for a reader that
   * checks the revision against the store's head before it trusts the state (the integration scope).
   */
  peekCustomer(customerId: string): Loaded<CustomerHistory> | undefined {
    return this.customers.get(customerStream(customerId));
  }

  /** After our own successful append: the new state, without reading it back. */
  setTicket(loaded: Loaded<TicketState | null>): void {
    this.remember(this.tickets, loaded.stream, loaded);
  }

  setCustomer(loaded: Loaded<CustomerHistory>): void {
    this.remember(this.customers, loaded.stream, loaded);
  }

  /** Forgets one stream (after a ConcurrencyError on it): the next use reads it again. */
  invalidate(stream: string): void {
    this.tickets.delete(stream);
    this.customers.delete(stream);
  }

  private dropTicketsOf(customerId: string): void {
    for (const [stream, loaded] of this.tickets)
      if (loaded.state?.customer.id === customerId) this.tickets.delete(stream);
  }

  clear(): void {
    this.tickets.clear();
    this.customers.clear();
  }

  private remember<S>(map: Map<string, Loaded<S>>, stream: string, loaded: Loaded<S>): void {
    rememberRecent(map, stream, loaded, this.maxEntries);
  }
}
