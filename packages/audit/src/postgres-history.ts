import { availableParallelism } from 'node:os';
import type { PiiEventStore } from '@tickets/event-store';
import { DEFAULT_SCHEMA, openPostgresPool, quotedSchema, uniqueApplicationName } from '@tickets/event-store/postgres';
import { CONFIG_STREAM_PREFIX, INBOUND_STREAM_PREFIX } from '@tickets/streams';
import {
  afterPrefix,
  CHUNK,
  configurationOfRow,
  directHistory,
  pageOfRows,
  pageOfSealedRows,
  PageBuilder,
  type HistoryRow,
} from './direct-history.js';
import { foldIndexRows, Kind, type IndexPart, type IndexRow } from './history-index.js';
import { inParallel } from './in-parallel.js';
import { inPositionOrder, isKnownEventTable, rows } from './postgres-stored.js';
import { readAhead } from './read-ahead.js';
import type { RecordedHistory } from './recorded-history.js';
import type { EventRow } from './sqlite-stored.js';
import { storeHistory } from './store-history.js';

// The recorded history read straight from a PostgreSQL events table, as sqlite-history.ts reads a
// SQLite file: the reach from one scan that hands JavaScript a few values per row (history-index.ts
// folds them, as it folds SQLite's), then only the reached customers' rows read back by position.
// `data` and `metadata` are stored as text (postgres-event-schema.ts): a value inside is read by
// casting the row's data once to jsonb (docs/benchmarks.md compares it with json and with string
// functions); the filters that only ask whether some bytes are there use string functions, as
// SQLite's reader does. Positions are read up to the head the event store port gives: the settled
// prefix, which no transaction still running can add to. The scans run as several statements at
// once, each on its own connection: the server works them in parallel, JavaScript only folds.

/** Positions per reach scan statement: a bounded result each, several in flight. */
const SCAN_RANGE = 100_000;
/** Positions per statement of a whole read: about a page of rows (a third of the events are read). */
const WINDOW = 3 * CHUNK;

const INBOUND = `type = 'InboundAccepted'`;
// The reactor writes `commands` last: a decision that emitted nothing ends with an empty list,
// compared as bytes (`textsend`: the text's bytes as they are; `octet_length` is the stored size):
// `right(data, 14)` counts the characters of the whole document first, 2.3× the server's CPU over a
// million decisions (docs/benchmarks.md). Anything else that slips through is checked after parsing.
const EMPTY_COMMANDS = '"commands":[]}';
const WITH_COMMANDS = `type = 'RulesEvaluated' AND substr(textsend(data), octet_length(data) - ${EMPTY_COMMANDS.length - 1}) <> convert_to('${EMPTY_COMMANDS}', 'UTF8')`;
// Kept as text (the json type hands a member back as the bytes stored): the commands are parsed in
// JavaScript as SQLite's reader hands them, their keys in the order they were written.
const COMMANDS = `(data::json -> 'commands')::text`;

/** SQL of one schema's events table. */
function statements(schema: string, sealed: boolean) {
  const s = quotedSchema(schema);
  // An erased record: in a clear store its data says so; in a sealed one (personal data encrypted, the
  // keys in the schema's `pii_keys`) the key its envelope names is gone.
  const erased = sealed
    ? `(j_meta ->> 'k' IS NOT NULL AND NOT EXISTS (SELECT 1 FROM ${s}.pii_keys WHERE key_id = j_meta ->> 'k'))`
    : `strpos(data, '"data":"[erased]"') > 0`;
  // Positions are bigint, which the driver hands over as text: read as float8 (exact below 2^53).
  const rowColumns = `position::float8,
         CASE WHEN ${INBOUND} THEN substr(stream, ${INBOUND_STREAM_PREFIX.length + 1}) END,
         CASE WHEN ${INBOUND} THEN data ELSE ${COMMANDS} END,
         CASE WHEN ${INBOUND} THEN data::jsonb -> 'event' ->> 'subject' END`;
  return {
    hasKeys: `SELECT to_regclass('${s}.pii_keys') IS NOT NULL AS present`,
    configurations: `SELECT stream, data FROM ${s}.events WHERE stream >= $1 AND stream < $2 ORDER BY position`,
    // Up to four values per row, by kind (history-index.ts); each row's data is parsed once, in the
    // subquery (OFFSET 0 keeps it from being merged into the outer query, which would cast again per use).
    index: `
      SELECT position::float8,
             CASE type WHEN 'InboundAccepted' THEN ${Kind.Inbound} WHEN 'TicketCreated' THEN ${Kind.TicketCreated}
               WHEN 'TimerSet' THEN ${Kind.TimerSet} WHEN 'MessageReceived' THEN ${Kind.MessageReceived} ELSE ${Kind.Decision} END,
             CASE type
               WHEN 'InboundAccepted' THEN j -> 'event' ->> 'subject'
               WHEN 'TicketCreated' THEN j -> 'customer' ->> 'id'
               WHEN 'MessageReceived' THEN j -> 'routing' ->> 'kind'
               ELSE stream
             END,
             CASE type
               WHEN 'InboundAccepted' THEN j -> 'event' ->> 'time'
               WHEN 'TicketCreated' THEN j ->> 'channel'
               WHEN 'MessageReceived' THEN coalesce(j -> 'routing' ->> 'previousTicketId', j ->> 'ticketId')
               WHEN 'RulesEvaluated' THEN (SELECT json_agg(c ->> 'time') FROM jsonb_array_elements(j -> 'commands') c)::text
             END,
             CASE type
               WHEN 'InboundAccepted' THEN ((strpos(metadata, '"config"') = 0)::int + 2 * (${erased})::int)::text
               WHEN 'TicketCreated' THEN j ->> 'integration'
               WHEN 'MessageReceived' THEN j ->> 'at'
             END,
             CASE type WHEN 'MessageReceived' THEN j -> 'routing' ->> 'closedAt' WHEN 'TicketCreated' THEN stream END
      FROM (
        SELECT position, type, stream, metadata, data, data::jsonb AS j
               ${sealed ? `, CASE WHEN ${INBOUND} THEN metadata::jsonb -> 'pii' END AS j_meta` : ''}
        FROM ${s}.events
        WHERE position > $1 AND position <= $2
          AND (${INBOUND} OR type IN ('TicketCreated', 'TimerSet') OR (${WITH_COMMANDS})
               OR (type = 'MessageReceived' AND (strpos(data, '"kind":"reopen"') > 0 OR strpos(data, '"kind":"follow_up"') > 0)))
        OFFSET 0
      ) e`,
    // Every inbound record and every decision with commands in (after, upTo].
    all: `
      SELECT ${rowColumns}
      FROM ${s}.events
      WHERE position > $1 AND position <= $2
        AND (starts_with(stream, '${INBOUND_STREAM_PREFIX}') OR (${WITH_COMMANDS}))`,
    byPosition: `SELECT ${rowColumns} FROM ${s}.events WHERE position = ANY($1::bigint[])`,
    // In a sealed store the rows in reach are opened by the PII codec: read whole, as the port would.
    eventsByPosition: `
      SELECT position::float8, stream, version, id, type, metadata, data FROM ${s}.events
      WHERE position = ANY($1::bigint[])`,
  };
}

