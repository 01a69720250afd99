import { delay, retry } from '@tickets/retry';
import type { ChainedEvent } from '../chain/event-hash.js';
import { CommitSignal } from '../commit-signal.js';
import { EventStoreError } from '../errors.js';
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
  assertStreamName,
  countOption,
  invalidArgument,
  pageOption,
  positionOption,
  streamPrefixesOption,
  streamRangeOption,
} from '../validate-arguments.js';
import { AppendLocks } from './postgres-append-locks.js';
import { prepareAppend } from './postgres-append-plan.js';
import type { PreparedAppend } from './postgres-append-plan.js';
import { PostgresAppender } from './postgres-appender.js';
import { CommitListener } from './postgres-commit-listener.js';
import { isConnectionFailure, translatePostgresError } from './postgres-error.js';
import { eventStatements } from './postgres-event-statements.js';
import type { EventStatements, Statement } from './postgres-event-statements.js';
import { migrateEventSchema } from './postgres-event-schema.js';
import { commitChannel, DEFAULT_SCHEMA, quotedSchema } from './postgres-identifiers.js';
import { openPostgresPool, uniqueApplicationName } from './postgres-pool.js';
import type { PostgresPool } from './postgres-pool.js';

/*
 * Gap-safe reading of "all events after position N"
 * ================================================
 * Positions come from a sequence when a row is inserted, but transactions commit in their own order:
 * T1 takes position 10, T2 takes 11 and commits first. A reader that sees 11 and moves its cursor past
 * it would never read 10 once T1 commits. The reader must hand out a position only when every
 * transaction that could still commit a lower one has ended.
 *
 * The rule: each row records its transaction id (`tx`, xid8); a reader returns a row only if
 * `tx < pg_snapshot_xmin(pg_current_snapshot())`, i.e. its transaction is older than the oldest one still
 * running. Such a row is "settled": every transaction with a smaller id has ended, so its rows are
 * visible now or never will be.
 *
 * That alone is not enough, because xid order and position order can differ: an id is given at a
 * transaction's first write, a position at each insert. R gets xid 99, T gets xid 100 and inserts
 * position 10, R then inserts position 11 and commits while T runs: 11 is settled (99 < xmin = 100),
 * 10 is not yet visible, and is skipped. Even within one INSERT the identity default runs before the
 * row is written (when the xid is given), so two concurrent INSERTs can interleave the same way. Hence
 * the write half: an append's one INSERT statement takes a session advisory lock (the position lock,
 * `AppendLocks`) before its first row and lets it go after its last. The transaction has written
 * nothing before (stream locks and reads give it no xid), so both its xid and all its positions are
 * given inside the lock, and since these sections do not overlap, xid order equals position order
 * across appends. Then for a settled row R and any transaction T not settled: R.tx < xmin <= T.tx, so
 * T's section came after R's and all of T's positions are higher. The settled rows are a prefix, in
 * position order, of every row that will ever commit, and reading them never skips one. (The test
 * "many concurrent writers…" fails within a few runs without the lock: the xid rule alone skips events.)
 *
 * Why not hold the lock until the commit: that also fixes the order, but serialises every commit with
 * its WAL flush; released inside the INSERT statement, the lock is held for no client round trip, and
 * commits (and their flushes) still overlap.
 *
 * Edge cases:
 * - The same snapshot: pg_current_snapshot() returns the statement's own snapshot, so the visible rows
 *   and xmin belong to the same instant; xmin is computed once per statement (an InitPlan).
 * - No transaction running: xmin = the next xid to complete, so every committed row is settled and a
 *   reader sees its own commit at once.
 * - Any transaction with an xid in the whole cluster (another database too, an idle-in-transaction
 *   session, a prepared transaction) holds xmin back: readers stop at the first row written after it
 *   started, until it ends. Nothing is skipped; readers lag. `readAll` and `headPosition` wait briefly
 *   (SETTLE_WAIT_MS) for such a transaction before answering with the settled prefix; subscribers retry soon.
 * - Read-only transactions and our own stream locks take no xid, so they never hold readers back.
 * - Aborted transactions leave holes in the positions (sequences do not roll back): positions are
 *   increasing, not dense.
 * - xid8 is 64-bit and never wraps around, and `tx` is plain data: VACUUM freezing rows leaves it as is.
 * - Every writer must go through this adapter: a plain INSERT into `events` skips the position lock.
 *   (A stream's own versions need none of this: the stream lock orders its commits.)
 *
 * Notification: an append NOTIFYs the schema's channel inside its transaction (delivered at commit).
 * PostgreSQL serialises the commits of notifying transactions (a global lock held across the commit's
 * WAL flush), so with many concurrent writers `notify: 'after-commit'` sends it from a separate, tiny
 * transaction after the commit instead (coalesced; a notification lost in a crash only delays
 * subscribers until their next poll).
 */

