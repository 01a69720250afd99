import type { EventStore, ExpectedVersion, NewEvent, RecordedEvent, StreamAppend } from '@tickets/event-store';
import type { StreamRecordsCache } from './stream-records-cache.js';
import { foldHead, type FoldedPrefix, type TicketCache, type TicketHead, EMPTY_PREFIX } from './ticket-cache.js';

/** Records read past a trigger: one shows where its group ends; more when the group goes on. */
const GROUP_SLACK = 1;

interface WorkingTicket {
  readonly kind: 'ticket';
  /** The head as read, then with the events decided in this batch folded in. */
  head: TicketHead;
  /** The last committed version when the batch read the stream. */
  readonly committed: number;
}

interface WorkingCustomer {
  readonly kind: 'customer';
  /** The stream as read, followed by the events decided in this batch. */
  readonly records: RecordedEvent[];
}

/** From just after `prefix` through the end of a trigger's group (at least). */
export interface TriggerRange {
  readonly prefix: FoldedPrefix;
  readonly records: readonly RecordedEvent[];
  readonly head: TicketHead;
}

/**
 * The streams one reactor batch reads, with the decisions taken on them so far. Each stream is read
 * once per batch; a decision's events are added at once, so the next trigger of the same ticket sees
 * them (`once`, rule firings, "already decided") exactly as if they had been stored. The whole batch
 * is appended in one transaction, one append per decision and stream in the order they were decided
 * (the global order a trigger-by-trigger run gives), each expecting the revision the previous one
 * leaves.
 */
export class PendingStreams {
  private readonly streams = new Map<string, WorkingTicket | WorkingCustomer>();
  private readonly decided: StreamAppend[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly customers: StreamRecordsCache,
    private readonly tickets: TicketCache,
  ) {}

  /** What deciding `trigger` needs of its ticket stream. */
  async ticket(stream: string, trigger: RecordedEvent): Promise<TriggerRange> {
    const working = await this.workingTicket(stream);
    const cached = this.tickets.get(stream).prefix;
    // A trigger before the cached prefix (a batch decided again after a conflict): from the start.
    const prefix = trigger.version > cached.version ? cached : EMPTY_PREFIX;
    const from = prefix.version + 1;
    const records = await this.store.readStream(stream, { fromVersion: from, maxCount: trigger.version - from + 1 + GROUP_SLACK });
    const cause = trigger.metadata.causationId;
    for (let last = records.at(-1); last !== undefined && last.metadata.causationId === cause && last.version < working.committed; last = records.at(-1)) {
      records.push(...(await this.store.readStream(stream, { fromVersion: last.version + 1, maxCount: GROUP_SLACK })));
    }
    return { prefix, records, head: working.head };
  }

  /** A customer stream, whole. */
  async customer(stream: string): Promise<readonly RecordedEvent[]> {
    let working = this.streams.get(stream);
    if (working === undefined) {
      working = { kind: 'customer', records: [...(await this.customers.records(stream))] };
      this.streams.set(stream, working);
    }
    if (working.kind !== 'customer') throw new Error(`${stream} is not a customer stream`);
    return working.records;
  }

  /** Adds decided events after the stream's current records. */
  add(stream: string, events: readonly NewEvent[]): void {
    const working = this.streams.get(stream);
    if (working === undefined) throw new Error(`stream ${stream} was not read in this batch`);
    if (events.length === 0) return;
    const head = working.kind === 'ticket' ? working.head.version : working.records.length - 1;
    const expectedVersion: ExpectedVersion = head < 0 ? 'no_stream' : head;
    this.decided.push({ stream, expectedVersion, events });
    // Position 0: not stored yet. Only in-batch readers see these records, and none reads positions.
    const records = events.map((event, i) => ({ id: event.id, type: event.type, data: event.data, metadata: event.metadata ?? {}, stream, version: head + 1 + i, position: 0 }));
    if (working.kind === 'ticket') working.head = foldHead(working.head, records);
    else working.records.push(...records);
  }

  /** The batch's appends, in the order decided. */
  appends(): readonly StreamAppend[] {
    return this.decided;
  }

  /** The ticket's head brought up to date with what was committed since it was cached. */
  private async workingTicket(stream: string): Promise<WorkingTicket> {
    const working = this.streams.get(stream);
    if (working !== undefined) {
      if (working.kind !== 'ticket') throw new Error(`${stream} is not a ticket stream`);
      return working;
    }
    let { head } = this.tickets.get(stream);
    const committed = (await this.store.streamVersions([stream])).get(stream) ?? -1;
    if (committed < head.version) throw new Error(`${stream} is at version ${committed}, behind what was read before (${head.version})`);
    if (committed > head.version) {
      head = foldHead(head, await this.store.readStream(stream, { fromVersion: head.version + 1 }));
      this.tickets.setHead(stream, head);
    }
    const fresh: WorkingTicket = { kind: 'ticket', head, committed };
    this.streams.set(stream, fresh);
    return fresh;
  }
}
