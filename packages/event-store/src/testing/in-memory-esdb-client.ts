import { Readable } from 'node:stream';
import {
  ANY,
  BACKWARDS,
  ErrorType,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  StreamNotFoundError,
  UnavailableError,
  UnknownError,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type AppendRecordInput,
  type AppendRecordsResult,
  type AppendStreamState,
  type AppendResult,
  type ConsistencyCheck,
  type ConsistencyViolation,
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
} from '@kurrent/kurrentdb-client';
import type { AllSubscriptionLike, EventStoreDBClientLike } from '../esdb/esdb-client.port.js';

/*
 * An in-memory stand-in for a KurrentDB server and its client, for unit tests of the adapters. It
 * follows what the server does where the adapters depend on it (read from the server's source, not
 * guessed): a byte-offset log where every event is its own commit ({commit, prepare} both the
 * record's offset); revisions per stream; the write check (`any`/`stream_exists` recognise a repeat
 * by the first event id in a BOUNDED cache of recent ids that a restart or leader change empties, an
 * exact revision by the run of ids after it, a partial match is a wrong expected version); the atomic
 * multi-stream `appendRecords` of KurrentDB 26.1 (checks decoupled from writes, all or nothing, a retry
 * of a committed write answered as a success, every failed check reported); `$all` reads that
 * include their start and refuse an offset inside a record; backward reads that stop before their
 * start; catch-up subscriptions that exclude their start, send filtered events and checkpoints (at
 * page boundaries while catching up, at events when live); `$maxCount` stream metadata; appends of
 * records written through `appendRecords` read back with their properties as JSON metadata plus the
 * server's `$schema.*` keys. Every call waits a macrotask, so concurrent callers interleave.
 *
 * Known server defects can be switched on, to test that the adapters survive or refuse them: the
 * (2^64-1, 2^64-1) checkpoint of filtered subscriptions from the start (KDB-710, 24.2 to 24.10.4),
 * the going-live checkpoint sent before the event at it (22.6 to 22.10.3, 23.6).
 *
 * It is not the server: no scavenging, no clusters, no ACLs, no explicit transactions, no link
 * resolution, no event-type filters. Faults are injected on request.
 */

export type FakeOperation =
  'appendToStream' | 'appendRecords' | 'readStream' | 'readAll' | 'subscribeToAll' | 'setStreamMetadata';

interface LogRecord {
  readonly position: bigint;
  readonly stream: string;
  readonly revision: number;
  readonly id: string;
  readonly type: string;
  readonly data: string;
  readonly metadata: string | undefined;
  readonly created: Date;
  /** Written through `appendRecords`: the metadata is the record's properties. */
  readonly properties?: boolean;
}

interface Fault {
  readonly operation: FakeOperation;
  /** Only calls on this stream fail; others pass. */
  readonly stream: string | undefined;
  readonly error: Error;
  /** For appends: the write happens, then the error is reported (a lost reply). */
  readonly afterEffect: boolean;
  /** Runs once the call has had its effect, before the error is reported (e.g. a restart). */
  readonly then: (() => void) | undefined;
  remaining: number;
}

/** Considered events between checkpoints: the server's default page (32) × checkpoint interval 1. */
const CHECKPOINT_EVERY = 32;
/** Ids the fake remembers for `any` idempotency by default; the server keeps 8 MiB of them, on the leader only. */
const DEFAULT_ID_CACHE_SIZE = 4096;
/** How long the early going-live checkpoint comes before its event: long enough for a subscriber to act on it. */
const EARLY_CHECKPOINT_LEAD_MS = 30;
/** What a 64-bit position of -1 reads as once unsigned: "no position". */
const NO_POSITION = (1n << 64n) - 1n;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const RECORD_OVERHEAD = 80;

const latency = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

const recordSize = (record: Omit<LogRecord, 'position'>): bigint =>
  BigInt(
    RECORD_OVERHEAD +
      Buffer.byteLength(record.stream) +
      Buffer.byteLength(record.type) +
      Buffer.byteLength(record.data) +
      Buffer.byteLength(record.metadata ?? ''),
  );

const matchesFilter = (filter: Filter | undefined, record: LogRecord): boolean => {
  if (filter === undefined) return true;
  const subject = filter.filterOn === 'eventType' ? record.type : record.stream;
  return 'prefixes' in filter
    ? filter.prefixes.some((prefix) => subject.startsWith(prefix))
    : new RegExp(filter.regex).test(subject);
};

