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

// One query per reach index, each row as the whole-table scan selects it (IndexRow), the index's values
// named as the index names them. An inbound record's flags are put together from the index's values.
const scan = (index: ReachIndex, kind: Kind, more = ''): { readonly index: ReachIndex; readonly sql: string } => ({
  index,
  sql: reachIndexQuery(index, `${kind}, ${index.values.join(', ')}${more}`),
});
/** The scans of a file that has the reach indexes: inbound records first, then the other kinds. */
export const INDEXED_SCANS = [
  scan(INBOUND_REACH, Kind.Inbound),
  scan(CREATED_REACH, Kind.TicketCreated),
  scan(TIMER_REACH, Kind.TimerSet),
  scan(CLOSED_REACH, Kind.MessageReceived),
  scan(
    DECISION_REACH,
    Kind.Decision,
    `, (SELECT json_group_array(value ->> '$.time') FROM json_each(data, '$.commands'))`,
  ),
] as const;

/**
 * The index of the rows in (after, upTo], read on a connection of its own; `sealed`: personal data
 * encrypted; `indexed`: through the reach indexes (the file has them as defined).
 */
export function readIndexPart(path: string, after: number, upTo: number, sealed: boolean, indexed: boolean): IndexPart {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    if (!indexed) {
      const select = db.prepare(selectIndex(sealed));
      select.setReturnArrays(true);
      return foldIndexRows(select.iterate(after, upTo) as Iterable<unknown> as Iterable<IndexRow>);
    }
    // In a sealed store a record is erased when the key its envelope names is gone from the key table.
    const keys = sealed
      ? new Set(
          db
            .prepare('SELECT key_id FROM pii_keys')
            .all()
            .map((row) => row['key_id']),
        )
      : null;
    return foldIndexRows(indexedRows(db, after, upTo, keys));
  } finally {
    db.close();
  }
}

function* indexedRows(db: DatabaseSync, after: number, upTo: number, keys: Set<unknown> | null): Generator<IndexRow> {
  const [inbound, ...others] = INDEXED_SCANS;
  for (const row of rowsOf(db.prepare(inbound.sql), after, upTo)) {
    const [position, , customer, time, unconfigured, erasedInClear, key] = row as [
      number,
      Kind,
      string | null,
      string | null,
      number,
      number,
      string | null,
    ];
    const erased = keys === null ? erasedInClear === 1 : key !== null && !keys.has(key);
    yield [position, Kind.Inbound, customer, time, unconfigured + (erased ? 2 : 0), null];
  }
  for (const { sql } of others) yield* rowsOf(db.prepare(sql), after, upTo) as Iterable<IndexRow>;
}

function rowsOf(select: StatementSync, after: number, upTo: number): Iterable<unknown[]> {
  select.setReturnArrays(true);
  return select.iterate(after, upTo) as Iterable<unknown> as Iterable<unknown[]>;
}
