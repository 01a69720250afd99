import type pg from 'pg';
import { retry } from '@tickets/retry';
import type { AppendResult } from '../event-store.port.js';
import type { AppendLocks } from './postgres-append-locks.js';
import { needsStoredIds, planAppends } from './postgres-append-plan.js';
import type { AppendPlan, PositionSource, PreparedAppend, StoredId, StreamHead } from './postgres-append-plan.js';
import { isConnectionFailure, isRetriableTransactionFailure } from './postgres-error.js';
import type { EventStatements } from './postgres-event-statements.js';
import { checkOut } from './postgres-pool.js';
import type { Connection, PostgresPool } from './postgres-pool.js';

export interface AppenderOptions {
  readonly pool: PostgresPool;
  readonly statements: EventStatements;
  readonly locks: AppendLocks;
  readonly clock: () => Date;
  /** The channel to NOTIFY inside the append's transaction, or null to notify some other way. */
  readonly notifyChannel: string | null;
  readonly isClosed: () => boolean;
  /** Called after a commit that wrote events. */
  readonly onCommitted: () => void;
}

/** Attempts of an append whose transaction PostgreSQL rolled back as a whole (deadlock and the like). */
const MAX_TRANSACTION_ATTEMPTS = 5;
/** Versions are int4: a larger expected version cannot hold, and the long way says so. */
const INT32_MAX = 2_147_483_647;

/** Stream heads remembered for chaining: dropped all at once at the bound (simpler than an LRU, costs a read per stream after). */
const TIP_CACHE_LIMIT = 100_000;

/** What a statement that inserted rows reports: positions, streams and versions, in position order. */
type Inserted = [positions: string[] | null, streams: string[] | null, versions: number[] | null];

/**
 * Writes the appends of one call, atomically, with the same decisions as the SQLite adapter, in one of
 * two ways:
 * - the short way, one statement in its own transaction, when every append has events and an exact
 *   expected version (what command handlers and batch writers send): it locks the streams, checks that
 *   each head is the one expected, and inserts (see `fastAppend` in the statements);
 * - the long way otherwise, or when the short way finds a head moved: BEGIN, stream locks, read the
 *   heads (and, to tell a repeat from a conflict, the stored ids), decide, insert, COMMIT.
 */
export class PostgresAppender {
  readonly #options: AppenderOptions;
  /**
   * The chain hash of the last event this appender wrote or read on each stream, by revision: an
   * append expecting revision N chains to the hash of the event at N, which never changes once
   * committed, so a remembered one saves a read on the short way.
   */
  readonly #tips = new Map<string, { readonly version: number; readonly hash: string | null }>();

  constructor(options: AppenderOptions) {
    this.#options = options;
  }