/** Records at or after `from` in TFPos order (an event at offset p sits at (p, p)). */
const atOrAfter = (record: LogRecord, from: Position): boolean =>
  record.position > from.commit || (record.position === from.commit && record.position >= from.prepare);

/** The shared state: one per simulated server; `connect()` opens clients on it. */
export interface InMemoryEsdbServerOptions {
  readonly clock?: () => Date;
  /** What the server reports as its version (default 26.1.0). */
  readonly version?: string;
  /** Event ids remembered for `any` idempotency (default 4096): the oldest are forgotten first. */
  readonly idCacheSize?: number;
  /** KDB-710: a filtered subscription from the start first gets a checkpoint at (2^64-1, 2^64-1). */
  readonly maxPositionCheckpoint?: boolean;
  /** 22.6-22.10.3, 23.6: the going-live checkpoint arrives at the last event before that event does. */
  readonly earlyLiveCheckpoint?: boolean;
}

/** A failed check of `appendRecords`, shaped like the client's AppendConsistencyViolationError. */
export class FakeConsistencyViolationError extends Error {
  readonly type = ErrorType.APPEND_CONSISTENCY_VIOLATION;
  constructor(readonly violations: ConsistencyViolation[]) {
    super(`9 FAILED_PRECONDITION: append consistency violation (${violations.map((v) => v.streamName).join(', ')})`);
  }
}

export class InMemoryEsdbServer {
  readonly #log: LogRecord[] = [];
  readonly #streams = new Map<string, LogRecord[]>();
  /**
   * Event id → where it was last written: the server's cache behind `any` idempotency. Bounded (the
   * oldest ids go first) and emptied by `restart()`, as the server's is on restart or failover.
   */
  readonly #committedIds = new Map<string, { stream: string; revision: number }>();
  readonly #idCacheSize: number;
  readonly version: string;
  readonly maxPositionCheckpoint: boolean;
  readonly earlyLiveCheckpoint: boolean;
  #beforeNextWrite: (() => void) | undefined;
  readonly #maxCounts = new Map<string, number>();
  readonly #subscriptions = new Set<FakeAllSubscription>();
  readonly #faults: Fault[] = [];
  #end = 0n;
  readonly clock: () => Date;
  /** Every call, in order: what the tests assert the adapters did. */
  readonly calls: { readonly operation: FakeOperation; readonly stream?: string }[] = [];

  constructor(options: InMemoryEsdbServerOptions = {}) {
    this.clock = options.clock ?? (() => new Date());
    this.version = options.version ?? '26.1.0';
    this.#idCacheSize = options.idCacheSize ?? DEFAULT_ID_CACHE_SIZE;
    this.maxPositionCheckpoint = options.maxPositionCheckpoint ?? false;
    this.earlyLiveCheckpoint = options.earlyLiveCheckpoint ?? false;
    // A fresh server's log starts with its own records: user events never sit at offset 0.
    this.writeSystemEvent('$epoch-information', '$epoch-information');
  }

  connect(): InMemoryEsdbClient {
    return new InMemoryEsdbClient(this);
  }

