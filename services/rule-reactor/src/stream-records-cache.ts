import type { EventStore, RecordedEvent } from '@tickets/event-store';

/**
 * The committed records of the customer streams the reactor read lately, so that each trigger reads
 * only the events appended since (one indexed head lookup when there are none) instead of the whole
 * stream again. Our own appends are read back once, like anyone else's: what the cache holds is
 * always what the store returns. Bounded by the number of records kept (LRU by stream).
 */
export class StreamRecordsCache {
  private readonly streams = new Map<string, RecordedEvent[]>();
  private size = 0;

  constructor(
    private readonly store: EventStore,
    private readonly maxRecords = 20_000,
    /** Told when a stream's newly read events hold an erasure (`CustomerErased`). */
    private readonly onErasure: (stream: string) => void = () => {},
  ) {}

  /** The stream's committed records, oldest first. The array is the cache's own: copy before changing it. */
  async records(stream: string): Promise<readonly RecordedEvent[]> {
    const cached = this.streams.get(stream);
    if (cached === undefined) return this.remember(stream, await this.store.readStream(stream));
    const head = (await this.store.streamVersions([stream])).get(stream) ?? -1;
    if (head < cached.length - 1) {
      // The stream is shorter than what we hold: not ours to explain, read it again.
      this.forget(stream);
      return this.remember(stream, await this.store.readStream(stream));
    }
    const newer = head >= cached.length ? await this.store.readStream(stream, { fromVersion: cached.length }) : [];
    if (newer.some((record) => record.type === 'CustomerErased')) {
      // What we hold was decrypted before the erasure: read the stream afresh, as it reads now.
      this.forget(stream);
      this.onErasure(stream);
      return this.remember(stream, await this.store.readStream(stream));
    }
    return this.remember(stream, newer.length === 0 ? cached : [...cached, ...newer]);
  }

  private remember(stream: string, records: RecordedEvent[]): RecordedEvent[] {
    this.forget(stream);
    // Map keeps insertion order: the entry set last is the youngest.
    this.streams.set(stream, records);
    this.size += records.length;
    for (const [oldest, evicted] of this.streams) {
      if (this.size <= this.maxRecords || oldest === stream) break;
      this.streams.delete(oldest);
      this.size -= evicted.length;
    }
    return records;
  }

  private forget(stream: string): void {
    const cached = this.streams.get(stream);
    if (cached === undefined) return;
    this.streams.delete(stream);
    this.size -= cached.length;
  }
}
