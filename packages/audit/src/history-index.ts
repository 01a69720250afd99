import { TICKET_STREAM_PREFIX, toMillis, type Channel } from '@tickets/domain';
import type { ClosedRouting, ReachFacts, TicketFacts } from './what-if-reach.js';

// What a narrowed what-if needs from a store (what-if-reach.ts), as the direct readers' scans find
// it: tickets, timers, every inbound record's customer and time (and whether it names a configuration
// or was erased), the messages that reached a closed ticket, and the time of every recorded command.
// Each reader selects the same few values per row in its own SQL (sqlite-history-index.ts,
// postgres-history.ts); the one fold below turns them into facts, so both find the same reach.
//
// A scan of a million inbound records finds a million customers, times and positions: as arrays of
// JavaScript values they cost ~100 MB per scan thread, copied again to cross back to the main thread
// and once more when merged — the peak that set a what-if's memory. Numbers are therefore kept in
// typed arrays (moved across threads, not copied) and customers as indexes into one table of ids.

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

/**
 * What one scan of a range of positions found, in columns: plain data and typed arrays, so that it
 * crosses back from a worker thread (see `transferList`). `customer` columns index `customerIds`.
 */
export interface IndexPart {
  /** The distinct customers the part names, each once. */
  readonly customerIds: string[];
  /** Inbound records that name no configuration. */
  readonly unconfigured: number;
  /** Inbound records in position order: position, customer, event time (ms). */
  readonly inbound: { readonly positions: Float64Array; readonly customers: Uint32Array; readonly times: Float64Array };
  /** Tickets as their TicketCreated names them. */
  readonly tickets: {
    readonly ids: string[];
    readonly customers: Uint32Array;
    readonly channels: Channel[];
    readonly integrations: (string | null)[];
  };
  readonly closedRoutings: ClosedRouting[];
  readonly timerTickets: string[];
  readonly erasedCustomers: Uint32Array;
  /**
   * Rule decisions with commands in position order: position, ticket, and their commands' times (ms),
   * decision i's at `times[timesFrom[i]]` up to `times[timesFrom[i + 1]]`.
   */
  readonly decisions: {
    readonly positions: Float64Array;
    readonly tickets: string[];
    readonly timesFrom: Uint32Array;
    readonly times: Float64Array;
  };
}

/** The buffers of a part, to move rather than copy when it is posted to another thread. */
export const transferList = (part: IndexPart): ArrayBuffer[] =>
  [
    part.inbound.positions,
    part.inbound.customers,
    part.inbound.times,
    part.tickets.customers,
    part.erasedCustomers,
    part.decisions.positions,
    part.decisions.timesFrom,
    part.decisions.times,
  ].map((column) => column.buffer as ArrayBuffer);

/**
 * The history as its scans found it: the reach facts, and where each inbound record and command sits.
 * `customerIds` is one table for all parts; `decisions.customers` is the customer of the decision's
 * ticket, -1 when no TicketCreated names it.
 */
export interface HistoryIndex {
  readonly facts: ReachFacts;
  readonly customerIds: readonly string[];
  readonly inbound: { readonly positions: Float64Array; readonly customers: Uint32Array; readonly times: Float64Array };
  readonly decisions: {
    readonly positions: Float64Array;
    readonly customers: Int32Array;
    readonly timesFrom: Uint32Array;
    readonly times: Float64Array;
  };
}

