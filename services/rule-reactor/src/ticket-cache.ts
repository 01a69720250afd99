import { evolve, type TicketState } from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { asTicketEvent } from '@tickets/streams';

/** A ticket folded from its first event through `version` (-1 and null: nothing folded yet). */
export interface FoldedPrefix {
  readonly version: number;
  readonly state: TicketState | null;
}

/** The whole stream folded, and the triggers it holds a decision for. */
export interface TicketHead extends FoldedPrefix {
  readonly decided: ReadonlySet<string>;
}

export const EMPTY_PREFIX: FoldedPrefix = { version: -1, state: null };
export const EMPTY_HEAD: TicketHead = { version: -1, state: null, decided: new Set() };

/** The head after `records`, the events that follow it in the stream. */
export function foldHead(head: TicketHead, records: readonly RecordedEvent[]): TicketHead {
  let state = head.state;
  let decided: Set<string> | null = null;
  for (const record of records) {
    const event = asTicketEvent(record);
    state = evolve(state, event);
    if (event.type === 'RulesEvaluated') (decided ??= new Set(head.decided)).add(event.data.trigger.eventId);
  }
  return { version: head.version + records.length, state, decided: decided ?? head.decided };
}

export interface CachedTicket {
  /** The ticket just before the group of events of the last trigger decided on it. */
  readonly prefix: FoldedPrefix;
  readonly head: TicketHead;
}

/**
 * What the reactor keeps of each ticket between triggers instead of its records: rule decisions make
 * ticket streams long, and reading and decoding a whole stream per trigger dominated its time. The
 * next trigger of a ticket is in the group of the last one or a later group, so it needs only the
 * events from the prefix on up to its group (previous state, group), plus the head (rule firings
 * recorded since, whether it was decided), which is brought up to date with the events appended
 * since. Only committed events are ever folded in here, and those never change: an entry stays true
 * whatever happens to a batch. Bounded (LRU).
 */
export class TicketCache {
  private readonly tickets = new Map<string, CachedTicket>();

  constructor(private readonly maxEntries = 10_000) {}

  get(stream: string): CachedTicket {
    return this.tickets.get(stream) ?? { prefix: EMPTY_PREFIX, head: EMPTY_HEAD };
  }

  setHead(stream: string, head: TicketHead): void {
    this.remember(stream, { prefix: this.get(stream).prefix, head });
  }

  setPrefix(stream: string, prefix: FoldedPrefix): void {
    this.remember(stream, { prefix, head: this.get(stream).head });
  }

  /** Forgets a customer's tickets (after their erasure: what is kept here was decrypted before it). */
  forgetCustomer(customerId: string): void {
    for (const [stream, entry] of this.tickets) {
      if (entry.head.state?.customer.id === customerId || entry.prefix.state?.customer.id === customerId) this.tickets.delete(stream);
    }
  }

  /** The ticket's customer, when the ticket is cached. */
  customerOf(stream: string): string | undefined {
    return this.tickets.get(stream)?.head.state?.customer.id;
  }

  private remember(stream: string, entry: CachedTicket): void {
    // Map keeps insertion order: delete + set makes the entry the youngest.
    this.tickets.delete(stream);
    this.tickets.set(stream, entry);
    if (this.tickets.size > this.maxEntries) {
      const oldest = this.tickets.keys().next();
      if (!oldest.done) this.tickets.delete(oldest.value);
    }
  }
}
