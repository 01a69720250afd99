import { DatabaseSync } from 'node:sqlite';
import type { EventMetadata, Json, RecordedEvent } from '@tickets/event-store';

/**
 * A stored event read straight from a SQLite file, its data parsed only when asked for: re-decision
 * compares most events by their stored JSON text and never needs their parsed data.
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

type Row = [position: number, stream: string, version: number, id: string, type: string, metadata: string, data: string];

/** The events of the streams named by `prefixes`, in global order, up to `head`, one at a time. */
export function* sqliteStored(path: string, head: number, prefixes: readonly string[]): Generator<StoredEvent> {
  const db = new DatabaseSync(path, { readOnly: true });
  try {
    const streams = prefixes.map((_, i) => `substr(stream, 1, length(?${i + 2})) = ?${i + 2}`).join(' OR ');
    const select = db.prepare(`SELECT position, stream, version, id, type, metadata, data FROM events WHERE position <= ?1 AND (${streams}) ORDER BY position`);
    select.setReturnArrays(true);
    for (const row of select.iterate(head, ...prefixes)) {
      const [position, stream, version, id, type, metadata, data] = row as unknown as Row;
      yield new StoredEvent(position, stream, version, id, type, JSON.parse(metadata) as EventMetadata, data);
    }
  } finally {
    db.close();
  }
}
