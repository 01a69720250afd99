import { Readable } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendExpectedRevision,
  type AppendResult,
  type AppendToStreamOptions,
  type EventData,
  type Filter,
  type JSONRecordedEvent,
  type Position,
  type ReadAllOptions,
  type ReadPosition,
  type ReadStreamOptions,
  type ResolvedEvent,
  type SetStreamMetadataOptions,
  type StreamMetadata,
  type SubscribeToAllOptions,
} from '@eventstore/db-client';
import type { AllSubscriptionLike, EventStoreDBClientLike } from './esdb-client.port.js';

/*
 * An in-memory stand-in for an EventStoreDB server and its 6.x client, for unit tests of the
 * adapters. It follows what the server does where the adapters depend on it (read from the server's
 * source, not guessed): a byte-offset log where every event is its own commit ({commit, prepare} both
 * the record's offset); revisions per stream; the write check (`any`/`stream_exists` recognise a
 * repeat by the first event id, an exact revision by the run of ids after it, a partial match is a
 * wrong expected version); `$all` reads that include their start and refuse an offset inside a record;
 * backward reads that stop before their start; catch-up subscriptions that exclude their start, send
 * filtered events and checkpoints (at page boundaries while catching up, at events when live);
 * `$maxCount` stream metadata. Every call waits a macrotask, so concurrent callers interleave.
 *
 * It is not the server: no scavenging, no clusters, no ACLs, no explicit transactions, no link
 * resolution, no `$all` filters on reads. Faults are injected on request.
 */

export type FakeOperation = 'appendToStream' | 'readStream' | 'readAll' | 'subscribeToAll' | 'setStreamMetadata';

interface LogRecord {
  readonly position: bigint;
  readonly stream: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string | undefined;
  readonly created: Date;
}

interface Fault {
  readonly operation: FakeOperation;
  /** Only calls on this stream fail; others pass. */
  readonly stream: string | undefined;
  readonly error: Error;
  /** For appends: the write happens, then the error is reported (a lost reply). */
  readonly afterEffect: boolean;
  remaining: number;
}

/** Considered events between checkpoints: the server's default page (32) × checkpoint interval 1. */
const CHECKPOINT_EVERY = 32;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RECORD_OVERHEAD = 80;

const latency = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const recordSize = (record: Omit<LogRecord, 'position'>): bigint =>
  BigInt(RECORD_OVERHEAD + Buffer.byteLength(record.stream) + Buffer.byteLength(record.type) + Buffer.byteLength(record.data) + Buffer.byteLength(record.metadata ?? ''));

const matchesFilter = (filter: Filter | undefined, record: LogRecord): boolean => {
  if (filter === undefined) return true;
  const subject = filter.filterOn === 'eventType' ? record.type : record.stream;
  return 'prefixes' in filter ? filter.prefixes.some((prefix) => subject.startsWith(prefix)) : new RegExp(filter.regex).test(subject);
};

/** Records at or after `from` in TFPos order (an event at offset p sits at (p, p)). */
const atOrAfter = (record: LogRecord, from: Position): boolean =>
  record.position > from.commit || (record.position === from.commit && record.position >= from.prepare);

/** The shared state: one per simulated server; `connect()` opens clients on it. */
export class InMemoryEsdbServer {
  readonly #log: LogRecord[] = [];
  readonly #streams = new Map<string, LogRecord[]>();
  /** Event id → where it was last written: the server's cache behind `any` idempotency. */
  readonly #committedIds = new Map<string, { stream: string; revision: number }>();
  readonly #maxCounts = new Map<string, number>();
  readonly #subscriptions = new Set<FakeAllSubscription>();
  readonly #faults: Fault[] = [];
  #end = 0n;
  readonly clock: () => Date;
  /** Every call, in order: what the tests assert the adapters did. */
  readonly calls: { readonly operation: FakeOperation; readonly stream?: string }[] = [];

  constructor(options: { clock?: () => Date } = {}) {
    this.clock = options.clock ?? (() => new Date());
    // A fresh server's log starts with its own records: user events never sit at offset 0.
    this.writeSystemEvent('$epoch-information', '$epoch-information');
  }

  connect(): InMemoryEsdbClient {
    return new InMemoryEsdbClient(this);
  }

