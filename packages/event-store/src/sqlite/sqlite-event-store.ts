import type { DatabaseSync, SQLInputValue, StatementSync } from 'node:sqlite';
import { chainHashes, type ChainedEvent } from '../chain/event-hash.js';
import { CommitSignal } from '../commit-signal.js';
import { decideAppend, isRepeatedRun } from '../append-decision.js';
import { ConcurrencyError, EventStoreError, IdempotencyError } from '../errors.js';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadChainOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
  SubscribeOptions,
} from '../event-store.port.js';
import {
  assertExpectedVersion,
  assertNewEvents,
  assertStreamName,
  countOption,
  invalidArgument,
  pageOption,
  positionOption,
  streamPrefixesOption,
  streamRangeOption,
  toJsonText,
} from '../validate-arguments.js';
import { openSqlite } from './open-sqlite.js';
import { translateSqliteError } from './sqlite-error.js';
import { migrateEventSchema } from './sqlite-event-schema.js';

export interface SqliteEventStoreOptions {
  /** A file path (its directory is created if missing) or `:memory:`. */
  readonly path: string;
  /** How often a subscriber looks for commits made by other connections. Default 100 ms. */
  readonly pollIntervalMs?: number;
  /** Source of `recorded_at`. */
  readonly clock?: () => Date;
  /** How long an append waits for another connection's write lock. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
}

export interface SqliteEventStore extends EventStore {
  /** True once `close()` was called. */
  readonly closed: boolean;
}

const DEFAULT_POLL_INTERVAL_MS = 100;
const DEFAULT_BATCH_SIZE = 1000;
/** Stream tips remembered for chaining: dropped all at once at the bound (a head read per stream after). */
const TIP_CACHE_LIMIT = 100_000;
/**
 * The store connection's page cache. Every append looks up and inserts into the (stream, version)
 * index at random places (stream names are hashes): past a few hundred thousand events the index
 * outgrows SQLite's default 2 MiB cache, and lookups and inserts read its pages back from the file
 * again and again. With 64 MiB, loading 1M inbound events read 56% fewer bytes from files (300,000:
 * two thirds fewer) and took 5–15% less CPU (docs/benchmarks.md, 2026-12-07). Only this connection
 * gets it: the audit's readers scan the file once, and a cache there would only hold memory.
 */
const STORE_PAGE_CACHE_MIB = 64;
/** SQLite's "no limit". */
const UNLIMITED = -1;

const COLUMNS = 'position, stream, version, id, type, metadata, data';
/** Rows are read as arrays (no per-row key objects), in the order of COLUMNS. */
type EventRow = [
  position: number,
  stream: string,
  version: number,
  id: string,
  type: string,
  metadata: string,
  data: string,
];
type HeadRow = [version: number, position: number, hash: string | null];
type ChainRow = [
  position: number,
  stream: string,
  version: number,
  id: string,
  type: string,
  metadata: string,
  data: string,
  hash: string | null,
];
type RunRow = [version: number, id: string, position: number];

/** What one append did, and the hash of its stream's head after it. */
interface Outcome {
  readonly result: AppendResult;
  readonly hash: string | null;
}

/** One append, validated and serialised before the write lock is taken. */
interface PreparedAppend {
  readonly stream: string;
  readonly expected: ExpectedVersion;
  readonly events: readonly NewEvent[];
  /** Per event: metadata JSON, then data JSON. */
  readonly json: readonly string[];
}

const toRecordedEvent = (row: EventRow): RecordedEvent => ({
  id: row[3],
  type: row[4],
  data: JSON.parse(row[6]),
  metadata: JSON.parse(row[5]),
  stream: row[1],
  version: row[2],
  position: row[0],
});

const toRecordedEvents = (rows: EventRow[]): RecordedEvent[] => {
  const events = new Array<RecordedEvent>(rows.length);
  for (let i = 0; i < rows.length; i++) events[i] = toRecordedEvent(rows[i]!);
  return events;
};

