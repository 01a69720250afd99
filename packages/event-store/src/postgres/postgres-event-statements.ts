import { takeStreamLocks } from './postgres-append-locks.js';
import { quotedSchema } from './postgres-identifiers.js';

export interface Statement {
  readonly name: string;
  readonly text: string;
}

export const EVENT_COLUMNS = 'position, stream, version, id, type, metadata, data';

/**
 * The event store's SQL, as named statements: each connection parses and plans them once. Names carry
 * the schema, so stores on different schemas can share a pool.
 */
export function eventStatements(schema: string) {
  const events = `${quotedSchema(schema)}.events`;
  const named = (key: string, text: string): Statement => ({ name: `tes_${schema}_${key}`, text });
  // The oldest running transaction, once per statement, from the statement's own snapshot.
  const xmin = '(SELECT pg_snapshot_xmin(pg_current_snapshot()))';

  // A page of events after $1 (at most $2) with, per row, whether it is settled, and the settled head
  // of the whole store, all from one snapshot. The LEFT JOIN keeps one row when the page is empty; its
  // one outer row makes the rows come in the inner index order, so no sort is asked for (the reader
  // checks the order anyway).
  const readPage = (key: string, filter: string): Statement =>
    named(
      key,
      `SELECT h.head, e.position, e.stream, e.version, e.id, e.type, e.metadata, e.data, e.tx < h.xmin
       FROM (SELECT x.xmin, (SELECT position FROM ${events} WHERE tx < x.xmin ORDER BY position DESC LIMIT 1) AS head
             FROM (SELECT ${xmin} AS xmin) x) h
       LEFT JOIN LATERAL (
         SELECT ${EVENT_COLUMNS}, tx FROM ${events} WHERE position > $1${filter} ORDER BY position LIMIT $2
       ) e ON true`,
    );
  const byPrefixes = new Map<number, Statement>();

  // The rows to insert, as seven parallel arrays from parameter $first on: stream, version, id, type,
  // metadata, data, hash.
  const rowsFrom = (first: number): string => {
    const p = (offset: number): string => `$${first + offset}`;
    return `unnest(${p(0)}::text[], ${p(1)}::int[], ${p(2)}::text[], ${p(3)}::text[], ${p(4)}::text[], ${p(5)}::text[], ${p(6)}::text[])
            AS r(stream, version, id, type, metadata, data, hash)`;
  };
  const insertColumns = `INSERT INTO ${events} (stream, version, id, type, recorded_at, metadata, data, hash)`;

  // The position lock is taken by a CTE that every inserted row joins, so before the first row gets its
  // position (and the transaction its xid). The outer query joins that CTE (taken once, whatever
  // happens) with an aggregate over every inserted row, so the unlock in its projection runs after the
  // last one. If the statement fails half-way the lock stays with the session: the caller then unlocks
  // it, or drops the connection. `notify` (text, or null for none) is the channel to NOTIFY when rows
  // were inserted.
  interface Section {
    readonly lockKey: string;
    readonly recordedAt: string;
    readonly firstRow: number;
    readonly notify: string;
    /** CTEs to run to their end before the position lock is asked for: locks to take, checks to make. */
    readonly after?: readonly string[];
    /** Inserts nothing unless this holds. */
    readonly onlyIf?: string;
    /** Leading result columns. */
    readonly report?: string;
  }
  const section = (options: Section): string =>
    `position_lock AS MATERIALIZED (
       SELECT pg_advisory_lock(hashtextextended(${options.lockKey}, 0)) AS taken
       ${options.after === undefined ? '' : `FROM ${options.after.map((cte, i) => `(SELECT count(*) FROM ${cte}) before_${i}`).join(', ')}`}),
     inserted AS (
       ${insertColumns}
       SELECT r.stream, r.version, r.id, r.type, ${options.recordedAt}::timestamptz, r.metadata, r.data, r.hash
       FROM position_lock, ${rowsFrom(options.firstRow)}
       ${options.onlyIf === undefined ? '' : `WHERE ${options.onlyIf}`}
       RETURNING position, stream, version)
     SELECT ${options.report ?? ''} a.positions, a.streams, a.versions, pg_advisory_unlock(hashtextextended(${options.lockKey}, 0)),
            CASE WHEN a.n > 0 AND ${options.notify}::text IS NOT NULL THEN pg_notify(${options.notify}, '') END
     FROM position_lock,
          (SELECT count(*) AS n, array_agg(position ORDER BY position) AS positions,
                  array_agg(stream ORDER BY position) AS streams, array_agg(version ORDER BY position) AS versions
           FROM inserted) a`;

  return {
    readForwards: named(
      'rf',
      `SELECT ${EVENT_COLUMNS} FROM ${events} WHERE stream = $1 AND version >= $2 ORDER BY version LIMIT $3`,
    ),
    readBackwards: named(
      'rb',
      `SELECT ${EVENT_COLUMNS} FROM ${events} WHERE stream = $1 AND version <= $2 ORDER BY version DESC LIMIT $3`,
    ),
    readAll: readPage('ra', ''),
    readAllWithPrefixes(count: number): Statement {
      let statement = byPrefixes.get(count);
      if (statement === undefined) {
        const matches = Array.from({ length: count }, (_, i) => `starts_with(stream, $${i + 3})`).join(' OR ');
        statement = readPage(`ra${count}`, ` AND (${matches})`);
        byPrefixes.set(count, statement);
      }
      return statement;
    },
    /** The last visible position and the last settled one. */
    head: named(
      'hd',
      `SELECT (SELECT position FROM ${events} ORDER BY position DESC LIMIT 1),
              (SELECT position FROM ${events} WHERE tx < ${xmin} ORDER BY position DESC LIMIT 1)`,
    ),
    /** The last event of each stream of $1 that exists: stream, version, position, chain hash. */
    heads: named(
      'hs',
      `SELECT s.stream, h.version, h.position, h.hash FROM unnest($1::text[]) AS s(stream)
       CROSS JOIN LATERAL (SELECT version, position, hash FROM ${events} e WHERE e.stream = s.stream ORDER BY version DESC LIMIT 1) h`,
    ),
    /**
     * The chain hashes of the events at (stream $1, revision $2): what appends expecting those revisions
     * chain to. A stored event never changes, so this needs no lock; a missing row means the append
     * cannot hold, which its own check finds.
     */
    hashesAt: named(
      'ha',
      `SELECT e.stream, e.hash FROM unnest($1::text[], $2::int[]) AS q(stream, version)
       JOIN ${events} e ON e.stream = q.stream AND e.version = q.version`,
    ),
    /** Events with their chain hashes after position $1, up to the settled head $2, at most $3. */
    readChain: named(
      'rc',
      `SELECT ${EVENT_COLUMNS}, hash FROM ${events} WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`,
    ),
    /** Stored events whose (stream, id) is in ($1, $2), tagged with the append index $3 they were asked for. */
    storedIds: named(
      'si',
      `SELECT q.n, e.id, e.version, e.position FROM unnest($1::text[], $2::text[], $3::int[]) AS q(stream, id, n)
       JOIN ${events} e ON e.stream = q.stream AND e.id = q.id`,
    ),
    /** Stream locks for the rest of the transaction: keys $1, exclusive gate $2. */
    lockStreams: named('lk', takeStreamLocks('$1', '$2')),
    /**
     * Inside a transaction that holds its stream locks and has checked its heads: rows $1–$7,
     * recorded_at $8, position lock key $9, channel $10.
     */
    insert: named('in', `WITH ${section({ lockKey: '$9', recordedAt: '$8', firstRow: 1, notify: '$10' })}`),
    /**
     * The whole append in one statement (and its own transaction), for calls whose every append has
     * events and an exact expected version: stream locks ($1 keys, $2 exclusive gate), then the check
     * that each stream's head is still the expected one ($4 streams, $5 versions, -1 for none), then the
     * insert (rows $6–$12, recorded_at $13) inside the position lock ($3), NOTIFY on $14. Nothing is
     * inserted if a head moved: `moved` says how many did, and the caller decides again the long way.
     *
     * The check reads the statement's snapshot, taken before the stream locks were granted, so it may
     * miss a writer that committed in between; that writer then holds the very (stream, version) this
     * statement inserts, and the unique index refuses it. An empty append (a guard) cannot be checked
     * that way, which is why guards take the other path.
     */
    fastAppend: named(
      'fa',
      `WITH stream_locks AS MATERIALIZED (${takeStreamLocks('$1', '$2')}),
       moved AS MATERIALIZED (
         SELECT x.stream FROM unnest($4::text[], $5::int[]) AS x(stream, expected)
         WHERE x.expected <> coalesce((SELECT max(e.version) FROM ${events} e WHERE e.stream = x.stream), -1)),
       ${section({
         lockKey: '$3',
         recordedAt: '$13',
         firstRow: 6,
         notify: '$14',
         // The check runs before the position lock, so that the lock is held for the insert alone.
         after: ['stream_locks', 'moved'],
         onlyIf: 'NOT EXISTS (SELECT 1 FROM moved)',
         report: '(SELECT count(*) FROM moved)::int,',
       })}`,
    ),
    notify: named('nt', `SELECT pg_notify($1, '')`),
  };
}

export type EventStatements = ReturnType<typeof eventStatements>;