/** The rows of one scan, in position order, as facts. */
export function foldIndexRows(rows: Iterable<IndexRow>): IndexPart {
  const customerIds: string[] = [];
  const customerIndex = new Map<string, number>();
  const customerOf = (id: string): number => {
    let index = customerIndex.get(id);
    if (index === undefined) customerIndex.set(id, (index = customerIds.push(id) - 1));
    return index;
  };
  let unconfigured = 0;
  const inbound = { positions: [] as number[], customers: [] as number[], times: [] as number[] };
  const tickets = {
    ids: [] as string[],
    customers: [] as number[],
    channels: [] as Channel[],
    integrations: [] as (string | null)[],
  };
  const closedRoutings: ClosedRouting[] = [];
  const timerTickets = new Set<string>();
  const erasedCustomers = new Set<number>();
  const decisions = { positions: [] as number[], tickets: [] as string[], timesFrom: [0], times: [] as number[] };
  for (const [position, kind, a, b, c, d] of rows) {
    switch (kind) {
      case Kind.Inbound: {
        const customer = customerOf((a ?? '').trim());
        inbound.positions.push(position);
        inbound.customers.push(customer);
        inbound.times.push(toMillis(b!));
        // A number from SQLite, its text from PostgreSQL (a CASE has one type).
        const flags = Number(c);
        if ((flags & 1) !== 0) unconfigured++;
        if ((flags & 2) !== 0) erasedCustomers.add(customer);
        break;
      }
      case Kind.TicketCreated:
        tickets.ids.push(d!.slice(TICKET_STREAM_PREFIX.length));
        tickets.customers.push(customerOf(a!));
        tickets.channels.push(b as Channel);
        tickets.integrations.push(c as string | null);
        break;
      case Kind.TimerSet:
        timerTickets.add(a!.slice(TICKET_STREAM_PREFIX.length));
        break;
      case Kind.MessageReceived:
        if (a === 'reopen' || a === 'follow_up')
          closedRoutings.push({ kind: a, closedTicketId: b!, at: c as string, closedAt: d! });
        break;
      case Kind.Decision: {
        const times = JSON.parse(b ?? '[]') as string[];
        if (times.length === 0) break;
        decisions.positions.push(position);
        decisions.tickets.push(a!.slice(TICKET_STREAM_PREFIX.length));
        for (const time of times) decisions.times.push(toMillis(time));
        decisions.timesFrom.push(decisions.times.length);
        break;
      }
    }
  }
  return {
    customerIds,
    unconfigured,
    inbound: {
      positions: Float64Array.from(inbound.positions),
      customers: Uint32Array.from(inbound.customers),
      times: Float64Array.from(inbound.times),
    },
    tickets: { ...tickets, customers: Uint32Array.from(tickets.customers) },
    closedRoutings,
    timerTickets: [...timerTickets],
    erasedCustomers: Uint32Array.from(erasedCustomers),
    decisions: {
      positions: Float64Array.from(decisions.positions),
      tickets: decisions.tickets,
      timesFrom: Uint32Array.from(decisions.timesFrom),
      times: Float64Array.from(decisions.times),
    },
  };
}

/** The parts of consecutive ranges, in order, as one index. */
export function mergeIndex(parts: readonly IndexPart[], configurations: ReachFacts['configurations']): HistoryIndex {
  // One table of customers; each part's indexes mapped into it.
  const customerIds: string[] = [];
  const customerIndex = new Map<string, number>();
  const toGlobal = parts.map((part) =>
    Uint32Array.from(part.customerIds, (id) => {
      let index = customerIndex.get(id);
      if (index === undefined) customerIndex.set(id, (index = customerIds.push(id) - 1));
      return index;
    }),
  );

  const tickets = new Map<string, TicketFacts>();
  const ticketCustomer = new Map<string, number>();
  const erasedCustomers = new Set<string>();
  parts.forEach((part, p) => {
    const global = toGlobal[p]!;
    part.tickets.ids.forEach((ticketId, i) => {
      const customer = global[part.tickets.customers[i]!]!;
      ticketCustomer.set(ticketId, customer);
      tickets.set(ticketId, {
        customerId: customerIds[customer]!,
        channel: part.tickets.channels[i]!,
        integration: part.tickets.integrations[i]!,
      });
    });
    for (const customer of part.erasedCustomers) erasedCustomers.add(customerIds[global[customer]!]!);
  });

  const inboundCount = parts.reduce((sum, part) => sum + part.inbound.positions.length, 0);
  const inbound = {
    positions: new Float64Array(inboundCount),
    customers: new Uint32Array(inboundCount),
    times: new Float64Array(inboundCount),
  };
  const decisionCount = parts.reduce((sum, part) => sum + part.decisions.positions.length, 0);
  const timeCount = parts.reduce((sum, part) => sum + part.decisions.times.length, 0);
  const decisions = {
    positions: new Float64Array(decisionCount),
    customers: new Int32Array(decisionCount),
    timesFrom: new Uint32Array(decisionCount + 1),
    times: new Float64Array(timeCount),
  };
  let at = 0;
  let decisionAt = 0;
  let timeAt = 0;
  parts.forEach((part, p) => {
    const global = toGlobal[p]!;
    inbound.positions.set(part.inbound.positions, at);
    inbound.times.set(part.inbound.times, at);
    part.inbound.customers.forEach((customer, i) => (inbound.customers[at + i] = global[customer]!));
    at += part.inbound.positions.length;

    decisions.positions.set(part.decisions.positions, decisionAt);
    decisions.times.set(part.decisions.times, timeAt);
    part.decisions.tickets.forEach((ticketId, i) => {
      // A ticket without a recorded TicketCreated: -1, compared whoever it belongs to.
      decisions.customers[decisionAt + i] = ticketCustomer.get(ticketId) ?? -1;
      decisions.timesFrom[decisionAt + i + 1] = timeAt + part.decisions.timesFrom[i + 1]!;
    });
    decisionAt += part.decisions.positions.length;
    timeAt += part.decisions.times.length;
  });

  return {
    facts: {
      configurations,
      unconfigured: parts.reduce((sum, part) => sum + part.unconfigured, 0),
      tickets,
      closedRoutings: parts.flatMap((part) => part.closedRoutings),
      timerTickets: new Set(parts.flatMap((part) => part.timerTickets)),
      erasedCustomers,
    },
    customerIds,
    inbound,
    decisions,
  };
}