const prepareAppend = (
  stream: string,
  events: readonly NewEvent[],
  expected: ExpectedVersion | undefined,
): PreparedAppend => {
  assertStreamName(stream);
  assertNewEvents(stream, events);
  const expectedVersion = expected ?? 'any';
  assertExpectedVersion(expectedVersion);
  const json = new Array<string>(events.length * 2);
  for (let i = 0; i < events.length; i++) {
    const event = events[i]!;
    json[2 * i] = event.metadata === undefined ? '{}' : toJsonText(stream, event.id, event.metadata);
    json[2 * i + 1] = toJsonText(stream, event.id, event.data);
  }
  return { stream, expected: expectedVersion, events, json };
};

class SqliteEventStoreAdapter implements SqliteEventStore {
  readonly #database: DatabaseSync;
  readonly #clock: () => Date;
  readonly #pollIntervalMs: number;
  readonly #commits = new CommitSignal();
  #closed = false;

  readonly #begin: StatementSync;
  readonly #commit: StatementSync;
  readonly #rollback: StatementSync;
  readonly #insert: StatementSync;
  readonly #streamHead: StatementSync;
  readonly #hashAt: StatementSync;
  /**
   * The chain hash of each stream's last event this connection committed, by revision: the head's
   * hash without reading its row (a table read per stream, most of the chain's cost otherwise). An
   * event never changes once committed, so a tip whose revision is the head's is its hash, whoever
   * else writes the file.
   */
  readonly #tips = new Map<string, { readonly version: number; readonly hash: string | null }>();
  readonly #run: StatementSync;
  readonly #findId: StatementSync;
  readonly #readForwards: StatementSync;
  readonly #readBackwards: StatementSync;
  readonly #readAll: StatementSync;
  readonly #head: StatementSync;
  readonly #readChain: StatementSync;
  /** Filtered readAll statements, by number of prefixes. */
  readonly #readAllByPrefixes = new Map<number, StatementSync>();

