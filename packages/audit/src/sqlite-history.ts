import { existsSync } from 'node:fs';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { Worker } from 'node:worker_threads';
import type { Command } from '@tickets/domain';
import type { EventMetadata, PiiEventStore, RecordedEvent } from '@tickets/event-store';
import {
  CONFIG_STREAM_PREFIX,
  INBOUND_STREAM_PREFIX,
  readConfiguration,
  type InboundAcceptedData,
} from '@tickets/streams';
import { emptyColumns, type HistoryPage, type RecordedCommands, type RecordedHistory } from './recorded-history.js';
import { storeHistory } from './store-history.js';
import {
  INBOUND,
  mergeIndex,
  readIndexPart,
  SUBJECT,
  WITH_COMMANDS,
  type HistoryIndex,
  type IndexPart,
} from './sqlite-history-index.js';
import type { IndexWorkerData } from './sqlite-index-worker.js';
import type { EventRow } from './sqlite-stored.js';
import {
  configurationReach,
  customerReach,
  everyCustomer,
  type CustomerReach,
  type ReachFacts,
} from './what-if-reach.js';

/** The event table layouts this reader knows (the SQLite adapter's `PRAGMA user_version`); 2 added the chain hash, not read here. */
const KNOWN_SCHEMAS: ReadonlySet<unknown> = new Set([1, 2]);
const CHUNK = 5_000;

// Every inbound record and every command, in one scan in SQL, handed on in order. Inbound records
// stay JSON text: the what-if worker that decides an event parses it. Of a rule decision only its
// commands are read. Reads only, on its own read-only connection: a running `serve` is not disturbed.
const ROW_COLUMNS = `position,
         CASE WHEN ${INBOUND} THEN substr(stream, ${INBOUND_STREAM_PREFIX.length + 1}) END,
         CASE WHEN ${INBOUND} THEN data ELSE data -> '$.commands' END,
         CASE WHEN ${INBOUND} THEN ${SUBJECT} END`;
const SELECT_ALL = `
  SELECT ${ROW_COLUMNS}
  FROM events
  WHERE substr(stream, 1, ${INBOUND_STREAM_PREFIX.length}) = '${INBOUND_STREAM_PREFIX}' OR (${WITH_COMMANDS})
  ORDER BY position`;

/** `key` is set for inbound records only; `text` is then the record, else the decision's commands. */
type Row = [position: number, key: string | null, text: string, subject: string | null];

// The configurations, through the (stream, version) index — the streams from the prefix up to the
// prefix with its last character's successor: they decide whether a reach can be narrowed at all.
const SELECT_CONFIGURATIONS = `SELECT stream, data FROM events WHERE stream >= ? AND stream < ? ORDER BY position`;
const afterPrefix = (prefix: string): string =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

const SELECT_BY_POSITION = `
  SELECT ${ROW_COLUMNS}
  FROM events WHERE position IN (SELECT value FROM json_each(?))
  ORDER BY position`;

// In a sealed store the rows in reach are opened by the PII codec: read whole, as the port would.
const SELECT_EVENTS_BY_POSITION = `
  SELECT position, stream, version, id, type, metadata, data FROM events
  WHERE position IN (SELECT value FROM json_each(?))
  ORDER BY position`;

function readConfigurations(db: DatabaseSync): ReachFacts['configurations'][number][] {
  const select = db.prepare(SELECT_CONFIGURATIONS);
  select.setReturnArrays(true);
  const configurations: ReachFacts['configurations'][number][] = [];
  for (const row of select.iterate(CONFIG_STREAM_PREFIX, afterPrefix(CONFIG_STREAM_PREFIX))) {
    const [stream, text] = row as unknown as [string, string];
    const read = readConfiguration({ stream, data: JSON.parse(text) } as unknown as RecordedEvent);
    configurations.push(read.ok ? read.value.configuration : { invalid: read.reason });
  }
  return configurations;
}

/** Gathers rows of SELECT_ALL's shape into pages. */
class PageBuilder {
  private inbound = emptyColumns();
  private commands: RecordedCommands[] = [];
  private count = 0;
  private lastPosition = 0;

