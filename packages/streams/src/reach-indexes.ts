// What a what-if needs of every recorded event to find the customers a change can reach (the audit's
// what-if-reach.ts): a few short values of five kinds of event. Read from the events table, they cost a
// JSON parse of most rows of the log, about two thirds of a what-if over a month of traffic. So a
// SQLite store keeps them in five partial indexes, one per kind, that SQLite maintains in the writer's
// own transaction (an erasure that rewrites a row rewrites its entry) and that the what-if reads
// instead of the table: its scan reads ~75 MB of index rather than ~4 GB of rows at 1M inbound events.
//
// SQLite reads an indexed expression from the index only when the query names it exactly as the index
// does, and uses a partial index only when the query's WHERE holds the index's: the what-if's queries
// are made from these same texts (`reachIndexQuery`), and a test holds the query plans to the indexes.
// The writer makes them (ensure-reach-indexes.ts); this module only names them, so that a what-if's scan
// threads load nothing else.

/** One reach index: the rows of one kind of event and the values read of each. */
export interface ReachIndex {
  readonly name: string;
  /** Which rows it holds: the partial index's WHERE. */
  readonly where: string;
  /** The values kept for each row, after its position (the key's first column, so ranges of positions are read in order). */
  readonly values: readonly string[];
}

/** Every inbound record: its customer and event time, whether it names no configuration, whether it was erased (clear store) and the key its personal data is sealed with (sealed store). */
export const INBOUND_REACH: ReachIndex = {
  name: 'events_reach_inbound',
  where: `type = 'InboundAccepted'`,
  values: [
    `data ->> '$.event.subject'`,
    `data ->> '$.event.time'`,
    `instr(metadata, '"config"') = 0`,
    `instr(data, '"data":"[erased]"') > 0`,
    `metadata ->> '$.pii.k'`,
  ],
};

/** Every ticket opened: its customer, channel, integration and stream. */
export const CREATED_REACH: ReachIndex = {
  name: 'events_reach_created',
  where: `type = 'TicketCreated'`,
  values: [`data ->> '$.customer.id'`, `data ->> '$.channel'`, `data ->> '$.integration'`, 'stream'],
};

/** Every timer set: its ticket's stream. */
export const TIMER_REACH: ReachIndex = {
  name: 'events_reach_timer',
  where: `type = 'TimerSet'`,
  values: ['stream'],
};

/** Every message that reached a closed ticket (a reopen or a follow-up): the routing facts a moved deadline is checked against. */
export const CLOSED_REACH: ReachIndex = {
  name: 'events_reach_closed',
  where: `type = 'MessageReceived' AND data ->> '$.routing.kind' IN ('reopen', 'follow_up')`,
  values: [
    `data ->> '$.routing.kind'`,
    `coalesce(data ->> '$.routing.previousTicketId', data ->> '$.ticketId')`,
    `data ->> '$.at'`,
    `data ->> '$.routing.closedAt'`,
  ],
};

/**
 * Every rule decision that recorded commands: its ticket's stream. The reactor writes `commands` last,
 * so a decision that emitted nothing ends with an empty list, told apart as bytes (no JSON parse). Its
 * commands' times, a list of any length, are read from the row itself (an index holds no subquery).
 */
export const DECISION_REACH: ReachIndex = {
  name: 'events_reach_decisions',
  where: `type = 'RulesEvaluated' AND substr(CAST(data AS BLOB), -14) <> CAST('"commands":[]}' AS BLOB)`,
  values: ['stream'],
};

export const REACH_INDEXES: readonly ReachIndex[] = [
  INBOUND_REACH,
  CREATED_REACH,
  TIMER_REACH,
  CLOSED_REACH,
  DECISION_REACH,
];

/** The index's definition as SQLite keeps it in `sqlite_master.sql`. */
export function reachIndexSql(index: ReachIndex): string {
  return `CREATE INDEX ${index.name} ON events (position, ${index.values.join(', ')}) WHERE ${index.where}`;
}

/**
 * The rows of `index` in (after, upTo], in position order, as `columns` (after the position) select
 * them: its values written as `index.values` writes them are read from the index, anything else from
 * the row. The statement takes `after` and `upTo`.
 */
export function reachIndexQuery(index: ReachIndex, columns: string): string {
  return `SELECT position, ${columns} FROM events
    WHERE ${index.where} AND position > ? AND position <= ? ORDER BY position`;
}

/** Whether every reach index is in the file as defined here: a reader that finds one missing or different scans the table. */
export function hasReachIndexes(definitions: ReadonlyMap<string, string | null>): boolean {
  return REACH_INDEXES.every((index) => definitions.get(index.name) === reachIndexSql(index));
}

/** The definitions of the events table's indexes, by name. */
export function indexDefinitions(db: { prepare(sql: string): { all(): unknown[] } }): Map<string, string | null> {
  const rows = db.prepare(`SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'events'`).all();
  return new Map((rows as { name: string; sql: string | null }[]).map((row) => [row.name, row.sql]));
}
