import { DatabaseSync } from 'node:sqlite';
import type { EventMetadata, Json, RecordedEvent } from '@tickets/event-store';

/**
 * The event table layouts this reader knows (the SQLite adapter's `PRAGMA user_version`). 2 added the
 * chain hash, which verify reads: the adapter adds it when it opens a file, as verify's store does first.
 */
const KNOWN_SCHEMAS = new Set<unknown>([1, 2]);

/** Whether the file is a SQLite event store this reader knows. */
export function isKnownSqliteStore(path: string): boolean {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    return KNOWN_SCHEMAS.has(db.prepare('PRAGMA user_version').get()?.['user_version']);
  } finally {
    db.close();
  }
}

/**
 * A stored event read straight from an events table (a SQLite file, or PostgreSQL for verify), its
 * data parsed only when asked for: re-decision compares most events by their stored JSON text and
 * never needs their parsed data.
 */
export class StoredEvent implements RecordedEvent {
  #data: Json | undefined;

  constructor(
    readonly position: number,
    readonly stream: string,
    readonly version: number,
    readonly id: string,
    readonly type: string,
    readonly metadata: EventMetadata,
    /** The data as stored: JSON text. */
    readonly raw: string,
  ) {}

  get data(): Json {
    return (this.#data ??= JSON.parse(this.raw) as Json);
  }
}

/** An event table row as both direct readers select it. */
export type EventRow = [
  position: number,
  stream: string,
  version: number,
  id: string,
  type: string,
  metadata: string,
  data: string,
];

/** An event table row with its chain hash, as the sharded verify reads it. */
export type ChainedRow = [...EventRow, hash: string | null];

/**
 * The rows at `positions` (ascending), in that order, read back a group at a time: how each verify
 * shard reads its customers' rows without scanning anyone else's.
 */
export function* sqliteRowGroupsAt(path: string, positions: Float64Array, group: number): Generator<ChainedRow[]> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const select = db.prepare(
      `SELECT position, stream, version, id, type, metadata, data, hash FROM events
       WHERE position IN (SELECT value FROM json_each(?)) ORDER BY position`,
    );
    select.setReturnArrays(true);
    for (let from = 0; from < positions.length; from += group) {
      const wanted = JSON.stringify(Array.from(positions.subarray(from, from + group)));
      yield select.all(wanted) as unknown as ChainedRow[];
    }
  } finally {
    db.close();
  }
}