  /** The next `times` calls of `operation` (on `stream`, if given) fail with `error` (default: UnavailableError). */
  failNext(operation: FakeOperation, options: { error?: Error; times?: number; afterEffect?: boolean; stream?: string } = {}): void {
    this.#faults.push({
      operation,
      stream: options.stream,
      error: options.error ?? new UnavailableError(undefined, `14 UNAVAILABLE: simulated outage (${operation})`),
      afterEffect: options.afterEffect ?? false,
      remaining: options.times ?? 1,
    });
  }

  /** Drops every open subscription with `error` (default: UnavailableError), as a node restart would. */
  dropSubscriptions(error: Error = new UnavailableError(undefined, '14 UNAVAILABLE: simulated connection loss')): void {
    for (const subscription of [...this.#subscriptions]) subscription.destroy(error);
  }

  get openSubscriptions(): number {
    return this.#subscriptions.size;
  }

  /** A record in a system stream (`$…`), as the server writes for itself (statistics, epochs). */
  writeSystemEvent(stream: string, type: string): void {
    this.#write(stream, [{ id: crypto.randomUUID(), type, data: '{}', metadata: undefined }]);
  }

  /** The offset after the last record: where the next one goes. */
  get endPosition(): bigint {
    return this.#end;
  }

  takeFault(operation: FakeOperation, stream?: string): Fault | undefined {
    const index = this.#faults.findIndex((fault) => fault.operation === operation && (fault.stream === undefined || fault.stream === stream));
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    if (--fault.remaining === 0) this.#faults.splice(index, 1);
    return fault;
  }

  append(stream: string, events: readonly EventData[], expected: AppendExpectedRevision): AppendResult {
    const stored = this.#streams.get(stream) ?? [];
    const current = stored.length - 1;
    const refuse = (): never => {
      throw new WrongExpectedVersionError(undefined, { streamName: stream, expected, current: current < 0 ? NO_STREAM : BigInt(current) });
    };
    for (const event of events) if (!UUID.test(event.id)) throw new UnknownError(undefined, `invalid event id ${event.id}: not a UUID`);
    const ids = events.map((event) => event.id);

    if (expected === STREAM_EXISTS && current < 0 && !this.#streams.has(`$$${stream}`)) refuse();
    if (expected === ANY || expected === STREAM_EXISTS) {
      const found = ids.map((id) => this.#committedIds.get(id)).map((at) => (at?.stream === stream ? at : undefined));
      if (ids.length > 0 && found[0] !== undefined) {
        if (found.some((at) => at === undefined)) refuse();
        return this.#result(stream, found[found.length - 1]!.revision);
      }
    } else {
      const revision = expected === NO_STREAM ? -1 : Number(expected);
      if (revision > current) refuse();
      if (revision < current) {
        const run = ids.map((id, i) => stored[revision + 1 + i]?.id === id);
        if (ids.length === 0 || !run.every(Boolean)) refuse();
        return this.#result(stream, revision + ids.length);
      }
    }
    if (events.length === 0) return { success: true, nextExpectedRevision: BigInt(current), position: undefined };
    this.#write(
      stream,
      events.map((event) => ({
        id: event.id,
        type: event.type,
        data: event.contentType === 'application/json' ? JSON.stringify(event.data) : Buffer.from(event.data).toString('base64'),
        metadata: event.metadata === undefined ? undefined : JSON.stringify(event.metadata),
      })),
    );
    return this.#result(stream, current + events.length);
  }

  setMaxCount(stream: string, maxCount: number | undefined): void {
    if (maxCount === undefined) this.#maxCounts.delete(stream);
    else this.#maxCounts.set(stream, maxCount);
  }

  /** The events of a stream a reader can see (`$maxCount` hides older ones), or undefined when it does not exist. */
  visibleStream(stream: string): LogRecord[] | undefined {
    const records = this.#streams.get(stream);
    if (records === undefined || records.length === 0) return undefined;
    const maxCount = this.#maxCounts.get(stream);
    return maxCount === undefined ? records : records.slice(Math.max(0, records.length - maxCount));
  }

  /** Index of the first record at or after `from`; refuses an offset that is not a record boundary. */
  indexFrom(from: ReadPosition): number {
    if (from === START) return 0;
    if (from === END) return this.#log.length;
    if (from.commit !== this.#end && !this.#log.some((record) => record.position === from.commit)) {
      throw new UnknownError(undefined, `Invalid position C:${from.commit}/P:${from.prepare}: not the start of a record`);
    }
    const index = this.#log.findIndex((record) => atOrAfter(record, from));
    return index < 0 ? this.#log.length : index;
  }

  recordAt(index: number): LogRecord | undefined {
    return this.#log[index];
  }

  get recordCount(): number {
    return this.#log.length;
  }

  /** The offset just past the record at `index`: a page boundary checkpoint. */
  positionAfter(index: number): bigint {
    return this.#log[index + 1]?.position ?? this.#end;
  }

  register(subscription: FakeAllSubscription): void {
    this.#subscriptions.add(subscription);
  }

  unregister(subscription: FakeAllSubscription): void {
    this.#subscriptions.delete(subscription);
  }

  #result(stream: string, revision: number): AppendResult {
    const record = this.#streams.get(stream)![revision]!;
    return { success: true, nextExpectedRevision: BigInt(revision), position: { commit: record.position, prepare: record.position } };
  }

  #write(stream: string, events: readonly Pick<LogRecord, 'id' | 'type' | 'data' | 'metadata'>[]): void {
    const records = this.#streams.get(stream) ?? [];
    this.#streams.set(stream, records);
    for (const event of events) {
      const unplaced = { ...event, stream, revision: records.length, created: this.clock() };
      const record: LogRecord = { ...unplaced, position: this.#end };
      this.#end += recordSize(unplaced);
      records.push(record);
      this.#log.push(record);
      this.#committedIds.set(record.id, { stream, revision: record.revision });
    }
    for (const subscription of this.#subscriptions) subscription.wake();
  }
}

const toRecordedEvent = (record: LogRecord): JSONRecordedEvent & { position: Position } => ({
  streamId: record.stream,
  id: record.id,
  isJson: true,
  revision: BigInt(record.revision),
  type: record.type,
  created: record.created,
  data: JSON.parse(record.data),
  metadata: record.metadata === undefined ? undefined : JSON.parse(record.metadata),
  position: { commit: record.position, prepare: record.position },
});

/**
 * A catch-up subscription to `$all`, a Readable like the client's: it catches up from after its start,
 * then follows live writes, and awaits `checkpointReached` in order with the events it pushes.
 */
class FakeAllSubscription extends Readable implements AllSubscriptionLike {
  readonly #server: InMemoryEsdbServer;
  readonly #filter: Filter | undefined;
  #next: number;
  #considered = 0;
  #cancelled = false;
  #wake: (() => void) | undefined;
  #readable: (() => void) | undefined;

  constructor(server: InMemoryEsdbServer, from: ReadPosition, filter: Filter | undefined, failure: Error | undefined) {
    super({ objectMode: true });
    this.#server = server;
    this.#filter = filter;
    const index = server.indexFrom(from);
    // Exclusive start: the record at the start position was seen by whoever asked to start there.
    const record = server.recordAt(index);
    this.#next = from !== START && from !== END && record !== undefined && record.position === from.commit && record.position <= from.prepare ? index + 1 : index;
    server.register(this);
    void this.#produce(failure);
  }

  override _read(): void {
    const readable = this.#readable;
    this.#readable = undefined;
    readable?.();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.#cancelled = true;
    this.#server.unregister(this);
    this.wake();
    this._read();
    callback(error);
  }

  async unsubscribe(): Promise<void> {
    // Like the client: the call is cancelled, but the stream is left as it is.
    this.#cancelled = true;
    this.#server.unregister(this);
    this.wake();
  }

  wake(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }

  async #produce(failure: Error | undefined): Promise<void> {
    await latency();
    if (failure !== undefined) {
      this.destroy(failure);
      return;
    }
    let live = false;
    while (!this.#cancelled) {
      const record = this.#server.recordAt(this.#next);
      if (record === undefined) {
        if (!live) {
          live = true;
          // Going live: a checkpoint at the page boundary, where catching up stopped.
          if (this.#considered > 0) await this.#checkpoint({ commit: this.#server.endPosition, prepare: 0n });
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      this.#next++;
      this.#considered++;
      if (matchesFilter(this.#filter, record)) {
        const resolved: AllStreamResolvedEvent = { event: toRecordedEvent(record), commitPosition: record.position };
        if (!this.push(resolved)) {
          await new Promise<void>((resolve) => {
            this.#readable = resolve;
          });
        }
      }
      if (this.#filter !== undefined && this.#considered % (CHECKPOINT_EVERY * this.#filter.checkpointInterval) === 0) {
        const position = live ? record.position : this.#server.positionAfter(this.#next - 1);
        await this.#checkpoint({ commit: position, prepare: live ? position : 0n });
      }
    }
  }

  async #checkpoint(position: Position): Promise<void> {
    if (this.#cancelled || this.#filter?.checkpointReached === undefined) return;
    await this.#filter.checkpointReached(this as never, position);
  }
}

/** One connection to the simulated server, with the client's method signatures. */
export class InMemoryEsdbClient implements EventStoreDBClientLike {
  readonly server: InMemoryEsdbServer;
  #disposed = false;

  constructor(server: InMemoryEsdbServer) {
    this.server = server;
  }

  get disposed(): boolean {
    return this.#disposed;
  }

  async appendToStream(streamName: string, events: EventData[], options: AppendToStreamOptions = {}): Promise<AppendResult> {
    this.#record('appendToStream', streamName);
    await latency();
    const fault = this.server.takeFault('appendToStream', streamName);
    if (fault !== undefined && !fault.afterEffect) throw fault.error;
    const result = this.server.append(streamName, events, options.expectedRevision ?? ANY);
    if (fault !== undefined) throw fault.error;
    return result;
  }

  readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterable<ResolvedEvent> {
    this.#record('readStream', streamName);
    const server = this.server;
    return (async function* () {
      await latency();
      const fault = server.takeFault('readStream', streamName);
      if (fault !== undefined) throw fault.error;
      const records = server.visibleStream(streamName);
      if (records === undefined) throw new StreamNotFoundError(undefined, streamName);
      const backwards = options.direction === BACKWARDS;
      const from = options.fromRevision ?? (backwards ? END : START);
      const maxCount = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const selected = backwards
        ? records.filter((record) => from === END || from === START || record.revision <= Number(from)).reverse()
        : records.filter((record) => from === START || (from !== END && record.revision >= Number(from)));
      // Stream reads carry positions on servers since 22.6, but not the resolved event's commit position.
      for (const record of selected.slice(0, maxCount)) yield { event: toRecordedEvent(record) };
    })();
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<AllStreamResolvedEvent> {
    this.#record('readAll');
    const server = this.server;
    return (async function* () {
      await latency();
      const fault = server.takeFault('readAll');
      if (fault !== undefined) throw fault.error;
      const backwards = options.direction === BACKWARDS;
      const from = options.fromPosition ?? (backwards ? END : START);
      let remaining = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      if (backwards) {
        // A backward read stops before the record at its start.
        for (let index = from === END ? server.recordCount - 1 : server.indexFrom(from) - 1; index >= 0 && remaining > 0; index--, remaining--) {
          const record = server.recordAt(index)!;
          yield { event: toRecordedEvent(record), commitPosition: record.position };
        }
        return;
      }
      for (let index = server.indexFrom(from); index < server.recordCount && remaining > 0; index++, remaining--) {
        const record = server.recordAt(index)!;
        yield { event: toRecordedEvent(record), commitPosition: record.position };
      }
    })();
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscriptionLike {
    this.#record('subscribeToAll');
    const fault = this.server.takeFault('subscribeToAll');
    return new FakeAllSubscription(this.server, options.fromPosition ?? START, options.filter, fault?.error);
  }

  async setStreamMetadata(streamName: string, metadata: StreamMetadata, options: SetStreamMetadataOptions = {}): Promise<AppendResult> {
    this.#record('setStreamMetadata', streamName);
    await latency();
    const fault = this.server.takeFault('setStreamMetadata', streamName);
    if (fault !== undefined) throw fault.error;
    const data = { ...(metadata.maxCount === undefined ? {} : { $maxCount: metadata.maxCount }) };
    const event: EventData = { id: crypto.randomUUID(), contentType: 'application/json', type: '$metadata', data, metadata: undefined };
    const result = this.server.append(`$$${streamName}`, [event], options.expectedRevision ?? ANY);
    this.server.setMaxCount(streamName, metadata.maxCount);
    return result;
  }

  async dispose(): Promise<void> {
    this.#disposed = true;
  }

  #record(operation: FakeOperation, stream?: string): void {
    if (this.#disposed) throw new UnavailableError(undefined, 'the client was disposed');
    this.server.calls.push(stream === undefined ? { operation } : { operation, stream });
  }
}

/** A fresh simulated server and one client on it. */
export function createInMemoryEsdbClient(options: { clock?: () => Date } = {}): InMemoryEsdbClient {
  return new InMemoryEsdbServer(options).connect();
}