  /**
   * A transaction PostgreSQL rolled back as a whole is run again; so is one whose connection failed
   * before anything that could commit was sent (a dead pooled connection). A connection lost while a
   * commit may be under way leaves the outcome unknown: the error is a retriable UNAVAILABLE, and
   * appending the same events again is safe (it reports a duplicate if the first attempt committed).
   */
  async append(appends: readonly PreparedAppend[]): Promise<AppendResult[]> {
    const streams = [...new Set(appends.map((append) => append.stream))].sort();
    let short = appends.every(
      (append) =>
        append.events.length > 0 &&
        (append.expected === 'no_stream' || (typeof append.expected === 'number' && append.expected < INT32_MAX)),
    );
    // Set by a failed attempt: whether running it again is safe and may help.
    let again = false;
    return retry(
      async (attempt) => {
        again = false;
        const connection = await checkOut(this.#options.pool);
        // The position lock is session state: a connection that may hold it is unlocked (or closed) before it is pooled again.
        const state = { mayHoldPositionLock: false, maybeCommitted: false };
        try {
          if (short) {
            const done = await this.#appendShort(connection.client, appends, streams, state);
            short = false;
            if (done !== undefined) {
              connection.release(false);
              this.#remember(done.plan);
              this.#options.onCommitted();
              return done.results;
            }
          }
          const { results, wrote, plan } = await this.#appendLong(connection.client, appends, streams, state);
          this.#remember(plan);
          connection.release(false);
          if (wrote) this.#options.onCommitted();
          return results;
        } catch (error) {
          short = false;
          await this.#cleanUp(connection, error, state);
          again = isConnectionFailure(error)
            ? !state.maybeCommitted && attempt === 1
            : isRetriableTransactionFailure(error);
          throw error;
        }
      },
      { attempts: MAX_TRANSACTION_ATTEMPTS, retriable: () => again && !this.#options.isClosed() },
    );
  }

  /** The short way; undefined when the guess that every head is the expected one was wrong. */
  async #appendShort(
    client: pg.ClientBase,
    appends: readonly PreparedAppend[],
    streams: readonly string[],
    state: { mayHoldPositionLock: boolean; maybeCommitted: boolean },
  ): Promise<{ results: AppendResult[]; plan: AppendPlan } | undefined> {
    // The version each stream is expected at by the first append naming it; -1 for none.
    const expected = new Map<string, number>();
    for (const append of appends) {
      if (!expected.has(append.stream))
        expected.set(append.stream, typeof append.expected === 'number' ? append.expected : -1);
    }
    const hashes = await this.#hashesAt(client, expected);
    const guessed = new Map<string, StreamHead>();
    for (const [stream, version] of expected)
      if (version >= 0) guessed.set(stream, { version, position: Number.NaN, hash: hashes.get(stream) ?? null });
    let plan: AppendPlan;
    try {
      plan = planAppends(appends, guessed, new Map());
    } catch {
      // A conflict or a repeat, if the guess is right: the long way tells which, from what is stored.
      return undefined;
    }
    if (plan.rows.length === 0 || plan.results.some((result) => 'stored' in result.position)) return undefined;

    const [keys, exclusiveGate] = this.#options.locks.streamLocks(streams);
    state.mayHoldPositionLock = true;
    state.maybeCommitted = true;
    const { rows } = await client.query<[moved: number, ...Inserted]>({
      ...this.#options.statements.fastAppend,
      values: [
        keys,
        exclusiveGate,
        this.#options.locks.positionLockKey,
        // In name order, as the index holds them.
        streams,
        streams.map((stream) => expected.get(stream)!),
        ...columnsOf(plan),
        this.#options.clock().toISOString(),
        this.#options.notifyChannel,
      ],
      rowMode: 'array',
    });
    state.mayHoldPositionLock = false;
    const [moved, ...inserted] = rows[0]!;
    if (moved > 0) return undefined;
    return { results: resultsOf(plan, positionsOf(plan, inserted)), plan };
  }

  /**
   * The chain hash of the event at each expected revision (-1: none, a new stream): remembered, or
   * read in one query. A revision with no event leaves its stream out; the append's check then fails.
   */
  async #hashesAt(client: pg.ClientBase, expected: ReadonlyMap<string, number>): Promise<Map<string, string | null>> {
    const hashes = new Map<string, string | null>();
    const missing: [streams: string[], versions: number[]] = [[], []];
    for (const [stream, version] of expected) {
      if (version < 0) continue;
      const tip = this.#tips.get(stream);
      if (tip?.version === version) hashes.set(stream, tip.hash);
      else {
        missing[0].push(stream);
        missing[1].push(version);
      }
    }
    if (missing[0].length > 0) {
      const { rows } = await client.query<[string, string | null]>({
        ...this.#options.statements.hashesAt,
        values: missing,
        rowMode: 'array',
      });
      for (const [stream, hash] of rows) hashes.set(stream, hash);
    }
    return hashes;
  }

  /** The heads a committed plan leaves, for the next append's chain. */
  #remember(plan: AppendPlan): void {
    if (plan.rows.length === 0) return;
    if (this.#tips.size + plan.rows.length > TIP_CACHE_LIMIT) this.#tips.clear();
    for (const row of plan.rows) this.#tips.set(row.stream, { version: row.version, hash: row.hash });
  }

