import { DatabaseSync, type StatementSync } from 'node:sqlite';
import {
  CLOSED_REACH,
  CREATED_REACH,
  DECISION_REACH,
  INBOUND_REACH,
  reachIndexQuery,
  TIMER_REACH,
  type ReachIndex,
} from '@tickets/streams/reach-indexes';
import { foldIndexRows, Kind, type IndexPart, type IndexRow } from './history-index.js';

// What a narrowed what-if needs from a SQLite file (what-if-reach.ts, history-index.ts): one scan that
// hands JavaScript a few short values per row, and only for the rows that matter: tickets, timers,
// every inbound record's customer and time (and whether it names a configuration or was erased), the
// messages that reached a closed ticket (the routing kind found as bytes first: stored JSON has no
// spaces, a quote inside a string is escaped) and the time of every recorded command. Then only the
// rows of the customers in reach are read again, by position. Consecutive ranges of positions can be
// scanned by several threads at once.
//
// A store the writer keeps the reach indexes of (@tickets/streams/reach-indexes) is scanned through
// them, one query per kind of row, reading the index's values rather than parsing the rows' JSON; a
// store without them (written before they existed, and not opened for writing since) is scanned
// whole, as below. Both find the same rows.
export const INBOUND = INBOUND_REACH.where;
const [customer, time, unconfigured, erasedInClear, sealedWith] = INBOUND_REACH.values;
export const SUBJECT = customer;
// The reactor writes `commands` last: a decision that emitted nothing ends with an empty list,
// compared as bytes, which skips UTF-8 decoding. Anything else that slips through is checked after parsing.
export const WITH_COMMANDS = DECISION_REACH.where;
const COMMAND_TIMES = `(SELECT json_group_array(value ->> '$.time') FROM json_each(data, '$.commands'))`;
// An erased record: in a clear store its data says so; in a sealed one (personal data encrypted, the
// keys in the same file's `pii_keys`) the key its envelope names is gone.
const erased = (sealed: boolean): string =>
  sealed
    ? `(${sealedWith} IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pii_keys WHERE key_id = ${sealedWith}))`
    : `(${erasedInClear})`;
const inboundFlags = (sealed: boolean): string => `(${unconfigured}) + 2 * ${erased(sealed)}`;
const [ticketCustomer, channel, integration, ticketStream] = CREATED_REACH.values;
const [routingKind, closedTicket, routedAt, closedAt] = CLOSED_REACH.values;
// Up to four values per row, by kind, the same values the reach indexes keep; a JSON document read
// several times in a row is parsed once.
const selectIndex = (sealed: boolean): string => `
  SELECT position,
         CASE type WHEN 'InboundAccepted' THEN ${Kind.Inbound} WHEN 'TicketCreated' THEN ${Kind.TicketCreated}
           WHEN 'TimerSet' THEN ${Kind.TimerSet} WHEN 'MessageReceived' THEN ${Kind.MessageReceived} ELSE ${Kind.Decision} END,
         CASE type
           WHEN 'InboundAccepted' THEN ${customer}
           WHEN 'TicketCreated' THEN ${ticketCustomer}
           WHEN 'MessageReceived' THEN ${routingKind}
           ELSE stream
         END,
         CASE type
           WHEN 'InboundAccepted' THEN ${time}
           WHEN 'TicketCreated' THEN ${channel}
           WHEN 'MessageReceived' THEN ${closedTicket}
           WHEN 'RulesEvaluated' THEN ${COMMAND_TIMES}
         END,
         CASE type
           WHEN 'InboundAccepted' THEN ${inboundFlags(sealed)}
           WHEN 'TicketCreated' THEN ${integration}
           WHEN 'MessageReceived' THEN ${routedAt}
         END,
         CASE type WHEN 'MessageReceived' THEN ${closedAt} WHEN 'TicketCreated' THEN ${ticketStream} END
  FROM events
  WHERE position > ? AND position <= ?
    AND (${INBOUND} OR type IN ('TicketCreated', 'TimerSet') OR (${WITH_COMMANDS})
         OR (type = 'MessageReceived' AND (instr(data, '"kind":"reopen"') > 0 OR instr(data, '"kind":"follow_up"') > 0)))
  ORDER BY position`;

