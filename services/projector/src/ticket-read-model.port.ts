import type { TicketState } from '@tickets/domain';

/** Where the projector keeps ticket states; rows and checkpoint change together or not at all. */
export interface TicketReadModel {
  /** Global position of the last event folded in (0: nothing yet). */
  checkpoint(): Promise<number>;
  /**
   * Writes the changed rows and moves the checkpoint, atomically. With `expected`, only if the stored
   * checkpoint is still `expected` (the one this writer loaded or last committed); else nothing is
   * written and a ConcurrencyError says another projector moved it. That fences a writer that lost
   * its lease without noticing (docs/scaling.md): its older rows never overwrite the new holder's.
   */
  commit(rows: readonly TicketState[], checkpoint: number, expected?: number): Promise<void>;
  get(ticketId: string): Promise<TicketState | null>;
  /** The rows of those of `ticketIds` that have one, by id, in no particular order. */
  getMany(ticketIds: readonly string[]): Promise<Map<string, TicketState>>;
  /** The customer's tickets, oldest first. */
  byCustomer(customerId: string): Promise<TicketState[]>;
  /** Every ticket, oldest first (createdAt, then id): for exports and simulate. */
  all(): Promise<TicketState[]>;
  /** Every ticket's id, in the order of `all()`: what a check of every row needs without holding every row. */
  ticketIds(): Promise<string[]>;
  /**
   * The due-time index the timer scheduler reads: customers with a ticket whose next timer is due at
   * or before `until`, earliest first, at most `limit` (kept by `commit` from each row's `timers`).
   */
  dueCustomers(until: string, limit: number): Promise<string[]>;
  /** Drops every row and the checkpoint: the next catch-up rebuilds from the first event. */
  reset(): Promise<void>;
  /**
   * Makes rows overwritten since (an erased customer's) unrecoverable from the storage files: SQLite
   * zeroes freed space as it goes (`secure_delete`) and here moves its WAL into the file and truncates it.
   */
  scrub(): Promise<void>;
  close(): Promise<void>;
}