  /** The long way: one explicit transaction that reads the heads under the stream locks. */
  async #appendLong(
    client: pg.ClientBase,
    appends: readonly PreparedAppend[],
    streams: readonly string[],
    state: { mayHoldPositionLock: boolean; maybeCommitted: boolean },
  ): Promise<{ results: AppendResult[]; wrote: boolean; plan: AppendPlan }> {
    state.maybeCommitted = false;
    await client.query('BEGIN');
    await client.query({
      ...this.#options.statements.lockStreams,
      values: this.#options.locks.streamLocks(streams),
      rowMode: 'array',
    });
    const plan = await this.#plan(client, appends, streams);
    let positions: number[] = [];
    if (plan.rows.length > 0) {
      state.mayHoldPositionLock = true;
      const { rows } = await client.query<Inserted>({
        ...this.#options.statements.insert,
        values: [
          ...columnsOf(plan),
          this.#options.clock().toISOString(),
          this.#options.locks.positionLockKey,
          this.#options.notifyChannel,
        ],
        rowMode: 'array',
      });
      state.mayHoldPositionLock = false;
      positions = positionsOf(plan, rows[0]!);
    }
    state.maybeCommitted = true;
    await client.query('COMMIT');
    return { results: resultsOf(plan, positions), wrote: plan.rows.length > 0, plan };
  }

  /** Reads the heads (under the stream locks) and, when a repeat must be told from a conflict, the stored ids. */
  async #plan(
    client: pg.ClientBase,
    appends: readonly PreparedAppend[],
    streams: readonly string[],
  ): Promise<AppendPlan> {
    const heads = new Map<string, StreamHead>();
    const { rows } = await client.query<[string, number, string, string | null]>({
      ...this.#options.statements.heads,
      values: [streams],
      rowMode: 'array',
    });
    for (const [stream, version, position, hash] of rows)
      heads.set(stream, { version, position: Number(position), hash });

    const storedIds = new Map<number, StoredId[]>();
    const lookup: [streams: string[], ids: string[], appendIndexes: number[]] = [[], [], []];
    appends.forEach((append, index) => {
      if (!needsStoredIds(append, heads.get(append.stream))) return;
      storedIds.set(index, []);
      for (const event of append.events) {
        lookup[0].push(append.stream);
        lookup[1].push(event.id);
        lookup[2].push(index);
      }
    });
    if (lookup[0].length > 0) {
      const found = await client.query<[number, string, number, string]>({
        ...this.#options.statements.storedIds,
        values: lookup,
        rowMode: 'array',
      });
      for (const [index, id, version, position] of found.rows)
        storedIds.get(index)!.push({ id, version, position: Number(position) });
    }
    return planAppends(appends, heads, storedIds);
  }

  /**
   * Rolls back, lets the position lock go if the failed statement may have taken it (a unique
   * violation inside the INSERT, say), and pools the connection again; a broken connection, or one
   * that fails to clean up, is closed instead (the server then frees its locks).
   */
  async #cleanUp(connection: Connection, error: unknown, state: { mayHoldPositionLock: boolean }): Promise<void> {
    if (isConnectionFailure(error)) {
      connection.release(true);
      return;
    }
    try {
      // Outside a transaction (the one-statement way), ROLLBACK only warns.
      await connection.client.query('ROLLBACK');
      if (state.mayHoldPositionLock) {
        await connection.client.query('SELECT pg_advisory_unlock(hashtextextended($1, 0))', [
          this.#options.locks.positionLockKey,
        ]);
      }
      connection.release(false);
    } catch {
      connection.release(true);
    }
  }
}

/** The plan's rows as the parallel arrays the INSERT unnests: stream, version, id, type, metadata, data, hash. */
function columnsOf(plan: AppendPlan): [string[], number[], string[], string[], string[], string[], string[]] {
  const columns: [string[], number[], string[], string[], string[], string[], string[]] = [[], [], [], [], [], [], []];
  for (const row of plan.rows) {
    columns[0].push(row.stream);
    columns[1].push(row.version);
    columns[2].push(row.id);
    columns[3].push(row.type);
    columns[4].push(row.metadata);
    columns[5].push(row.data);
    columns[6].push(row.hash);
  }
  return columns;
}

/**
 * The positions of the plan's rows, in row order. Inside the position lock, positions are given in the
 * order the rows were sent, so sorted by position they are the rows in order; (stream, version) is
 * unique, so matching every one proves it.
 */
function positionsOf(plan: AppendPlan, [positions, streams, versions]: Inserted): number[] {
  const { rows } = plan;
  if (
    positions?.length !== rows.length ||
    rows.some((row, i) => row.stream !== streams?.[i] || row.version !== versions?.[i])
  ) {
    throw new Error('the inserted rows did not get their positions in the order they were sent');
  }
  return positions.map(Number);
}

function resultsOf(plan: AppendPlan, positions: readonly number[]): AppendResult[] {
  const positionOf = (source: PositionSource): number => ('stored' in source ? source.stored : positions[source.row]!);
  return plan.results.map((result) => ({
    stream: result.stream,
    nextExpectedVersion: result.nextExpectedVersion,
    position: positionOf(result.position),
    duplicate: result.duplicate,
  }));
}
