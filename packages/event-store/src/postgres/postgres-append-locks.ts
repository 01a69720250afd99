/**
 * Above this many streams in one call, the call locks the whole store instead of each stream: advisory
 * locks live in a shared table sized by max_locks_per_transaction × max_connections (6,400 by
 * default), which a few bulk loads locking thousands of streams each could exhaust.
 */
export const MAX_STREAM_LOCKS = 256;

/**
 * The locks an append takes, all PostgreSQL advisory locks keyed by a 64-bit hash of a name that
 * starts with the schema (schemas never contend; a hash collision only makes two streams wait for
 * each other).
 *
 * - Stream locks (transaction-scoped, exclusive, one per stream the call names, guards included):
 *   while a transaction holds them, no one else appends to those streams. That makes an empty append a
 *   real guard (a decision made on a stale read never commits), keeps expected-version checks true
 *   until the commit, and makes each stream's versions commit in order. They are taken in name order,
 *   in one statement, so two appends never wait for each other in a cycle.
 * - The gate (transaction-scoped): every append takes it shared before its stream locks; a call with
 *   more than MAX_STREAM_LOCKS streams takes it exclusively instead, and no stream lock.
 * - The position lock (session-scoped, so it can be let go before the commit): held by the INSERT
 *   statement from before its first row to after its last, always after the stream locks. It is the
 *   write half of gap-safe reading; see `postgres-event-store.ts` for why, and why it is not held
 *   until the commit.
 */
export class AppendLocks {
  readonly #schema: string;

  constructor(schema: string) {
    this.#schema = schema;
  }

  /** The parameters of `TAKE_STREAM_LOCKS` for these streams, sorted by name. */
  streamLocks(sortedStreams: readonly string[]): [keys: string[], exclusiveGate: boolean] {
    const gate = `${this.#schema}:gate`;
    if (sortedStreams.length > MAX_STREAM_LOCKS) return [[gate], true];
    return [[gate, ...sortedStreams.map((stream) => `${this.#schema}:stream:${stream}`)], false];
  }

  get positionLockKey(): string {
    return `${this.#schema}:positions`;
  }
}

/**
 * SQL taking the gate and stream locks named by a text[] parameter (the gate first) and a boolean
 * one (take the gate exclusively). The executor evaluates the CASE row by row as unnest produces them,
 * so the locks are taken in array order.
 */
export const takeStreamLocks = (keys: string, exclusiveGate: string): string =>
  `SELECT CASE WHEN k.n > 1 OR ${exclusiveGate} THEN pg_advisory_xact_lock(hashtextextended(k.key, 0))
               ELSE pg_advisory_xact_lock_shared(hashtextextended(k.key, 0)) END AS taken
   FROM unnest(${keys}::text[]) WITH ORDINALITY AS k(key, n)`;