export interface PostgresEventStoreOptions {
  /** `postgres://user@host:port/database`. The LISTEN connection always uses it, even with `pool`. */
  readonly url: string;
  /** Schema holding the tables; created if missing. Default `tickets`. */
  readonly schema?: string;
  /** The caller's pool: kept open by `close()`, and its 'error' events stay the caller's to handle. */
  readonly pool?: PostgresPool;
  /** How often a subscriber looks for commits when no notification comes. Default 500 ms. */
  readonly pollIntervalMs?: number;
  /** Source of `recorded_at`. */
  readonly clock?: () => Date;
  /** Size of the pool this store opens (not used with `pool`). Default 10. */
  readonly maxConnections?: number;
  /** Shows in `pg_stat_activity`; default `tickets-event-store-<random>`, unique per instance. */
  readonly applicationName?: string;
  /** When the append NOTIFYs subscribers. Default `in-transaction` (see above). */
  readonly notify?: 'in-transaction' | 'after-commit';
  /** How long a subscription retries an unreachable server before it fails with UNAVAILABLE. Default 30 s. */
  readonly outageLimitMs?: number;
}

export interface PostgresEventStore extends EventStore {
  readonly schema: string;
  /** The `application_name` of this instance's connections (not of a caller's pool). */
  readonly applicationName: string;
  /** True once `close()` was called. */
  readonly closed: boolean;
}

const DEFAULT_POLL_INTERVAL_MS = 500;
const DEFAULT_BATCH_SIZE = 1000;
/** How long `readAll` and `headPosition` wait for a running transaction below visible rows. */
const SETTLE_WAIT_MS = 250;
const DEFAULT_OUTAGE_LIMIT_MS = 30_000;
const INT32_MAX = 2_147_483_647;

/** Rows are read as arrays (no per-row key objects); int8 arrives as a string. */
type EventRow = [
  position: string,
  stream: string,
  version: number,
  id: string,
  type: string,
  metadata: string,
  data: string,
];
/** A readAll row: the settled head, the event (all null when the page is empty), and whether it is settled. */
type PageRow = [head: string | null, ...event: EventRow, settled: boolean];

interface Page {
  readonly events: RecordedEvent[];
  /** Highest settled position of the whole store when the page was read (0 when none). */
  readonly settledHead: number;
  /** The page stopped at a visible row that is not settled yet: more will come soon. */
  readonly blocked: boolean;
}

const toRecordedEvent = (row: EventRow | PageRow, at: number): RecordedEvent => ({
  id: row[at + 3] as string,
  type: row[at + 4] as string,
  data: JSON.parse(row[at + 6] as string),
  metadata: JSON.parse(row[at + 5] as string),
  stream: row[at + 1] as string,
  version: row[at + 2] as number,
  position: Number(row[at]),
});

/** Whether the page's rows come by increasing position (int8 as text: compared as numbers). */
function inPositionOrder(rows: readonly PageRow[]): boolean {
  for (let i = 1; i < rows.length; i++) if (Number(rows[i]![1]) <= Number(rows[i - 1]![1])) return false;
  return true;
}