export interface PostgresHistoryOptions {
  /** The store's PostgreSQL server (the URL less `?schema=`) and schema, as parseStoreUrl gives them. */
  readonly url: string;
  readonly schema?: string | undefined;
  /** The last settled position (the port's `headPosition()`): nothing past it is read. */
  readonly head: number;
  /**
   * The codec over this store, when its personal data is sealed with keys kept in the same schema:
   * the reach is found from the fields stored in clear and the rows in reach are opened through it;
   * a history read whole goes through it (the port).
   */
  readonly sealed?: PiiEventStore | undefined;
  /** Statements at once at most, each on a connection of its own (default: one per core, 2 to 8). */
  readonly connections?: number;
  /** Positions per reach scan statement (default 100 000; small in tests, to cut a small store into several). */
  readonly scanRange?: number;
}

/** The recorded history read straight from a PostgreSQL events table; null when its layout is not one this reader knows. */
export async function postgresHistory(options: PostgresHistoryOptions): Promise<RecordedHistory | null> {
  const { head, sealed } = options;
  const schema = options.schema ?? DEFAULT_SCHEMA;
  const scanRange = options.scanRange ?? SCAN_RANGE;
  const connections = Math.max(1, options.connections ?? Math.min(8, Math.max(2, availableParallelism())));
  const pool = openPostgresPool({
    url: options.url,
    applicationName: uniqueApplicationName('tickets-what-if'),
    maxConnections: connections,
  });
  const sql = statements(schema, sealed !== undefined);
  const known = await isKnownEventTable(pool, schema).catch(async (error: unknown) => {
    await pool.end();
    throw error;
  });
  if (!known) {
    await pool.end();
    return null;
  }

  return directHistory({
    head,
    async configurations() {
      const found = await rows<[string, string]>(pool, sql.configurations, [
        CONFIG_STREAM_PREFIX,
        afterPrefix(CONFIG_STREAM_PREFIX),
      ]);
      return found.map(([stream, text]) => configurationOfRow(stream, text));
    },
    async unnarrowable() {
      if (sealed === undefined) return null;
      const present = (await rows<[boolean]>(pool, sql.hasKeys, []))[0]?.[0] === true;
      // An erased record is told by its key, gone from the key table: without the table here, it cannot be.
      return present ? null : 'the personal-data keys are not kept in this schema: erased records cannot be told apart';
    },
    index(threads) {
      const ranges = Math.max(1, Math.ceil(head / scanRange));
      const scans = Array.from(
        { length: ranges },
        (_, i) => async (): Promise<IndexPart> =>
          foldIndexRows(
            inPositionOrder(
              await rows<IndexRow>(pool, sql.index, [i * scanRange, Math.min(head, (i + 1) * scanRange)]),
            ),
          ),
      );
      return inParallel(scans, Math.min(connections, Math.max(1, threads)));
    },
    async *everything() {
      if (sealed !== undefined) {
        yield* (await storeHistory(sealed)).pages();
        return;
      }
      // Windows of positions, the next one asked for while this one is handed on: the server reads as
      // the caller decides.
      const windows = readAhead((i) =>
        i * WINDOW >= head
          ? null
          : rows<HistoryRow>(pool, sql.all, [i * WINDOW, Math.min(head, (i + 1) * WINDOW)]).then(inPositionOrder),
      );
      const pages = new PageBuilder();
      for await (const found of windows) for (const row of found) if (pages.add(row)) yield pages.flush();
      if (!pages.empty) yield pages.flush();
    },
    // The pool's queries are I/O: the next page is read on the server while this one is decided.
    pageReader: () => ({
      read: async (positions) =>
        sealed === undefined
          ? pageOfRows(inPositionOrder(await rows<HistoryRow>(pool, sql.byPosition, [positions])))
          : pageOfSealedRows(inPositionOrder(await rows<EventRow>(pool, sql.eventsByPosition, [positions])), sealed),
      close: async () => undefined,
    }),
    close: () => pool.end(),
  });
}