  constructor(database: DatabaseSync, clock: () => Date, pollIntervalMs: number) {
    this.#database = database;
    this.#clock = clock;
    this.#pollIntervalMs = pollIntervalMs;
    this.#begin = database.prepare('BEGIN IMMEDIATE');
    this.#commit = database.prepare('COMMIT');
    this.#rollback = database.prepare('ROLLBACK');
    this.#insert = database.prepare(
      'INSERT INTO events (stream, version, id, type, recorded_at, metadata, data, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    );
    // The (stream, version) index answers alone (the rowid is the position): no table read.
    this.#streamHead = this.#arrays(
      'SELECT version, position FROM events WHERE stream = ? ORDER BY version DESC LIMIT 1',
    );
    this.#hashAt = this.#arrays('SELECT hash FROM events WHERE stream = ? AND version = ?');
    this.#run = this.#arrays(
      'SELECT version, id, position FROM events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?',
    );
    // Walks the stream through the (stream, version) index: cheap for the short streams `any` is used on.
    this.#findId = this.#arrays('SELECT version FROM events WHERE stream = ? AND id = ? ORDER BY version LIMIT 1');
    this.#readForwards = this.#arrays(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND version >= ? ORDER BY version LIMIT ?`,
    );
    this.#readBackwards = this.#arrays(
      `SELECT ${COLUMNS} FROM events WHERE stream = ? AND version <= ? ORDER BY version DESC LIMIT ?`,
    );
    this.#readAll = this.#arrays(`SELECT ${COLUMNS} FROM events WHERE position > ? ORDER BY position LIMIT ?`);
    this.#head = this.#arrays('SELECT max(position) FROM events');
    this.#readChain = this.#arrays(`SELECT ${COLUMNS}, hash FROM events WHERE position > ? ORDER BY position LIMIT ?`);
  }

  get closed(): boolean {
    return this.#closed;
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    options?: { expectedVersion?: ExpectedVersion },
  ): Promise<AppendResult> {
    this.#assertOpen();
    const prepared = prepareAppend(stream, events, options?.expectedVersion);
    const [result] = this.#writeAll([prepared]);
    return result!;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.#assertOpen();
    if (!Array.isArray(appends)) throw invalidArgument('appends must be an array');
    const prepared = appends.map((append) => prepareAppend(append.stream, append.events, append.expectedVersion));
    // Nothing to check or write: no reason to take the write lock.
    return prepared.length === 0 ? [] : this.#writeAll(prepared);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    assertStreamName(stream);
    const {
      maxCount = UNLIMITED,
      backwards,
      fromVersion = backwards ? Number.MAX_SAFE_INTEGER : 0,
    } = streamRangeOption(options);
    if (maxCount === 0) return [];
    const statement = backwards ? this.#readBackwards : this.#readForwards;
    return toRecordedEvents(this.#query<EventRow>('readStream', statement, stream, fromVersion, maxCount));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    const { after, maxCount } = pageOption(options);
    if (maxCount === 0) return [];
    return this.#readPage(after, maxCount, streamPrefixesOption(options.streamPrefixes));
  }

  async readChain(options: ReadChainOptions = {}): Promise<ChainedEvent[]> {
    this.#assertOpen();
    const { after, maxCount } = pageOption(options);
    if (maxCount === 0) return [];
    return this.#query<ChainRow>('readChain', this.#readChain, after, maxCount).map(
      ([position, stream, version, id, type, metadata, data, hash]) => ({
        position,
        stream,
        version,
        id,
        type,
        metadata,
        data,
        hash,
      }),
    );
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<readonly RecordedEvent[]> {
    return this.#subscribe(options);
  }

  async headPosition(): Promise<number> {
    this.#assertOpen();
    return this.#headPosition();
  }

  async streamVersions(streams: readonly string[]): Promise<Map<string, number>> {
    this.#assertOpen();
    const versions = new Map<string, number>();
    for (const stream of streams) {
      assertStreamName(stream);
      // One indexed lookup per stream: cheaper than building an IN list of varying length.
      const [head] = this.#query<[number]>('streamVersions', this.#streamHead, stream);
      if (head !== undefined) versions.set(stream, head[0]);
    }
    return versions;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#commits.close();
    this.#database.close();
  }

  async *#subscribe(options: SubscribeOptions): AsyncGenerator<readonly RecordedEvent[], void, undefined> {
    const batchSize = countOption('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
    if (batchSize === 0) throw invalidArgument('batchSize must be at least 1');
    const prefixes = streamPrefixesOption(options.streamPrefixes);
    const { signal } = options;
    let after = positionOption('after', options.after);
    while (!this.#closed && !signal?.aborted) {
      const seenCommits = this.#commits.sequence;
      // SQLite has one writer at a time and hands out positions as max+1 inside its transaction, so
      // positions appear in commit order: once position N is visible, every position below it is too,
      // and reading `position > after` can never skip a commit that lands later.
      // With a filter, a short page proves every event up to the head read *before* it was scanned, so
      // the cursor may jump there instead of rescanning other streams' events on each poll.
      const scannedUpTo = prefixes === undefined ? 0 : this.#headPosition();
      const page = this.#readPage(after, batchSize, prefixes);
      const last = page.at(-1);
      if (last !== undefined) after = last.position;
      if (page.length < batchSize) after = Math.max(after, scannedUpTo);
      if (page.length > 0) {
        yield page;
        if (page.length === batchSize) continue;
      }
      await this.#commits.wait(seenCommits, this.#pollIntervalMs, signal);
    }
  }

  #readPage(after: number, maxCount: number, prefixes: readonly string[] | undefined): RecordedEvent[] {
    if (prefixes === undefined)
      return toRecordedEvents(this.#query<EventRow>('readAll', this.#readAll, after, maxCount));
    return toRecordedEvents(
      this.#query<EventRow>('readAll', this.#prefixStatement(prefixes.length), after, maxCount, ...prefixes),
    );
  }

  #prefixStatement(count: number): StatementSync {
    let statement = this.#readAllByPrefixes.get(count);
    if (statement === undefined) {
      // substr/length count characters on both sides, so non-ASCII prefixes compare correctly.
      const matches = Array.from({ length: count }, (_, i) => `substr(stream, 1, length(?${i + 3})) = ?${i + 3}`).join(
        ' OR ',
      );
      statement = this.#arrays(
        `SELECT ${COLUMNS} FROM events WHERE position > ?1 AND (${matches}) ORDER BY position LIMIT ?2`,
      );
      this.#readAllByPrefixes.set(count, statement);
    }
    return statement;
  }

  #headPosition(): number {
    const [row] = this.#query<[number | null]>('headPosition', this.#head);
    return row?.[0] ?? 0;
  }

  /** All appends of one call in one write transaction: all of them commit, or none. */
  #writeAll(appends: readonly PreparedAppend[]): AppendResult[] {
    try {
      this.#begin.run();
    } catch (error) {
      throw translateSqliteError(error, 'append');
    }
    let wrote = false;
    try {
      const recordedAt = this.#clock().toISOString();
      const results = new Array<AppendResult>(appends.length);
      // Heads this transaction already looked up or moved: a batch names the same streams again and
      // again (the guard and the record of an inbound stream, a customer writing twice in one batch).
      const heads = new Map<string, HeadRow | undefined>();
      for (let i = 0; i < appends.length; i++) {
        const result = this.#appendInTransaction(appends[i]!, recordedAt, heads);
        wrote ||= !result.duplicate && appends[i]!.events.length > 0;
        results[i] = result;
      }
      this.#commit.run();
      this.#rememberTips(heads);
      if (wrote) this.#commits.notify();
      return results;
    } catch (error) {
      if (this.#database.isTransaction) this.#rollback.run();
      throw translateSqliteError(error, 'append');
    }
  }

  #appendInTransaction(
    append: PreparedAppend,
    recordedAt: string,
    heads: Map<string, HeadRow | undefined>,
  ): AppendResult {
    const { result, hash } = this.#checkAndInsert(
      append,
      recordedAt,
      heads.has(append.stream) ? heads.get(append.stream) : this.#readHead(append.stream),
    );
    // A duplicate matched events somewhere in the stream, not necessarily at its head: look again next time.
    if (result.duplicate) heads.delete(append.stream);
    else
      heads.set(
        append.stream,
        result.nextExpectedVersion < 0 ? undefined : [result.nextExpectedVersion, result.position, hash],
      );
    return result;
  }

  #readHead(stream: string): HeadRow | undefined {
    const [head] = this.#streamHead.all(stream) as unknown as [version: number, position: number][];
    if (head === undefined) return undefined;
    const tip = this.#tips.get(stream);
    if (tip?.version === head[0]) return [head[0], head[1], tip.hash];
    const [stored] = this.#hashAt.all(stream, head[0]) as unknown as [hash: string | null][];
    return [head[0], head[1], stored?.[0] ?? null];
  }

  /** What a committed transaction left at the heads it touched. */
  #rememberTips(heads: ReadonlyMap<string, HeadRow | undefined>): void {
    if (this.#tips.size + heads.size > TIP_CACHE_LIMIT) this.#tips.clear();
    for (const [stream, head] of heads)
      if (head !== undefined) this.#tips.set(stream, { version: head[0], hash: head[2] });
  }

  /** The result, and the hash of the stream's head after it (for the next append of the call). */
  #checkAndInsert(append: PreparedAppend, recordedAt: string, head: HeadRow | undefined): Outcome {
    const { stream, expected, events } = append;
    const actual = head === undefined ? -1 : head[0];
    const decision = decideAppend(expected, actual, events.length);
    switch (decision.kind) {
      case 'unchanged':
        return {
          result: { stream, nextExpectedVersion: actual, position: head?.[1] ?? 0, duplicate: false },
          hash: head?.[2] ?? null,
        };
      case 'write':
        return this.#insertEvents(append, actual + 1, recordedAt, head?.[2] ?? null);
      case 'conflict':
        throw new ConcurrencyError(stream, String(expected), actual);
      case 'locate': {
        if (decision.at !== 'first-id') {
          const duplicate = this.#storedRun(append, decision.at);
          if (duplicate === undefined) throw new ConcurrencyError(stream, String(expected), actual);
          return { result: duplicate, hash: null };
        }
        const [found] = this.#findId.all(stream, events[0]!.id) as unknown as [number][];
        if (found === undefined) return this.#insertEvents(append, actual + 1, recordedAt, head?.[2] ?? null);
        // The first id is stored, so this run is a repeat or part of one: never "different".
        const duplicate = this.#storedRun(append, found[0]);
        if (duplicate === undefined) throw new IdempotencyError(stream, events[0]!.id);
        return { result: duplicate, hash: null };
      }
    }
  }

  /** The duplicate result when the events are stored from `fromVersion` on (append-decision.ts decides). */
  #storedRun(append: PreparedAppend, fromVersion: number): AppendResult | undefined {
    const { stream, events } = append;
    const rows = this.#run.all(stream, fromVersion, events.length) as unknown as RunRow[];
    const stored = new Array<string | undefined>(events.length);
    for (const row of rows) stored[row[0] - fromVersion] = row[1];
    const ids = events.map((event) => event.id);
    if (!isRepeatedRun(stream, ids, stored)) return undefined;
    const last = rows[rows.length - 1]!;
    return { stream, nextExpectedVersion: last[0], position: last[2], duplicate: true };
  }

  /** Inserts the events after the stream's head, chained to `previous`, the head's hash (null for none). */
  #insertEvents(append: PreparedAppend, firstVersion: number, recordedAt: string, previous: string | null): Outcome {
    const { stream, events, json } = append;
    const hashes = chainHashes(
      previous,
      events.map((event, i) => ({
        stream,
        version: firstVersion + i,
        id: event.id,
        type: event.type,
        metadata: json[2 * i]!,
        data: json[2 * i + 1]!,
      })),
    );
    let position = 0;
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!;
      const { lastInsertRowid } = this.#insert.run(
        stream,
        firstVersion + i,
        event.id,
        event.type,
        recordedAt,
        json[2 * i]!,
        json[2 * i + 1]!,
        hashes[i]!,
      );
      position = Number(lastInsertRowid);
    }
    return {
      result: { stream, nextExpectedVersion: firstVersion + events.length - 1, position, duplicate: false },
      hash: hashes.at(-1) ?? previous,
    };
  }

  #query<Row>(operation: string, statement: StatementSync, ...parameters: SQLInputValue[]): Row[] {
    try {
      return statement.all(...parameters) as unknown as Row[];
    } catch (error) {
      throw translateSqliteError(error, operation);
    }
  }

  #arrays(sql: string): StatementSync {
    const statement = this.#database.prepare(sql);
    statement.setReturnArrays(true);
    return statement;
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreError('EVENT_STORE.CLOSED', 'the event store is closed', false);
  }
}

/**
 * The embedded event store: one SQLite file, safe to share between store instances and processes
 * (appends serialise on SQLite's write lock and check versions inside it).
 */
export function createSqliteEventStore(options: SqliteEventStoreOptions): SqliteEventStore {
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(pollIntervalMs > 0)) throw invalidArgument('pollIntervalMs must be positive');
  let database: DatabaseSync;
  try {
    database = openSqlite(options.path, {
      pageCacheMiB: STORE_PAGE_CACHE_MIB,
      ...(options.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: options.busyTimeoutMs }),
    });
  } catch (error) {
    throw translateSqliteError(error, 'open');
  }
  try {
    migrateEventSchema(database);
    return new SqliteEventStoreAdapter(database, options.clock ?? (() => new Date()), pollIntervalMs);
  } catch (error) {
    database.close();
    throw translateSqliteError(error, 'open');
  }
}