class PostgresEventStoreAdapter implements PostgresEventStore {
  readonly schema: string;
  readonly applicationName: string;
  readonly #pool: PostgresPool;
  readonly #ownsPool: boolean;
  readonly #pollIntervalMs: number;
  readonly #notifyInTransaction: boolean;
  readonly #outageLimitMs: number;
  readonly #channel: string;
  readonly #appender: PostgresAppender;
  readonly #listener: CommitListener;
  readonly #commits = new CommitSignal();
  readonly #sql: EventStatements;
  #closed = false;
  #notifying = false;
  #notifyAgain = false;

  constructor(options: {
    schema: string;
    applicationName: string;
    url: string;
    pool: PostgresPool;
    ownsPool: boolean;
    clock: () => Date;
    pollIntervalMs: number;
    notifyInTransaction: boolean;
    outageLimitMs: number;
  }) {
    this.schema = options.schema;
    this.applicationName = options.applicationName;
    this.#pool = options.pool;
    this.#ownsPool = options.ownsPool;
    this.#pollIntervalMs = options.pollIntervalMs;
    this.#notifyInTransaction = options.notifyInTransaction;
    this.#outageLimitMs = options.outageLimitMs;
    this.#channel = commitChannel(options.schema);
    this.#sql = eventStatements(options.schema);
    this.#appender = new PostgresAppender({
      pool: options.pool,
      statements: this.#sql,
      locks: new AppendLocks(options.schema),
      clock: options.clock,
      notifyChannel: options.notifyInTransaction ? this.#channel : null,
      isClosed: () => this.#closed,
      onCommitted: () => this.#announceCommit(),
    });
    this.#listener = new CommitListener({
      url: options.url,
      applicationName: options.applicationName,
      channel: this.#channel,
      onCommit: () => this.#commits.notify(),
    });
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
    const [result] = await this.#writeAll([prepareAppend(stream, events, options?.expectedVersion)]);
    return result!;
  }

  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.#assertOpen();
    if (!Array.isArray(appends)) throw invalidArgument('appends must be an array');
    const prepared = appends.map((append) => prepareAppend(append.stream, append.events, append.expectedVersion));
    return prepared.length === 0 ? [] : this.#writeAll(prepared);
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    assertStreamName(stream);
    const { maxCount, backwards, fromVersion: from = backwards ? INT32_MAX : 0 } = streamRangeOption(options);
    if (maxCount === 0) return [];
    // Versions are int4: a larger bound means "all of them", and must not overflow the parameter.
    const rows = await this.#query<EventRow>(
      'readStream',
      backwards ? this.#sql.readBackwards : this.#sql.readForwards,
      [stream, Math.min(from, INT32_MAX), maxCount ?? null],
    );
    return rows.map((row) => toRecordedEvent(row, 0));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    const { after, maxCount } = pageOption(options);
    if (maxCount === 0) return [];
    const prefixes = streamPrefixesOption(options.streamPrefixes);
    // A page cut short by a running transaction is waited for a little, so that a reader sees a
    // commit that already returned to its writer (read-your-writes), unless that transaction is long.
    const deadline = performance.now() + SETTLE_WAIT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      const page = await this.#readPage(after, maxCount, prefixes);
      if (!page.blocked || page.events.length === maxCount || performance.now() >= deadline || this.#closed)
        return page.events;
      await delay(pause);
    }
  }

  subscribeToAll(options: SubscribeOptions = {}): AsyncIterable<readonly RecordedEvent[]> {
    return this.#subscribe(options);
  }

  async headPosition(): Promise<number> {
    this.#assertOpen();
    const deadline = performance.now() + SETTLE_WAIT_MS;
    for (let pause = 1; ; pause = Math.min(pause * 2, 50)) {
      const [row] = await this.#query<[visible: string | null, settled: string | null]>(
        'headPosition',
        this.#sql.head,
        [],
      );
      const settled = Number(row?.[1] ?? 0);
      if ((row?.[0] ?? null) === (row?.[1] ?? null) || performance.now() >= deadline || this.#closed) return settled;
      await delay(pause);
    }
  }

  async readChain(options: ReadChainOptions = {}): Promise<ChainedEvent[]> {
    this.#assertOpen();
    const { after, maxCount } = pageOption(options);
    if (maxCount === 0) return [];
    // Only settled positions: a page never skips a commit that lands below it later.
    const settled = await this.headPosition();
    if (settled <= after) return [];
    type ChainRow = [
      position: string,
      stream: string,
      version: number,
      id: string,
      type: string,
      metadata: string,
      data: string,
      hash: string | null,
    ];
    const rows = await this.#query<ChainRow>('readChain', this.#sql.readChain, [after, settled, maxCount]);
    return rows.map(([position, stream, version, id, type, metadata, data, hash]) => ({
      position: Number(position),
      stream,
      version,
      id,
      type,
      metadata,
      data,
      hash,
    }));
  }

  async streamVersions(streams: readonly string[]): Promise<Map<string, number>> {
    this.#assertOpen();
    for (const stream of streams) assertStreamName(stream);
    const versions = new Map<string, number>();
    if (streams.length === 0) return versions;
    const rows = await this.#query<[string, number]>('streamVersions', this.#sql.heads, [[...new Set(streams)]]);
    for (const [stream, version] of rows) versions.set(stream, version);
    return versions;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#commits.close();
    await this.#listener.close();
    if (this.#ownsPool) await this.#pool.end();
  }

  async *#subscribe(options: SubscribeOptions): AsyncGenerator<readonly RecordedEvent[], void, undefined> {
    const batchSize = countOption('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
    if (batchSize === 0) throw invalidArgument('batchSize must be at least 1');
    const prefixes = streamPrefixesOption(options.streamPrefixes);
    const { signal } = options;
    let after = positionOption('after', options.after);
    if (this.#closed || signal?.aborted) return;
    this.#listener.start();
    let blockedPause = 1;
    let failingSince: number | undefined;
    while (!this.#closed && !signal?.aborted) {
      const seenCommits = this.#commits.sequence;
      let page: Page;
      try {
        page = await this.#readPage(after, batchSize, prefixes);
        failingSince = undefined;
      } catch (error) {
        if (this.#closed || signal?.aborted) return;
        // The cursor is in memory: after an outage the subscription goes on from where it was, with no
        // gap and no repeat. Past the outage limit it fails rather than wait in silence.
        const transient =
          error instanceof EventStoreError && error.code === 'EVENT_STORE.UNAVAILABLE' && error.retriable;
        failingSince ??= performance.now();
        if (!transient || performance.now() - failingSince > this.#outageLimitMs) throw error;
        await this.#commits.wait(this.#commits.sequence, Math.min(this.#pollIntervalMs, 1000), signal);
        continue;
      }
      const last = page.events.at(-1);
      if (last !== undefined) after = last.position;
      // With a filter, a short page proves that nothing up to the settled head is left for us, so the
      // cursor may jump there instead of rescanning other streams' events on each poll.
      if (prefixes !== undefined && !page.blocked && page.events.length < batchSize)
        after = Math.max(after, page.settledHead);
      if (page.events.length > 0) {
        yield page.events;
        if (page.events.length === batchSize) continue;
      }
      // A row waiting to settle usually does within milliseconds (its writer is committing).
      const pause = page.blocked ? Math.min(blockedPause, this.#pollIntervalMs) : this.#pollIntervalMs;
      blockedPause = page.blocked ? Math.min(blockedPause * 2, 100) : 1;
      await this.#commits.wait(seenCommits, pause, signal);
    }
  }

  /** One page of settled events after `after`, in position order; see the comment at the top. */
  async #readPage(after: number, maxCount: number, prefixes: readonly string[] | undefined): Promise<Page> {
    const statement = prefixes === undefined ? this.#sql.readAll : this.#sql.readAllWithPrefixes(prefixes.length);
    const rows = await this.#query<PageRow>(
      'readAll',
      statement,
      prefixes === undefined ? [after, maxCount] : [after, maxCount, ...prefixes],
    );
    if (!inPositionOrder(rows)) rows.sort((a, b) => Number(a[1]) - Number(b[1]));
    const events: RecordedEvent[] = [];
    let blocked = false;
    for (const row of rows) {
      if (row[1] === null) break;
      if (!row[8]) {
        blocked = true;
        break;
      }
      events.push(toRecordedEvent(row, 1));
    }
    return { events, settledHead: Number(rows[0]?.[0] ?? 0), blocked };
  }

  /** All appends of one call, atomically (see `PostgresAppender`). */
  async #writeAll(appends: readonly PreparedAppend[]): Promise<AppendResult[]> {
    try {
      return await this.#appender.append(appends);
    } catch (error) {
      throw this.#translate(error, 'append');
    }
  }

  /** Wakes this process's subscribers at once, and (after-commit mode) the other processes' too. */
  #announceCommit(): void {
    this.#commits.notify();
    if (this.#notifyInTransaction || this.#closed) return;
    // Coalesced: while one notification is on its way, further commits only ask for one more.
    if (this.#notifying) {
      this.#notifyAgain = true;
      return;
    }
    this.#notifying = true;
    void (async () => {
      try {
        do {
          this.#notifyAgain = false;
          await this.#pool.query({ ...this.#sql.notify, values: [this.#channel] });
        } while (this.#notifyAgain && !this.#closed);
      } catch {
        // Subscribers elsewhere find the commit on their next poll.
      } finally {
        this.#notifying = false;
      }
    })();
  }

  /** A read through the pool; a connection found dead is replaced once, since reading again is harmless. */
  async #query<Row extends unknown[]>(operation: string, statement: Statement, values: unknown[]): Promise<Row[]> {
    try {
      const result = await retry(() => this.#pool.query<Row>({ ...statement, values, rowMode: 'array' }), {
        attempts: 2,
        retriable: (error) => isConnectionFailure(error) && !this.#closed,
      });
      return result.rows;
    } catch (error) {
      throw this.#translate(error, operation);
    }
  }

  #translate(error: unknown, operation: string): unknown {
    if (this.#closed && !(error instanceof EventStoreError)) {
      return new EventStoreError('EVENT_STORE.CLOSED', `${operation}: the event store was closed`, false, {
        cause: error,
      });
    }
    return translatePostgresError(error, operation);
  }

  #assertOpen(): void {
    if (this.#closed) throw new EventStoreError('EVENT_STORE.CLOSED', 'the event store is closed', false);
  }
}

