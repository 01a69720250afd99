import type { Command } from '@tickets/domain';
import type { EventMetadata, PiiEventStore, RecordedEvent } from '@tickets/event-store';
import { INBOUND_STREAM_PREFIX, readConfiguration, type InboundAcceptedData } from '@tickets/streams';
import { mergeIndex, type HistoryIndex, type IndexPart } from './history-index.js';
import { readAhead } from './read-ahead.js';
import { emptyColumns, type HistoryPage, type RecordedCommands, type RecordedHistory } from './recorded-history.js';
import type { EventRow } from './sqlite-stored.js';
import {
  configurationReach,
  customerReach,
  everyCustomer,
  type CustomerReach,
  type ReachFacts,
} from './what-if-reach.js';

// What the direct readers of a store's events table (SQLite: sqlite-history.ts, PostgreSQL:
// postgres-history.ts) share: the reach found from one scan (history-index.ts), and the pages of a
// narrowed what-if — the reached customers' rows read back by position, the others only counted and
// timed. Each reader brings its SQL; the deciding of what is read, and the pages, are the same code.

/**
 * Rows per page, and positions read back per statement. A page's rows live while it is decided, long
 * enough to be promoted to V8's old generation and die there: with pages of 5,000 rows a what-if over
 * 1M inbound events peaked ~30 MB higher (clear) and ~50 MB higher (sealed), and took 8–15% more CPU,
 * than with 2,000; 1,000 was no better than 2,000 (docs/benchmarks.md, 2026-12-07).
 */
export const CHUNK = 2_000;

/**
 * A row as the direct readers select it for the pages: `key` is set for inbound records only (the
 * inbound key, from the stream name); `text` is then the record's JSON, else the decision's commands'
 * JSON; `subject` is the inbound record's CloudEvent subject.
 */
export type HistoryRow = readonly [position: number, key: string | null, text: string, subject: string | null];

/** Gathers rows into pages. */
export class PageBuilder {
  private inbound = emptyColumns();
  private commands: RecordedCommands[] = [];
  private count = 0;
  private lastPosition = 0;