  /** Adds a row; true once the page holds CHUNK rows. */
  add([position, key, text, subject]: Row): boolean {
    this.lastPosition = position;
    if (key === null) {
      const decided = (JSON.parse(text) as Command[] | null) ?? [];
      if (decided.length > 0) this.commands.push({ position, commands: decided });
    } else {
      this.inbound.positions.push(position);
      this.inbound.keys.push(key);
      this.inbound.subjects.push((subject ?? '').trim());
      this.inbound.records.push(text);
    }
    return ++this.count === CHUNK;
  }

  /** Adds an event read and opened through the codec. */
  addEvent(event: RecordedEvent): void {
    this.lastPosition = event.position;
    const data = event.data as { event?: { subject?: unknown }; commands?: Command[] };
    if (event.type === 'InboundAccepted') {
      this.inbound.positions.push(event.position);
      this.inbound.keys.push(event.stream.slice(INBOUND_STREAM_PREFIX.length));
      this.inbound.subjects.push(String(data.event?.subject ?? '').trim());
      this.inbound.records.push(event.data as unknown as InboundAcceptedData);
    } else if ((data.commands ?? []).length > 0)
      this.commands.push({ position: event.position, commands: data.commands! });
    this.count++;
  }

  flush(skipped: readonly number[] = [], outsideCommands: readonly number[] = []): HistoryPage {
    const page = {
      inbound: this.inbound,
      commands: this.commands,
      skipped,
      outsideCommands,
      lastPosition: this.lastPosition,
    };
    this.inbound = emptyColumns();
    this.commands = [];
    this.count = 0;
    return page;
  }

  get empty(): boolean {
    return this.count === 0;
  }
}

function* allRows(select: StatementSync, ...parameters: string[]): Generator<Row> {
  select.setReturnArrays(true);
  for (const row of select.iterate(...parameters)) yield row as unknown as Row;
}

/** Scans (0, head] in `threads` consecutive ranges at once, one worker thread each (none: in this thread). */
async function readIndex(path: string, head: number, threads: number, sealed: boolean): Promise<IndexPart[]> {
  if (threads <= 1) return [readIndexPart(path, 0, head, sealed)];
  const size = Math.ceil(head / threads);
  return Promise.all(
    Array.from({ length: threads }, (_, i) => {
      const range: IndexWorkerData = { path, after: i * size, upTo: Math.min(head, (i + 1) * size), sealed };
      return new Promise<IndexPart>((resolve, reject) => {
        const worker = new Worker(new URL('./sqlite-index-worker.js', import.meta.url), { workerData: range });
        let part: IndexPart | null = null;
        worker.on('message', (message: IndexPart) => (part = message));
        worker.on('error', reject);
        worker.on('exit', (code) =>
          part === null ? reject(new Error(`a what-if index worker stopped (exit code ${code})`)) : resolve(part),
        );
      });
    }),
  );
}

export interface SqliteHistoryOptions {
  /**
   * The codec over this file, when its personal data is sealed with keys kept in the same file: the
   * reach is found from the fields stored in clear (ids, times, channels, routing facts) and the rows
   * in reach are opened through it; a history read whole goes through it (the port).
   */
  readonly sealed?: PiiEventStore | undefined;
}

/** What a narrowed read does: the rows to read again, and the times of what is only counted. */
interface Plan {
  /** The positions of the reached customers' inbound records and decisions with commands, in order. */
  readonly positions: number[];
  /** The event times (ms) of the other customers' inbound records. */
  readonly skipped: number[];
  /** The times (ms) of the commands recorded on the other customers' tickets. */
  readonly outsideCommands: number[];
}