/**
 * The PostgreSQL event store. Creates or upgrades its schema first (safe when several processes start
 * at once). Several instances and processes may share one database: appends serialise per stream on
 * advisory locks and check versions under them; readers only ever see gap-free positions.
 */
export async function createPostgresEventStore(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
  const schema = options.schema ?? DEFAULT_SCHEMA;
  quotedSchema(schema);
  if (typeof options.url !== 'string' || options.url === '')
    throw invalidArgument('url must be a postgres:// connection string');
  const pollIntervalMs = options.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(pollIntervalMs > 0)) throw invalidArgument('pollIntervalMs must be positive');
  const notify = options.notify ?? 'in-transaction';
  if (notify !== 'in-transaction' && notify !== 'after-commit')
    throw invalidArgument(`notify must be in-transaction or after-commit, got ${String(notify)}`);
  const outageLimitMs = options.outageLimitMs ?? DEFAULT_OUTAGE_LIMIT_MS;
  if (!(outageLimitMs >= 0)) throw invalidArgument('outageLimitMs must not be negative');
  const applicationName = options.applicationName ?? uniqueApplicationName('tickets-event-store');
  const pool =
    options.pool ??
    openPostgresPool({
      url: options.url,
      applicationName,
      ...(options.maxConnections === undefined ? {} : { maxConnections: options.maxConnections }),
    });
  try {
    await migrateEventSchema(pool, schema);
  } catch (error) {
    if (options.pool === undefined) await pool.end().catch(() => undefined);
    throw translatePostgresError(error, 'open');
  }
  return new PostgresEventStoreAdapter({
    schema,
    applicationName,
    url: options.url,
    pool,
    ownsPool: options.pool === undefined,
    clock: options.clock ?? (() => new Date()),
    pollIntervalMs,
    notifyInTransaction: notify === 'in-transaction',
    outageLimitMs,
  });
}
