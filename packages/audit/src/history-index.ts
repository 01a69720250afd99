import { TICKET_STREAM_PREFIX, toMillis, type Channel } from '@tickets/domain';
import type { ClosedRouting, ReachFacts, TicketFacts } from './what-if-reach.js';

// What a narrowed what-if needs from a store (what-if-reach.ts), as the direct readers' scans find
// it: tickets, timers, every inbound record's customer and time (and whether it names a configuration
// or was erased), the messages that reached a closed ticket, and the time of every recorded command.
// Each reader selects the same few values per row in its own SQL (sqlite-history-index.ts,
// postgres-history.ts); the one fold below turns them into facts, so both find the same reach.

/** Row kinds, as small numbers: a string per row would cost more than the row. */
export const Kind = { Inbound: 0, TicketCreated: 1, TimerSet: 2, MessageReceived: 3, Decision: 4 } as const;
export type Kind = (typeof Kind)[keyof typeof Kind];

/**
 * One row of a reach scan: up to four values, by kind.
 * - Inbound: customer (the CloudEvent subject), event time, flags (1: names no configuration, 2: erased;
 *   a number or its text).
 * - TicketCreated: customer, channel, integration, ticket stream.
 * - TimerSet: ticket stream.
 * - MessageReceived: routing kind, the closed ticket (previous ticket or the ticket), event time, close time.
 * - Decision (a rule decision with commands): ticket stream, its commands' times as a JSON array.
 */
export type IndexRow = readonly [
  position: number,
  kind: Kind,
  a: string | null,
  b: string | null,
  c: string | number | null,
  d: string | null,
];

/** What one scan of a range of positions found: plain data, so that it crosses back from a worker thread. */
export interface IndexPart {
  readonly facts: Omit<ReachFacts, 'configurations'>;
  /** Inbound records in position order: position, customer, event time (ms). */
  readonly inbound: { readonly positions: number[]; readonly customers: string[]; readonly times: number[] };
  /** Rule decisions with commands in position order: position, ticket, and each command's time (ms). */
  readonly decisions: { readonly positions: number[]; readonly tickets: string[]; readonly times: number[][] };
}

/** The history as its scans found it: the reach facts, and where each inbound record and command sits. */
export interface HistoryIndex extends IndexPart {
  readonly facts: ReachFacts;
}

/** The rows of one scan, in position order, as facts. */
export function foldIndexRows(rows: Iterable<IndexRow>): IndexPart {
  const tickets = new Map<string, TicketFacts>();
  const closedRoutings: ClosedRouting[] = [];
  const timerTickets = new Set<string>();
  const erasedCustomers = new Set<string>();
  let unconfigured = 0;
  const inbound = { positions: [] as number[], customers: [] as string[], times: [] as number[] };
  const decisions = { positions: [] as number[], tickets: [] as string[], times: [] as number[][] };
  // One string per customer, however many records name it.
  const customerIds = new Map<string, string>();
  for (const [position, kind, a, b, c, d] of rows) {
    switch (kind) {
      case Kind.Inbound: {
        const trimmed = (a ?? '').trim();
        let customerId = customerIds.get(trimmed);
        if (customerId === undefined) customerIds.set(trimmed, (customerId = trimmed));
        inbound.positions.push(position);
        inbound.customers.push(customerId);
        inbound.times.push(toMillis(b!));
        // A number from SQLite, its text from PostgreSQL (a CASE has one type).
        const flags = Number(c);
        if ((flags & 1) !== 0) unconfigured++;
        if ((flags & 2) !== 0) erasedCustomers.add(customerId);
        break;
      }
      case Kind.TicketCreated:
        tickets.set(d!.slice(TICKET_STREAM_PREFIX.length), {
          customerId: a!,
          channel: b as Channel,
          integration: c as string | null,
        });
        break;
      case Kind.TimerSet:
        timerTickets.add(a!.slice(TICKET_STREAM_PREFIX.length));
        break;
      case Kind.MessageReceived:
        if (a === 'reopen' || a === 'follow_up')
          closedRoutings.push({ kind: a, closedTicketId: b!, at: c as string, closedAt: d! });
        break;
      case Kind.Decision: {
        const times = (JSON.parse(b ?? '[]') as string[]).map(toMillis);
        if (times.length === 0) break;
        decisions.positions.push(position);
        decisions.tickets.push(a!.slice(TICKET_STREAM_PREFIX.length));
        decisions.times.push(times);
        break;
      }
    }
  }
  return { facts: { unconfigured, tickets, closedRoutings, timerTickets, erasedCustomers }, inbound, decisions };
}

/** The parts of consecutive ranges, in order, as one index. */
export function mergeIndex(parts: readonly IndexPart[], configurations: ReachFacts['configurations']): HistoryIndex {
  if (parts.length === 1) return { ...parts[0]!, facts: { ...parts[0]!.facts, configurations } };
  const facts = {
    configurations,
    unconfigured: parts.reduce((sum, p) => sum + p.facts.unconfigured, 0),
    tickets: new Map(parts.flatMap((p) => [...p.facts.tickets])),
    closedRoutings: parts.flatMap((p) => p.facts.closedRoutings),
    timerTickets: new Set(parts.flatMap((p) => [...p.facts.timerTickets])),
    erasedCustomers: new Set(parts.flatMap((p) => [...p.facts.erasedCustomers])),
  };
  const concat = <T>(pick: (p: IndexPart) => T[]): T[] => ([] as T[]).concat(...parts.map(pick));
  return {
    facts,
    inbound: {
      positions: concat((p) => p.inbound.positions),
      customers: concat((p) => p.inbound.customers),
      times: concat((p) => p.inbound.times),
    },
    decisions: {
      positions: concat((p) => p.decisions.positions),
      tickets: concat((p) => p.decisions.tickets),
      times: concat((p) => p.decisions.times),
    },
  };
}
