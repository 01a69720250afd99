import {
  CUSTOMER_STREAM_PREFIX,
  customerStream,
  evolve,
  evolveCustomer,
  initialCustomerState,
  ticketStream,
  type CustomerEvent,
  type CustomerState,
  type TicketEvent,
  type TicketState,
} from '@tickets/domain';
import type { EventStore, RecordedEvent } from '@tickets/event-store';

/** A stream's folded state and the revision of its last event (-1: the stream does not exist). */
export interface Loaded<S> {
  readonly stream: string;
  readonly revision: number;
  readonly state: S;
}

// Events in the store were validated before they were appended: they are trusted on the way out,
// which keeps reads at the store's speed instead of re-running zod on every event.
export const asTicketEvent = (recorded: RecordedEvent): TicketEvent => recorded as unknown as TicketEvent;
export const asCustomerEvent = (recorded: RecordedEvent): CustomerEvent => recorded as unknown as CustomerEvent;

export const customerIdOf = (stream: string): string => stream.slice(CUSTOMER_STREAM_PREFIX.length);

export function foldTicketRecords(records: readonly RecordedEvent[], from: TicketState | null = null): TicketState | null {
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
 * Folded ticket and customer streams, cached. A cached entry is trusted as it is: whoever decides
 * on it appends with its revision as the expected version (or a guard append with no events), so a
 * stale entry shows up as a ConcurrencyError, and the writer then `invalidate`s it and decides again.
 * That keeps the hot path at zero reads for streams this process already knows.
 */
export class StreamStateCache {
  private readonly tickets = new Map<string, Loaded<TicketState | null>>();
  private readonly customers = new Map<string, Loaded<CustomerState>>();

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

  async customer(customerId: string): Promise<Loaded<CustomerState>> {
    const stream = customerStream(customerId);
    const cached = this.customers.get(stream);
    if (cached !== undefined) return cached;
    const records = await this.store.readStream(stream);
    const loaded = { stream, revision: records.length - 1, state: foldCustomerRecords(records, initialCustomerState(customerId)) };
    this.remember(this.customers, stream, loaded);
    return loaded;
  }

  /** After our own successful append: the new state, without reading it back. */
  setTicket(loaded: Loaded<TicketState | null>): void {
    this.remember(this.tickets, loaded.stream, loaded);
  }

  setCustomer(loaded: Loaded<CustomerState>): void {
    this.remember(this.customers, loaded.stream, loaded);
  }

  /** Forgets one stream (after a ConcurrencyError on it): the next use reads it again. */
  invalidate(stream: string): void {
    this.tickets.delete(stream);
    this.customers.delete(stream);
  }

  clear(): void {
    this.tickets.clear();
    this.customers.clear();
  }

  private remember<S>(map: Map<string, Loaded<S>>, stream: string, loaded: Loaded<S>): void {
    // Map keeps insertion order: delete + set moves the entry to the young end (LRU).
    map.delete(stream);
    map.set(stream, loaded);
    if (map.size > this.maxEntries) {
      const oldest = map.keys().next();
      if (!oldest.done) map.delete(oldest.value);
    }
  }
}