  /** Adds a row; true once the page holds CHUNK rows. */
  add([position, key, text, subject]: HistoryRow): boolean {
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

  /**
   * Adds an event read and opened through the codec. `recordAsText`: an inbound record is kept as its
   * JSON text, as a clear store's rows are, for a page that crosses to another thread: a string is
   * copied there for less than the record's objects, and those die here, young.
   */
  addEvent(event: RecordedEvent, recordAsText = false): void {
    this.lastPosition = event.position;
    const data = event.data as { event?: { subject?: unknown }; commands?: Command[] };
    if (event.type === 'InboundAccepted') {
      this.inbound.positions.push(event.position);
      this.inbound.keys.push(event.stream.slice(INBOUND_STREAM_PREFIX.length));
      this.inbound.subjects.push(String(data.event?.subject ?? '').trim());
      this.inbound.records.push(
        recordAsText ? JSON.stringify(event.data) : (event.data as unknown as InboundAcceptedData),
      );
    } else if ((data.commands ?? []).length > 0)
      this.commands.push({ position: event.position, commands: data.commands! });
    this.count++;
  }

  flush(skipped: Iterable<number> = [], outsideCommands: Iterable<number> = []): HistoryPage {
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

/** A page of rows as the direct readers select them (clear store). */
export function pageOfRows(rows: Iterable<HistoryRow>): HistoryPage {
  const pages = new PageBuilder();
  for (const row of rows) pages.add(row);
  return pages.flush();
}

/**
 * Rows parsed and opened at a time in a sealed page: what a slice makes dies before V8's young
 * generation fills, where a whole page's rows and opened values lived through its collections. With
 * the records kept as text, a what-if over 300,000 sealed inbound events took 7% less CPU
 * (docs/benchmarks.md, 2026-12-08).
 */
export const OPEN_SLICE = 256;

/**
 * A page of whole stored rows, opened through the codec (sealed store), `slice` rows at a time (a
 * pointer whose holder is in the next slice has it read back by the codec). `recordsAsText`: see
 * `PageBuilder.addEvent`.
 */
export async function pageOfSealedRows(
  rows: readonly EventRow[],
  sealed: PiiEventStore,
  { recordsAsText = false, slice = OPEN_SLICE }: { readonly recordsAsText?: boolean; readonly slice?: number } = {},
): Promise<HistoryPage> {
  const pages = new PageBuilder();
  const step = Math.max(1, Math.floor(slice));
  for (let from = 0; from < rows.length; from += step)
    for (const event of await sealed.openRecorded(rows.slice(from, from + step).map(eventOfRow)))
      pages.addEvent(event, recordsAsText);
  return pages.flush();
}

/** A stored row, as both readers select it whole, as the event the PII codec opens. */
const eventOfRow = ([position, stream, version, id, type, metadata, data]: EventRow): RecordedEvent => ({
  position,
  stream,
  version,
  id,
  type,
  metadata: JSON.parse(metadata) as EventMetadata,
  data: JSON.parse(data) as RecordedEvent['data'],
});

/** A recorded configuration, or why it cannot be read, from its stored row. */
export function configurationOfRow(stream: string, text: string): ReachFacts['configurations'][number] {
  const read = readConfiguration({ stream, data: JSON.parse(text) } as unknown as RecordedEvent);
  return read.ok ? read.value.configuration : { invalid: read.reason };
}

// The configurations are read through the (stream, version) index — the streams from the prefix up to
// the prefix with its last character's successor: they decide whether a reach can be narrowed at all.
export const afterPrefix = (prefix: string): string =>
  prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);

/**
 * What a narrowed read does: the rows to read again, and the times of what is only counted. In typed
 * arrays: a plan found in a thread of its own (see `DirectSource.findReach`) moves back rather than being
 * copied.
 */
export interface Plan {
  /** The positions of the reached customers' inbound records and decisions with commands, in order. */
  readonly positions: Float64Array<ArrayBuffer>;
  /** How many of those are inbound records: what is decided again. */
  readonly records: number;
  /** The event times (ms) of the other customers' inbound records. */
  readonly skipped: Float64Array<ArrayBuffer>;
  /** The times (ms) of the commands recorded on the other customers' tickets. */
  readonly outsideCommands: Float64Array<ArrayBuffer>;
}

/** The buffers of a plan, to move rather than copy when it is posted to another thread. */
export const planTransferList = (plan: Plan): ArrayBuffer[] => [
  plan.positions.buffer,
  plan.skipped.buffer,
  plan.outsideCommands.buffer,
];

function planOf(found: HistoryIndex, customers: ReadonlySet<string>): Plan {
  // Whether each customer of the index's table is in reach, looked up by index below.
  const inReach = Uint8Array.from(found.customerIds, (id) => (customers.has(id) ? 1 : 0));
  const { inbound, decisions } = found;
  // A decision is read again when its ticket's customer is in reach, or when no TicketCreated names
  // the ticket (it is then compared, whoever it belongs to).
  const decisionRead = (i: number): boolean => {
    const customer = decisions.customers[i]!;
    return customer === -1 || inReach[customer] === 1;
  };
  // Counted first: each column is made once, at its size.
  let records = 0;
  for (let i = 0; i < inbound.positions.length; i++) records += inReach[inbound.customers[i]!]!;
  let decisionsRead = 0;
  let timesOutside = 0;
  for (let i = 0; i < decisions.positions.length; i++)
    if (decisionRead(i)) decisionsRead++;
    else timesOutside += decisions.timesFrom[i + 1]! - decisions.timesFrom[i]!;

  const positions = new Float64Array(records + decisionsRead);
  const skipped = new Float64Array(inbound.positions.length - records);
  const outsideCommands = new Float64Array(timesOutside);
  let read = 0;
  let skip = 0;
  for (let i = 0; i < inbound.positions.length; i++) {
    if (inReach[inbound.customers[i]!] === 1) positions[read++] = inbound.positions[i]!;
    else skipped[skip++] = inbound.times[i]!;
  }
  let outside = 0;
  for (let i = 0; i < decisions.positions.length; i++) {
    if (decisionRead(i)) positions[read++] = decisions.positions[i]!;
    else
      for (let t = decisions.timesFrom[i]!; t < decisions.timesFrom[i + 1]!; t++)
        outsideCommands[outside++] = decisions.times[t]!;
  }
  // A typed array sorts by value.
  positions.sort();
  return { positions, records, skipped, outsideCommands };
}

/** What a reach is found for: the rules and reopen policy a what-if asks about. */
export type ReachConfiguration = Parameters<NonNullable<RecordedHistory['reach']>>[0];

/** What a reach scan found: the customers in reach and, when they are not all, what to read of them. */
export type FoundReach =
  | { readonly reach: CustomerReach & { readonly all: true }; readonly plan: null }
  | { readonly reach: CustomerReach & { readonly all: false }; readonly plan: Plan };

/** What a direct reader's reach is found from: the configurations and a scan of the events table. */
export interface ReachSource {
  /** The last position read: what the scans and the pages stop at. */
  readonly head: number;
  /** Every configuration recorded, or why one cannot be read. */
  configurations(): Promise<ReachFacts['configurations']>;
  /** Why the reach cannot be narrowed although the rules are the recorded ones; null: it can. */
  unnarrowable(): Promise<string | null>;
  /** The scans of (0, head], in consecutive ranges, `threads` at once (0 or 1: one). */
  index(threads: number): Promise<IndexPart[]>;
}

/** The customers `configuration` can reach in `source`'s history, and what a narrowed read of it reads. */
export async function findReach(
  source: ReachSource,
  configuration: ReachConfiguration,
  threads: number,
): Promise<FoundReach> {
  const configurations = await source.configurations();
  // Changed rules reach every decision: no need to read anything more to know it.
  const byConfiguration = configurationReach(configurations, configuration);
  if (byConfiguration !== null) return { reach: byConfiguration, plan: null };
  const why = await source.unnarrowable();
  if (why !== null) return { reach: everyCustomer(why), plan: null };
  const index = mergeIndex(await source.index(threads), configurations);
  const reach = customerReach(index.facts, configuration);
  if (reach.all) return { reach, plan: null };
  const plan = planOf(index, reach.customers);
  return { reach: { ...reach, records: plan.records }, plan };
}

/** A store's events table as a direct reader sees it. */
export interface DirectSource extends ReachSource {
  /**
   * Finds the reach elsewhere than in this thread (in one of its own: what the scan leaves in a heap
   * goes with that thread, and only the plan comes back); absent, `findReach` runs in this thread.
   */
  findReach?(configuration: ReachConfiguration, threads: number): Promise<FoundReach>;
  /** Every row, in order, in pages. */
  everything(): AsyncIterable<HistoryPage>;
  /**
   * What reads the rows at given positions back, a page at a time (in order, at most CHUNK of them):
   * `ahead`, in a thread of its own when the source can, so that the next page is read (and opened,
   * when sealed) while this one is decided.
   */
  pageReader(ahead: boolean): PageReader;
  /** Rows per page read back (default CHUNK; tests make it small, so that a small store is read in several pages). */
  readonly pageRows?: number;
  close(): Promise<void>;
}

/** Reads pages of rows back by position; `close` ends what it started. */
export interface PageReader {
  /** The page of the rows at `positions`, without what is only counted (`skipped`, `outsideCommands`). */
  read(positions: readonly number[]): Promise<HistoryPage>;
  close(): Promise<void>;
}

/** The recorded history of a direct reader: narrowed to the customers a change can reach. */
export function directHistory(source: DirectSource): RecordedHistory {
  // The narrowed reach this history found, and its plan, made as the reach is found: what the scan
  // found (the index) is then let go before any deciding starts.
  let found: { readonly reach: CustomerReach; readonly plan: Plan; readonly threads: number } | null = null;

  /** The rows of the customers in reach, read by position; the others only counted and timed. */
  async function* narrowed({ positions, skipped, outsideCommands }: Plan, ahead: boolean): AsyncGenerator<HistoryPage> {
    if (positions.length === 0) {
      yield new PageBuilder().flush(skipped, outsideCommands);
      return;
    }
    const reader = source.pageReader(ahead);
    const rows = source.pageRows ?? CHUNK;
    // The next page is asked for before this one is handed on: a reader in a thread of its own reads
    // it meanwhile.
    const pages = readAhead((i) =>
      i * rows < positions.length ? reader.read(Array.from(positions.subarray(i * rows, (i + 1) * rows))) : null,
    );
    try {
      let first = true;
      for await (const page of pages) {
        // The first page carries what is only counted; the rows in reach follow in store order.
        yield first ? { ...page, skipped, outsideCommands } : page;
        first = false;
      }
    } finally {
      await reader.close();
    }
  }

  return {
    head: source.head,
    async reach(configuration, threads) {
      const { reach, plan } = await (source.findReach ?? ((c, t) => findReach(source, c, t)))(configuration, threads);
      found = plan === null ? null : { reach, plan, threads };
      return reach;
    },
    pages(reach?: CustomerReach) {
      if (reach === undefined || reach.all) return source.everything();
      if (found === null || reach !== found.reach) throw new Error('pages(reach) needs the reach this history found');
      const { plan, threads } = found;
      found = null;
      return narrowed(plan, threads > 0);
    },
    close: () => source.close(),
  };
}