function planOf(found: HistoryIndex, customers: ReadonlySet<string>): Plan {
  const skipped: number[] = [];
  const positions: number[] = [];
  found.inbound.positions.forEach((position, i) => {
    if (customers.has(found.inbound.customers[i]!)) positions.push(position);
    else skipped.push(found.inbound.times[i]!);
  });
  const outsideCommands: number[] = [];
  const { tickets } = found.facts;
  found.decisions.positions.forEach((position, i) => {
    const customerId = tickets.get(found.decisions.tickets[i]!)?.customerId;
    // A ticket without a recorded TicketCreated is compared, whoever it belongs to.
    if (customerId === undefined || customers.has(customerId)) positions.push(position);
    else outsideCommands.push(...found.decisions.times[i]!);
  });
  positions.sort((a, b) => a - b);
  return { positions, skipped, outsideCommands };
}

/** The recorded history read straight from a SQLite store file; null when the file is not one this reader knows. */
export function sqliteHistory(path: string, options: SqliteHistoryOptions = {}): RecordedHistory | null {
  const { sealed } = options;
  if (!existsSync(path)) return null;
  const db = new DatabaseSync(path, { readOnly: true });
  const version = db.prepare('PRAGMA user_version').get()?.['user_version'];
  if (!KNOWN_SCHEMAS.has(version)) {
    db.close();
    return null;
  }
  const head = (db.prepare('SELECT max(position) AS head FROM events').get()?.['head'] as number | null) ?? 0;
  let index: HistoryIndex | null = null;

  /** Every row, in one scan. */
  async function* everything(): AsyncGenerator<HistoryPage> {
    if (sealed !== undefined) {
      yield* (await storeHistory(sealed)).pages();
      return;
    }
    const pages = new PageBuilder();
    for (const row of allRows(db.prepare(SELECT_ALL))) if (pages.add(row)) yield pages.flush();
    if (!pages.empty) yield pages.flush();
  }

  /** The rows of the customers in reach, read by position; the others only counted and timed. */
  async function* narrowed({ positions, skipped, outsideCommands }: Plan): AsyncGenerator<HistoryPage> {
    // The first page carries what is only counted; the rows in reach follow in store order.
    const pages = new PageBuilder();
    let first: { skipped: number[]; outsideCommands: number[] } | null = { skipped, outsideCommands };
    const select = db.prepare(sealed === undefined ? SELECT_BY_POSITION : SELECT_EVENTS_BY_POSITION);
    select.setReturnArrays(true);
    for (let from = 0; from < positions.length; from += CHUNK) {
      const chunk = JSON.stringify(positions.slice(from, from + CHUNK));
      if (sealed === undefined) for (const row of allRows(select, chunk)) pages.add(row);
      else {
        const events = (select.all(chunk) as unknown as EventRow[]).map(
          ([position, stream, version, id, type, metadata, data]): RecordedEvent => ({
            position,
            stream,
            version,
            id,
            type,
            metadata: JSON.parse(metadata) as EventMetadata,
            data: JSON.parse(data) as RecordedEvent['data'],
          }),
        );
        for (const event of await sealed.openRecorded(events)) pages.addEvent(event);
      }
      yield pages.flush(first?.skipped, first?.outsideCommands);
      first = null;
    }
    if (first !== null) yield pages.flush(first.skipped, first.outsideCommands);
  }

  return {
    head,
    async reach(configuration, threads) {
      const configurations = readConfigurations(db);
      // Changed rules reach every decision: no need to read anything more to know it.
      const byConfiguration = configurationReach(configurations, configuration);
      if (byConfiguration !== null) return byConfiguration;
      // An erased record is told by its key, gone from the key table: without the table here, it cannot be.
      if (sealed !== undefined && db.prepare(`SELECT 1 FROM sqlite_master WHERE name = 'pii_keys'`).get() === undefined)
        return everyCustomer('the personal-data keys are not kept in this file: erased records cannot be told apart');
      index = mergeIndex(await readIndex(path, head, threads, sealed !== undefined), configurations);
      return customerReach(index.facts, configuration);
    },
    pages(reach?: CustomerReach) {
      if (reach === undefined || reach.all) return everything();
      if (index === null) throw new Error('pages(reach) needs the reach this history found');
      const plan = planOf(index, reach.customers);
      // What the scan found is not needed any more: its memory goes back before the deciding starts.
      index = null;
      return narrowed(plan);
    },
    async close() {
      db.close();
    },
  };
}