  /** The next `times` calls of `operation` (on `stream`, if given) fail with `error` (default: UnavailableError). */
  failNext(
    operation: FakeOperation,
    options: { error?: Error; times?: number; afterEffect?: boolean; stream?: string; then?: () => void } = {},
  ): void {
    this.#faults.push({
      operation,
      stream: options.stream,
      error: options.error ?? new UnavailableError(undefined, `14 UNAVAILABLE: simulated outage (${operation})`),
      afterEffect: options.afterEffect ?? false,
      then: options.then,
      remaining: options.times ?? 1,
    });
  }

  /** Drops every open subscription with `error` (default: UnavailableError), as a node restart would. */
  dropSubscriptions(error: Error = new UnavailableError(undefined, '14 UNAVAILABLE: simulated connection loss')): void {
    for (const subscription of [...this.#subscriptions]) subscription.destroy(error);
  }

  /** A node restart or leader change: the recent-ids cache is gone, open subscriptions drop. */
  restart(): void {
    this.#committedIds.clear();
    this.dropSubscriptions();
  }

  /**
   * Runs `write` just before the next append or appendRecords is checked: another writer getting in
   * between what the adapter read and what it writes.
   */
  beforeNextWrite(write: () => void): void {
    this.#beforeNextWrite = write;
  }

  runBeforeWrite(): void {
    const write = this.#beforeNextWrite;
    this.#beforeNextWrite = undefined;
    write?.();
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
    const index = this.#faults.findIndex(
      (fault) => fault.operation === operation && (fault.stream === undefined || fault.stream === stream),
    );
    if (index < 0) return undefined;
    const fault = this.#faults[index]!;
    if (--fault.remaining === 0) this.#faults.splice(index, 1);
    return fault;
  }

  append(stream: string, events: readonly EventData[], expected: AppendStreamState): AppendResult {
    for (const event of events)
      if (!UUID.test(event.id)) throw new UnknownError(undefined, `invalid event id ${event.id}: not a UUID`);
    const check = this.#commitCheck(
      stream,
      events.map((event) => event.id),
      expected,
    );
    const current = (this.#streams.get(stream)?.length ?? 0) - 1;
    if (check.decision === 'failed') {
      throw new WrongExpectedVersionError(undefined, {
        streamName: stream,
        expected,
        current: current < 0 ? NO_STREAM : BigInt(current),
      });
    }
    if (check.decision === 'idempotent') return this.#result(stream, check.lastRevision);
    if (events.length === 0) return { success: true, nextExpectedRevision: BigInt(current), position: undefined };
    this.#write(
      stream,
      events.map((event) => toStored(event, false)),
    );
    return this.#result(stream, current + events.length);
  }

  /**
   * The server's atomic multi-stream write: the streams are the checked ones, then those only
   * written to (checked as `any`). Every stream is checked first; all pass: every record is written
   * in order; every stream written to holds these records already: success, nothing written;
   * otherwise nothing is written and every failing stream is reported.
   */
  appendRecords(records: readonly AppendRecordInput[], checks: readonly ConsistencyCheck[]): AppendRecordsResult {
    if (records.length === 0)
      throw new UnknownError(undefined, '3 INVALID_ARGUMENT: Append records request must contain at least one record.');
    const expectedOf = new Map<string, AppendStreamState>();
    for (const check of checks) {
      if (expectedOf.has(check.streamName))
        throw new UnknownError(
          undefined,
          '3 INVALID_ARGUMENT: Each stream can only appear once in consistency checks.',
        );
      expectedOf.set(check.streamName, check.expectedState);
    }
    for (const { streamName, record } of records) {
      if (!UUID.test(record.id ?? ''))
        throw new UnknownError(undefined, `invalid record id ${String(record.id)}: not a UUID`);
      const metadata = record.metadata as unknown;
      if (
        metadata !== undefined &&
        (typeof metadata !== 'object' ||
          metadata === null ||
          Object.values(metadata).some((v) => typeof v !== 'string'))
      ) {
        throw new Error('appendRecords requires metadata to be a plain object with string keys and string values.');
      }
      if (!expectedOf.has(streamName)) expectedOf.set(streamName, ANY);
    }
    const results = [...expectedOf].map(([stream, expected]) => {
      const ids = records.filter((r) => r.streamName === stream).map((r) => r.record.id!);
      return { stream, expected, writes: ids.length > 0, ...this.#commitCheck(stream, ids, expected) };
    });
    const written = results.filter((result) => result.writes);
    if (results.every((result) => result.decision === 'ok')) {
      const before = new Map(
        written.map((result) => [result.stream, (this.#streams.get(result.stream)?.length ?? 0) - 1]),
      );
      for (const { streamName, record } of records) this.#write(streamName, [toStored(record as EventData, true)]);
      return {
        position: this.#end === 0n ? 0n : this.#log.at(-1)!.position,
        responses: written.map((result) => ({
          streamName: result.stream,
          revision: BigInt(before.get(result.stream)! + records.filter((r) => r.streamName === result.stream).length),
        })),
      };
    }
    if (written.every((result) => result.decision === 'idempotent')) {
      // A retry of a committed write: the original's revisions, and the position of its last record.
      const last = written
        .map((result) => this.#streams.get(result.stream)![result.lastRevision]!.position)
        .reduce((a, b) => (a > b ? a : b));
      return {
        position: last,
        responses: written.map((result) => ({ streamName: result.stream, revision: BigInt(result.lastRevision) })),
      };
    }
    const violations = results.flatMap((result, checkIndex): ConsistencyViolation[] => {
      if (result.decision === 'ok') return [];
      const current = (this.#streams.get(result.stream)?.length ?? 0) - 1;
      return [
        {
          checkIndex,
          streamName: result.stream,
          expectedState: result.expected,
          actualState: current < 0 ? NO_STREAM : BigInt(current),
        },
      ];
    });
    throw new FakeConsistencyViolationError(violations);
  }

  /** The server's commit check of one stream: go ahead, already written (the revision of its last event), or refused. */
  #commitCheck(
    stream: string,
    ids: readonly string[],
    expected: AppendStreamState,
  ): { decision: 'ok' | 'failed' } | { decision: 'idempotent'; lastRevision: number } {
    const stored = this.#streams.get(stream) ?? [];
    const current = stored.length - 1;
    if (expected === STREAM_EXISTS && current < 0 && !this.#streams.has(`$$${stream}`)) return { decision: 'failed' };
    if (expected === ANY || expected === STREAM_EXISTS) {
      const found = ids.map((id) => this.#committedIds.get(id)).map((at) => (at?.stream === stream ? at : undefined));
      if (ids.length > 0 && found[0] !== undefined) {
        if (found.some((at) => at === undefined)) return { decision: 'failed' };
        return { decision: 'idempotent', lastRevision: found[found.length - 1]!.revision };
      }
      return { decision: 'ok' };
    }
    const revision = expected === NO_STREAM ? -1 : Number(expected);
    if (revision === current) return { decision: 'ok' };
    if (revision > current || ids.length === 0) return { decision: 'failed' };
    const run = ids.map((id, i) => stored[revision + 1 + i]?.id === id);
    return run.every(Boolean)
      ? { decision: 'idempotent', lastRevision: revision + ids.length }
      : { decision: 'failed' };
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
      throw new UnknownError(
        undefined,
        `Invalid position C:${from.commit}/P:${from.prepare}: not the start of a record`,
      );
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
    return {
      success: true,
      nextExpectedRevision: BigInt(revision),
      position: { commit: record.position, prepare: record.position },
    };
  }

  #write(stream: string, events: readonly Pick<LogRecord, 'id' | 'type' | 'data' | 'metadata' | 'properties'>[]): void {
    const records = this.#streams.get(stream) ?? [];
    this.#streams.set(stream, records);
    for (const event of events) {
      const unplaced = { ...event, stream, revision: records.length, created: this.clock() };
      const record: LogRecord = { ...unplaced, position: this.#end };
      this.#end += recordSize(unplaced);
      records.push(record);
      this.#log.push(record);
      this.#committedIds.delete(record.id);
      this.#committedIds.set(record.id, { stream, revision: record.revision });
      // A Map iterates in insertion order: the first key is the oldest.
      if (this.#committedIds.size > this.#idCacheSize)
        this.#committedIds.delete(this.#committedIds.keys().next().value!);
    }
    for (const subscription of this.#subscriptions) subscription.wake();
  }
}

const toStored = (
  event: EventData,
  properties: boolean,
): Pick<LogRecord, 'id' | 'type' | 'data' | 'metadata' | 'properties'> => ({
  id: event.id!,
  type: event.type,
  data:
    event.contentType === 'application/json'
      ? JSON.stringify(event.data)
      : Buffer.from(event.data as Uint8Array).toString('base64'),
  metadata: event.metadata === undefined ? undefined : JSON.stringify(event.metadata),
  properties,
});

/** Metadata as a reader sees it: records written through appendRecords get the server's `$schema.*` keys. */
const readMetadata = (record: LogRecord): unknown => {
  const metadata = record.metadata === undefined ? undefined : JSON.parse(record.metadata);
  return record.properties === true
    ? { ...(metadata as object | undefined), '$schema.name': record.type, '$schema.format': 'Json' }
    : metadata;
};

const toRecordedEvent = (record: LogRecord): JSONRecordedEvent & { position: Position } => ({
  streamId: record.stream,
  id: record.id,
  isJson: true,
  revision: BigInt(record.revision),
  type: record.type,
  created: record.created,
  data: JSON.parse(record.data),
  metadata: readMetadata(record) as JSONRecordedEvent['metadata'],
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
    this.#next =
      from !== START &&
      from !== END &&
      record !== undefined &&
      record.position === from.commit &&
      record.position <= from.prepare
        ? index + 1
        : index;
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
    const fromStart = this.#next === 0;
    while (!this.#cancelled) {
      const record = this.#server.recordAt(this.#next);
      if (record === undefined) {
        if (!live) {
          live = true;
          // Going live: a checkpoint at the page boundary, where catching up stopped. KDB-710: from
          // the start, a position of -1 instead.
          if (this.#server.maxPositionCheckpoint && fromStart)
            await this.#checkpoint({ commit: NO_POSITION, prepare: NO_POSITION });
          else if (this.#considered > 0 && !this.#server.earlyLiveCheckpoint)
            await this.#checkpoint({ commit: this.#server.endPosition, prepare: 0n });
        }
        await new Promise<void>((resolve) => {
          this.#wake = resolve;
        });
        continue;
      }
      if (!live && this.#server.earlyLiveCheckpoint && this.#next === this.#server.recordCount - 1) {
        // The defect: the going-live checkpoint names the last event, which is only sent after it.
        live = true;
        await this.#checkpoint({ commit: record.position, prepare: record.position });
        await new Promise((resolve) => setTimeout(resolve, EARLY_CHECKPOINT_LEAD_MS));
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

  async appendToStream(
    streamName: string,
    events: EventData[],
    options: AppendToStreamOptions = {},
  ): Promise<AppendResult> {
    this.#record('appendToStream', streamName);
    await latency();
    this.server.runBeforeWrite();
    const fault = this.server.takeFault('appendToStream', streamName);
    if (fault !== undefined && !fault.afterEffect) throw fault.error;
    const result = this.server.append(streamName, events, options.streamState ?? ANY);
    fault?.then?.();
    if (fault !== undefined) throw fault.error;
    return result;
  }

  async appendRecords(records: AppendRecordInput[], checks: ConsistencyCheck[] = []): Promise<AppendRecordsResult> {
    this.#record('appendRecords');
    await latency();
    this.server.runBeforeWrite();
    const fault = this.server.takeFault('appendRecords');
    if (fault !== undefined && !fault.afterEffect) throw fault.error;
    const result = this.server.appendRecords(records, checks);
    fault?.then?.();
    if (fault !== undefined) throw fault.error;
    return result;
  }

  /** The server's version, as the client's server-features call reports it. */
  async serverVersion(): Promise<string> {
    await latency();
    return this.server.version;
  }

  readStream(streamName: string, options: ReadStreamOptions = {}): AsyncIterable<ResolvedEvent> {
    this.#record('readStream', streamName);
    const server = this.server;
    return (async function* () {
      await latency();
      const fault = server.takeFault('readStream', streamName);
      fault?.then?.();
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
      // With a filter the server pages on until it has `maxCount` matching events or reaches the end.
      let remaining = Number(options.maxCount ?? Number.MAX_SAFE_INTEGER);
      const start = backwards
        ? from === END
          ? server.recordCount - 1
          : server.indexFrom(from) - 1
        : server.indexFrom(from);
      // A backward read stops before the record at its start.
      for (let index = start; index >= 0 && index < server.recordCount && remaining > 0; index += backwards ? -1 : 1) {
        const record = server.recordAt(index)!;
        if (!matchesFilter(options.filter, record)) continue;
        remaining--;
        yield { event: toRecordedEvent(record), commitPosition: record.position };
      }
    })();
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): AllSubscriptionLike {
    this.#record('subscribeToAll');
    const fault = this.server.takeFault('subscribeToAll');
    return new FakeAllSubscription(this.server, options.fromPosition ?? START, options.filter, fault?.error);
  }

  async setStreamMetadata(
    streamName: string,
    metadata: StreamMetadata,
    options: SetStreamMetadataOptions = {},
  ): Promise<AppendResult> {
    this.#record('setStreamMetadata', streamName);
    await latency();
    const fault = this.server.takeFault('setStreamMetadata', streamName);
    if (fault !== undefined) throw fault.error;
    const data = { ...(metadata.maxCount === undefined ? {} : { $maxCount: metadata.maxCount }) };
    const event: EventData = {
      id: crypto.randomUUID(),
      contentType: 'application/json',
      type: '$metadata',
      data,
      metadata: undefined,
    };
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
export function createInMemoryEsdbClient(options: InMemoryEsdbServerOptions = {}): InMemoryEsdbClient {
  return new InMemoryEsdbServer(options).connect();
}
