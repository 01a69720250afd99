import type { ExpectedVersion, NewEvent, RecordedEvent, StreamAppend } from '@tickets/event-store';
import type { StreamRecordsCache } from './stream-records-cache.js';

/** A stream as read, followed by the events decided in this batch (not stored yet). */
type Records = RecordedEvent[];

/**
 * The streams one reactor batch reads, with the decisions taken on them so far. Each stream is read
 * once per batch; a decision's events are added to its stream's records at once, so the next trigger
 * of the same ticket sees them (`once`, rule firings, "already decided") exactly as if they had been
 * stored. The whole batch is appended in one transaction, one append per decision and stream in the
 * order they were decided (the global order a trigger-by-trigger run gives), each expecting the
 * revision the previous one leaves.
 */
export class PendingStreams {
  private readonly streams = new Map<string, Records>();
  private readonly decided: StreamAppend[] = [];

  constructor(private readonly committed: StreamRecordsCache) {}

  async records(stream: string): Promise<readonly RecordedEvent[]> {
    return this.load(stream);
  }

  /** Adds decided events after the stream's current records. */
  add(stream: string, events: readonly NewEvent[]): void {
    const records = this.streams.get(stream);
    if (records === undefined) throw new Error(`stream ${stream} was not read in this batch`);
    if (events.length === 0) return;
    const expectedVersion: ExpectedVersion = records.length === 0 ? 'no_stream' : records.length - 1;
    this.decided.push({ stream, expectedVersion, events });
    for (const event of events) {
      // Position 0: not stored yet. Only in-batch readers see these records, and none reads positions.
      records.push({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {}, stream, version: records.length, position: 0 });
    }
  }

  /** The batch's appends, in the order decided. */
  appends(): readonly StreamAppend[] {
    return this.decided;
  }

  private async load(stream: string): Promise<Records> {
    let records = this.streams.get(stream);
    if (records === undefined) {
      records = [...(await this.committed.records(stream))];
      this.streams.set(stream, records);
    }
    return records;
  }
}
