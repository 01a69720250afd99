import { DatabaseSync } from 'node:sqlite';
import { TICKET_STREAM_PREFIX, toMillis, type Channel } from '@tickets/domain';
import type { ClosedRouting, ReachFacts, TicketFacts } from './what-if-reach.js';

// What a narrowed what-if needs from a SQLite file (what-if-reach.ts): one scan that hands JavaScript
// a few short values per row, and only for the rows that matter: tickets, timers, every inbound record's customer and time (and
// whether it names a configuration or was erased), the messages that reached a closed ticket (the
// routing kind found as bytes first: stored JSON has no spaces, a quote inside a string is escaped)
// and the time of every recorded command. Then only the rows of the customers in reach are read again,
// by position. Consecutive ranges of positions can be scanned by several threads at once.
export const INBOUND = `type = 'InboundAccepted'`;
export const SUBJECT = `data ->> '$.event.subject'`;
// The reactor writes `commands` last: a decision that emitted nothing ends with an empty list,
// compared as bytes, which skips UTF-8 decoding. Anything else that slips through is checked after parsing.
export const WITH_COMMANDS = `type = 'RulesEvaluated' AND substr(CAST(data AS BLOB), -14) <> CAST('"commands":[]}' AS BLOB)`;
// An erased record: in a clear store its data says so; in a sealed one (personal data encrypted, the
// keys in the same file's `pii_keys`) the key its envelope names is gone.
const erased = (sealed: boolean): string =>
  sealed
    ? `(metadata ->> '$.pii.k' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pii_keys WHERE key_id = metadata ->> '$.pii.k'))`
    : `instr(data, '"data":"[erased]"') > 0`;
/** Row kinds, as small numbers: a string per row would cost more than the row. */
const enum Kind {
  Inbound = 0,
  TicketCreated = 1,
  TimerSet = 2,
  MessageReceived = 3,
  Decision = 4,
}
// Up to four values per row, by kind; a JSON document read several times in a row is parsed once.
const selectIndex = (sealed: boolean): string => `
  SELECT position,
         CASE type WHEN 'InboundAccepted' THEN ${Kind.Inbound} WHEN 'TicketCreated' THEN ${Kind.TicketCreated}
           WHEN 'TimerSet' THEN ${Kind.TimerSet} WHEN 'MessageReceived' THEN ${Kind.MessageReceived} ELSE ${Kind.Decision} END,
         CASE type
           WHEN 'InboundAccepted' THEN ${SUBJECT}
           WHEN 'TicketCreated' THEN data ->> '$.customer.id'
           WHEN 'MessageReceived' THEN data ->> '$.routing.kind'
           ELSE stream
         END,
         CASE type
           WHEN 'InboundAccepted' THEN data ->> '$.event.time'
           WHEN 'TicketCreated' THEN data ->> '$.channel'
           WHEN 'MessageReceived' THEN coalesce(data ->> '$.routing.previousTicketId', data ->> '$.ticketId')
           WHEN 'RulesEvaluated' THEN (SELECT json_group_array(value ->> '$.time') FROM json_each(data, '$.commands'))
         END,
         CASE type
           WHEN 'InboundAccepted' THEN (instr(metadata, '"config"') = 0) + 2 * (${erased(sealed)})
           WHEN 'TicketCreated' THEN data ->> '$.integration'
           WHEN 'MessageReceived' THEN data ->> '$.at'
         END,
         CASE type WHEN 'MessageReceived' THEN data ->> '$.routing.closedAt' WHEN 'TicketCreated' THEN stream END
  FROM events
  WHERE position > ? AND position <= ?
    AND (${INBOUND} OR type IN ('TicketCreated', 'TimerSet') OR (${WITH_COMMANDS})
         OR (type = 'MessageReceived' AND (instr(data, '"kind":"reopen"') > 0 OR instr(data, '"kind":"follow_up"') > 0)))
  ORDER BY position`;
type IndexRow = [
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

/** The index of the rows in (after, upTo], read on a connection of its own; `sealed`: personal data encrypted. */
export function readIndexPart(path: string, after: number, upTo: number, sealed: boolean): IndexPart {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return readRows(db, after, upTo, sealed);
  } finally {
    db.close();
  }
}

function readRows(db: DatabaseSync, after: number, upTo: number, sealed: boolean): IndexPart {
  const select = db.prepare(selectIndex(sealed));
  select.setReturnArrays(true);
  const tickets = new Map<string, TicketFacts>();
  const closedRoutings: ClosedRouting[] = [];
  const timerTickets = new Set<string>();
  const erasedCustomers = new Set<string>();
  let unconfigured = 0;
  const inbound = { positions: [] as number[], customers: [] as string[], times: [] as number[] };
  const decisions = { positions: [] as number[], tickets: [] as string[], times: [] as number[][] };
  // One string per customer, however many records name it.
  const customerIds = new Map<string, string>();
  for (const row of select.iterate(after, upTo)) {
    const [position, kind, a, b, c, d] = row as unknown as IndexRow;
    switch (kind) {
      case Kind.Inbound: {
        const trimmed = (a ?? '').trim();
        let customerId = customerIds.get(trimmed);
        if (customerId === undefined) customerIds.set(trimmed, (customerId = trimmed));
        inbound.positions.push(position);
        inbound.customers.push(customerId);
        inbound.times.push(toMillis(b!));
        const flags = c as number;
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