// One query per reach index, each row as the whole-table scan selects it (IndexRow), the index's values
// named as the index names them (SQLite reads them from the index inside larger expressions too).
const scan = (index: ReachIndex, columns: string): ReachScan => ({
  index,
  sql: reachIndexQuery(index, columns),
});

/** One scan of a reach index. */
export interface ReachScan {
  readonly index: ReachIndex;
  readonly sql: string;
}

/** The scans of a file that has the reach indexes, one per kind of row; `sealed`: personal data encrypted. */
export const indexedScans = (sealed: boolean): readonly ReachScan[] => [
  // Sealed: the key id, checked against the key ids each scan thread reads once (KeyPresence), rather
  // than in the key table once per record: a customer's key is met once per record of theirs.
  scan(
    INBOUND_REACH,
    `${Kind.Inbound}, ${customer}, ${time}, ${sealed ? `${unconfigured}, ${sealedWith}` : inboundFlags(false)}`,
  ),
  scan(CREATED_REACH, `${Kind.TicketCreated}, ${CREATED_REACH.values.join(', ')}`),
  scan(TIMER_REACH, `${Kind.TimerSet}, ${TIMER_REACH.values.join(', ')}`),
  scan(CLOSED_REACH, `${Kind.MessageReceived}, ${CLOSED_REACH.values.join(', ')}`),
  scan(DECISION_REACH, `${Kind.Decision}, ${DECISION_REACH.values.join(', ')}, ${COMMAND_TIMES}`),
];

/**
 * The personal-data key ids of a sealed file, read whole once by each scan thread, at its first range:
 * a record whose key is not among them is erased. With 100,000 customers the read takes ~0.2 s, and a
 * scan thread's checks ~0.9 s in all (hashing each record's key), against 1.2–1.6 s when each key was
 * looked up in the table once (docs/benchmarks.md, 2026-12-07). It holds what the lookups' answers
 * held: every customer's key is met in a thread's ranges.
 */
export class KeyPresence {
  #ids: Set<string> | undefined;

  has(db: DatabaseSync, key: string): boolean {
    if (this.#ids === undefined) {
      const select = db.prepare('SELECT key_id FROM pii_keys');
      select.setReturnArrays(true);
      this.#ids = new Set();
      for (const [id] of select.iterate() as Iterable<[string]>) this.#ids.add(id);
    }
    return this.#ids.has(key);
  }
}

/**
 * The index of the rows in (after, upTo], read on a connection of its own; `sealed`: personal data
 * encrypted; `indexed`: through the reach indexes (the file has them as defined); `keys`: the key ids
 * of a sealed file, once a thread scanning several ranges has read them.
 */
export function readIndexPart(
  path: string,
  after: number,
  upTo: number,
  sealed: boolean,
  indexed: boolean,
  keys: KeyPresence = new KeyPresence(),
): IndexPart {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    if (!indexed) return foldIndexRows(rowsOf(db.prepare(selectIndex(sealed)), after, upTo));
    const [inbound, ...others] = indexedScans(sealed);
    return foldIndexRows(
      (function* () {
        if (!sealed) yield* rowsOf(db.prepare(inbound!.sql), after, upTo);
        else
          for (const row of rowsOf(db.prepare(inbound!.sql), after, upTo)) {
            const [position, kind, id, at, unconfiguredFlag, key] = row as unknown as [
              number,
              Kind,
              string,
              string,
              number,
              string | null,
            ];
            // A record sealed with a key gone from the key table is erased.
            yield [position, kind, id, at, unconfiguredFlag + (key !== null && !keys.has(db, key) ? 2 : 0), null];
          }
        for (const { sql } of others) yield* rowsOf(db.prepare(sql), after, upTo);
      })(),
    );
  } finally {
    db.close();
  }
}

function rowsOf(select: StatementSync, after: number, upTo: number): Iterable<IndexRow> {
  select.setReturnArrays(true);
  return select.iterate(after, upTo) as Iterable<unknown> as Iterable<IndexRow>;
}
