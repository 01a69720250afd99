import { BACKWARDS, END, EventStoreDBClient, FORWARDS, type EventData, type ReadPosition, type RecordedEvent as ClientRecordedEvent, type WrongExpectedVersionError } from '@eventstore/db-client';
import { ConcurrencyError, EventStoreError, IdempotencyError } from '../errors.js';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
} from '../event-store.port.js';
import { assertExpectedVersion, assertNewEvents, assertStreamName, countOption, invalidArgument, positionOption, streamPrefixesOption } from '../validate-arguments.js';
import { checkExpectedVersion, compareRun } from './append-decision.js';
import { toClientConnectionString } from './connection-string.js';
import type { EventStoreDBClientLike } from './esdb-client.port.js';
import { concurrencyErrorFrom, isStreamNotFound, isWrongExpectedVersion, translateEsdbError } from './esdb-error.js';
import { eventPosition, readPositionAfter } from './esdb-position.js';
import { followAll, type EsdbSubscribeOptions } from './esdb-subscription.js';
import { fromCurrentRevision, toExpectedRevision } from './expected-revision.js';
import { storedEventId, toEventData, toRecordedEvent } from './event-mapping.js';
import { mapConcurrently } from './map-concurrently.js';
import { matchStream } from './stream-filter.js';
import { streamNaming, type StreamNaming } from './stream-naming.js';
import { DEFAULT_RETRY_POLICY, retryTransient, type RetryPolicy } from './transient-retry.js';

export interface EsdbEventStoreOptions {
  /** `esdb://host:2113?tls=false`; `kurrentdb://…` is accepted too. Not used when `client` is given. */
  readonly connectionString: string;
  /** A client to use instead of opening one; the caller keeps ownership (`close()` leaves it open). */
  readonly client?: EventStoreDBClientLike;
  /** Put in front of every stream name, so several stores can share one server (see StreamNaming). */
  readonly namespace?: string;
  /** Reads and appends after a transient failure. Default: 6 attempts, 100 ms doubling to 2 s. */
  readonly retry?: RetryPolicy;
  /** Resubscribing after a dropped subscription, attempts counted without progress. Default: 10, 100 ms doubling to 5 s. */
  readonly reconnect?: RetryPolicy;
}

export interface EsdbEventStore extends EventStore {
  /** Also takes `onCheckpoint`, for sparse filtered subscriptions (see EsdbSubscribeOptions). */
  subscribeToAll(options?: EsdbSubscribeOptions): AsyncIterable<readonly RecordedEvent[]>;
  readonly closed: boolean;
}

const DEFAULT_RECONNECT_POLICY: RetryPolicy = { maxAttempts: 10, baseDelayMs: 100, maxDelayMs: 5000 };
const DEFAULT_READ_ALL_COUNT = 1000;
/** The most events one page of a `$all` scan asks for; pages start small and double. */
const MAX_SCAN_PAGE = 4096;
const FIRST_HEAD_SCAN_PAGE = 32;
/** Stream heads read at once when checking a batch of appends or `streamVersions`. */
const HEAD_READ_CONCURRENCY = 16;

/** The last event of a stream: what expected versions are checked against. */
interface StreamHead {
  readonly version: number;
  readonly position: number;
}

/** One append, validated and mapped before anything is read or written. */
interface PreparedAppend {
  readonly stream: string;
  readonly serverStream: string;
  readonly expected: ExpectedVersion;
  readonly events: readonly NewEvent[];
  readonly data: EventData[];
}

/**
 * What the check before writing decided for one append:
 * - `check`: no events, the expected version held; the result is the stream's head;
 * - `repeat`: the same events are already stored at these revisions; nothing to write;
 * - `write`: append (the server checks the expected version again, atomically);
 * - `recheck`: the stream moved past the expected version through an earlier append of this call:
 *   look for a repeat once that one is written.
 */
type Step =
  | { readonly kind: 'check'; readonly append: PreparedAppend }
  | { readonly kind: 'repeat'; readonly append: PreparedAppend; readonly result: AppendResult }
  | { readonly kind: 'write'; readonly append: PreparedAppend }
  | { readonly kind: 'recheck'; readonly append: PreparedAppend };

/** A stream during the check: the revision it will have after this call's earlier appends, and whether they write to it. */
interface SimulatedStream {
  version: number;
  pendingWrites: boolean;
}

async function collect<T>(items: AsyncIterable<T>): Promise<T[]> {
  const collected: T[] = [];
  for await (const item of items) collected.push(item);
  return collected;
}

const prepareAppend = (naming: StreamNaming, append: StreamAppend): PreparedAppend => {
  if (typeof append !== 'object' || append === null) throw invalidArgument('every append must be an object');
  const { stream, events } = append;
  assertStreamName(stream);
  assertNewEvents(stream, events);
  const expected = append.expectedVersion ?? 'any';
  assertExpectedVersion(expected);
  const serverStream = naming.toServer(stream);
  return { stream, serverStream, expected, events, data: events.map((event) => toEventData(stream, event)) };
};

const unknownPosition = (): EventStoreError =>
  new EventStoreError('EVENT_STORE.UNAVAILABLE', 'the server reports no event positions on stream reads: EventStoreDB/KurrentDB 22.6 or later is required', false);

class EsdbEventStoreAdapter implements EsdbEventStore {
  readonly #client: EventStoreDBClientLike;
  readonly #ownsClient: boolean;
  readonly #naming: StreamNaming;
  readonly #retry: RetryPolicy;
  readonly #reconnect: RetryPolicy;
  readonly #closing = new AbortController();

  constructor(client: EventStoreDBClientLike, ownsClient: boolean, naming: StreamNaming, retry: RetryPolicy, reconnect: RetryPolicy) {
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.#naming = naming;
    this.#retry = retry;
    this.#reconnect = reconnect;
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  async append(stream: string, events: readonly NewEvent[], options: { expectedVersion?: ExpectedVersion } = {}): Promise<AppendResult> {
    const [result] = await this.appendMany([{ stream, events, ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }) }]);
    return result!;
  }

  /**
   * EventStoreDB has no transaction across streams, so this is NOT atomic across streams. First every
   * append is checked against the streams as they are (expected versions, repeats), and nothing is
   * written when one fails: the common conflict (a stale decision) writes nothing, as with SQLite.
   * Then the appends are written one by one, in the order given, each with its expected version, which
   * the server checks atomically per stream. A writer that gets in between the check and the writes,
   * or a crash or outage part-way, leaves the earlier appends written and the later ones not.
   *
   * What makes that recoverable: every event's UUID is derived from its id, so repeating the same call
   * finds the written appends as repeats (`duplicate: true`) and writes the rest. Transient failures are
   * retried here, per append, for the same reason. What callers must do is order the appends so that a
   * prefix of them is a safe state: write the marker that says "done" LAST. The ingest writes the
   * inbound-log append (its deduplication marker) before the ticket and customer appends; on this
   * store a crash in between would make the redelivered event a "duplicate" whose ticket events were
   * never written: lost. With the inbound-log append last, a crash leaves the inbound event unlogged,
   * so it is decided again when redelivered: at least once instead of at most once (the new decision
   * sees the ticket events already written and may add to them, but nothing is lost). The ingest is
   * not changed here: that order is the lead's call (see the adapter's report).
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.#assertOpen();
    if (!Array.isArray(appends)) throw invalidArgument('appends must be an array');
    const prepared = appends.map((append) => prepareAppend(this.#naming, append));
    if (prepared.length === 0) return [];
    const { steps, heads } = await this.#check(prepared);
    const results: AppendResult[] = [];
    for (const step of steps) {
      const { append } = step;
      const head = heads.get(append.serverStream);
      switch (step.kind) {
        case 'check':
          results.push({ stream: append.stream, nextExpectedVersion: head?.version ?? -1, position: head?.position ?? 0, duplicate: false });
          break;
        case 'repeat':
          results.push(step.result);
          break;
        case 'recheck':
          results.push(await this.#findRepeat(append, head?.version ?? -1));
          break;
        case 'write': {
          const result = await this.#write(append, head);
          if (!result.duplicate) heads.set(append.serverStream, { version: result.nextExpectedVersion, position: result.position });
          results.push(result);
          break;
        }
      }
    }
    return results;
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    assertStreamName(stream);
    const serverStream = this.#naming.toServer(stream);
    const backwards = options.direction === 'backwards';
    const maxCount = options.maxCount === undefined ? undefined : countOption('maxCount', options.maxCount, 0);
    if (maxCount === 0) return [];
    const from = options.fromVersion === undefined ? undefined : positionOption('fromVersion', options.fromVersion);
    const events = await this.#readServerStream(serverStream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: from === undefined ? (backwards ? END : 0n) : BigInt(from),
      ...(maxCount === undefined ? {} : { maxCount }),
    });
    return events.map((event) => toRecordedEvent(event, stream));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    const after = positionOption('after', options.after);
    const maxCount = countOption('maxCount', options.maxCount, DEFAULT_READ_ALL_COUNT);
    if (maxCount === 0) return [];
    const prefixes = streamPrefixesOption(options.streamPrefixes);
    // The 6.x client reads `$all` without a server-side filter, so this scans and filters here:
    // pages start at what was asked for and double while they bring too little (other streams, other
    // namespaces, system events). Subscriptions do use the server's filter.
    const found: RecordedEvent[] = [];
    let scanned = after;
    let from = readPositionAfter(after);
    let pageSize = Math.min(MAX_SCAN_PAGE, maxCount + 1);
    for (;;) {
      const page = await this.#retrying('readAll', () => collect(this.#client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: pageSize })));
      let progressed = false;
      for (const { event } of page) {
        const position = eventPosition(event?.position);
        // The read includes its start; positions up to `after` are not asked for.
        if (event === undefined || position === undefined || position <= scanned) continue;
        scanned = position;
        from = { commit: event.position.commit, prepare: event.position.commit };
        progressed = true;
        const stream = matchStream(this.#naming, prefixes, event.streamId, event.type);
        if (stream === undefined) continue;
        found.push(toRecordedEvent(event, stream));
        if (found.length === maxCount) return found;
      }
      if (page.length < pageSize || !progressed) return found;
      pageSize = Math.min(MAX_SCAN_PAGE, pageSize * 2);
    }
  }

  subscribeToAll(options: EsdbSubscribeOptions = {}): AsyncIterable<readonly RecordedEvent[]> {
    return followAll({ client: this.#client, naming: this.#naming, closing: this.#closing.signal, reconnect: this.#reconnect }, options);
  }

  /** Reads `$all` backwards to the newest event of ours, past system events and other namespaces. */
  async headPosition(): Promise<number> {
    this.#assertOpen();
    let from: ReadPosition = END;
    let pageSize = FIRST_HEAD_SCAN_PAGE;
    for (;;) {
      const page = await this.#retrying('headPosition', () => collect(this.#client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: pageSize })));
      let oldest: bigint | undefined;
      for (const { event } of page) {
        if (event === undefined) continue;
        if (matchStream(this.#naming, undefined, event.streamId, event.type) !== undefined) return eventPosition(event.position) ?? 0;
        oldest = event.position.commit;
      }
      // Backwards reads stop before the record at their start, so each page starts older than the last.
      if (page.length < pageSize || oldest === undefined || (from !== END && oldest >= from.commit)) return 0;
      from = { commit: oldest, prepare: oldest };
      pageSize = Math.min(MAX_SCAN_PAGE, pageSize * 2);
    }
  }

  async streamVersions(streams: readonly string[]): Promise<Map<string, number>> {
    this.#assertOpen();
    const serverStreams = streams.map((stream) => {
      assertStreamName(stream);
      return this.#naming.toServer(stream);
    });
    const heads = await mapConcurrently(serverStreams, HEAD_READ_CONCURRENCY, (serverStream) => this.#readHead(serverStream, 'streamVersions'));
    const versions = new Map<string, number>();
    heads.forEach((head, i) => {
      if (head !== undefined) versions.set(streams[i]!, head.version);
    });
    return versions;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Subscriptions and retry waits watch this signal: they end now, without error.
    this.#closing.abort();
    if (this.#ownsClient) await this.#client.dispose();
  }

  /**
   * Checks every append against the streams' current heads, as if the earlier appends of the call were
   * already written, and throws before anything is written when one cannot succeed.
   */
  async #check(appends: readonly PreparedAppend[]): Promise<{ steps: Step[]; heads: Map<string, StreamHead | undefined> }> {
    const serverStreams = [...new Set(appends.map((append) => append.serverStream))];
    const stored = await mapConcurrently(serverStreams, HEAD_READ_CONCURRENCY, (serverStream) => this.#readHead(serverStream, 'append'));
    const heads = new Map(serverStreams.map((serverStream, i) => [serverStream, stored[i]]));
    const simulated = new Map<string, SimulatedStream>(
      serverStreams.map((serverStream, i) => [serverStream, { version: stored[i]?.version ?? -1, pendingWrites: false }]),
    );
    const steps: Step[] = [];
    for (const append of appends) {
      const state = simulated.get(append.serverStream)!;
      const check = checkExpectedVersion(append.expected, state.version);
      if (append.events.length === 0) {
        if (check !== 'matches') throw new ConcurrencyError(append.stream, String(append.expected), state.version);
        steps.push({ kind: 'check', append });
      } else if (check === 'matches') {
        steps.push({ kind: 'write', append });
        state.version += append.events.length;
        state.pendingWrites = true;
      } else if (check === 'moved-on') {
        steps.push(state.pendingWrites ? { kind: 'recheck', append } : { kind: 'repeat', append, result: await this.#findRepeat(append, state.version) });
      } else {
        throw new ConcurrencyError(append.stream, String(append.expected), state.version);
      }
    }
    return { steps, heads };
  }

  /**
   * The stream is past the expected revision: the same events may be there already (a retried call).
   * Returns the duplicate result when they are; throws IdempotencyError when only some are, else a
   * ConcurrencyError with the stream's revision.
   */
  async #findRepeat(append: PreparedAppend, actual: number, cause?: WrongExpectedVersionError): Promise<AppendResult> {
    const first = append.expected === 'no_stream' ? 0 : (append.expected as number) + 1;
    const stored = await this.#readServerStream(append.serverStream, { direction: FORWARDS, fromRevision: BigInt(first), maxCount: append.events.length }, 'append');
    const comparison = compareRun(
      append.events.map((event) => event.id),
      stored.map((event) => storedEventId(event)),
    );
    if (comparison.kind === 'partial') throw new IdempotencyError(append.stream, comparison.eventId);
    if (comparison.kind === 'different') throw new ConcurrencyError(append.stream, String(append.expected), actual, cause === undefined ? undefined : { cause });
    const last = stored[stored.length - 1]!;
    const position = eventPosition(last.position);
    if (position === undefined) throw unknownPosition();
    return { stream: append.stream, nextExpectedVersion: Number(last.revision), position, duplicate: true };
  }

  /** Writes one append; retried on transient failures, which the derived event UUIDs make safe. */
  async #write(append: PreparedAppend, before: StreamHead | undefined): Promise<AppendResult> {
    let written;
    try {
      written = await retryTransient(
        () => this.#client.appendToStream(append.serverStream, append.data, { expectedRevision: toExpectedRevision(append.expected) }),
        this.#retry,
        this.#closing.signal,
      );
    } catch (error) {
      if (isWrongExpectedVersion(error)) return this.#afterRefusal(append, error);
      throw translateEsdbError(error, `append to ${append.stream}`);
    }
    const version = Number(written.nextExpectedRevision);
    const position = eventPosition(written.position) ?? (await this.#positionOf(append.serverStream, version));
    // The server answers a repeated append as a success with the stored events' revision and position,
    // without saying so: older than the head we read before writing means nothing new was written.
    return { stream: append.stream, nextExpectedVersion: version, position, duplicate: before !== undefined && position <= before.position };
  }

  /** The server refused the expected version, though the check before writing had passed: another writer got in between. */
  async #afterRefusal(append: PreparedAppend, error: WrongExpectedVersionError): Promise<AppendResult> {
    const actual = fromCurrentRevision(error.actualVersion);
    if (append.expected === 'any' || (append.expected === 'stream_exists' && actual >= 0)) {
      // Without an expected revision, the server refuses only an append whose first event is stored
      // and the others not.
      throw new IdempotencyError(append.stream, append.events[0]!.id);
    }
    if (checkExpectedVersion(append.expected, actual) === 'moved-on') return this.#findRepeat(append, actual, error);
    throw concurrencyErrorFrom(error, append.stream, String(append.expected));
  }

  async #positionOf(serverStream: string, version: number): Promise<number> {
    const [event] = await this.#readServerStream(serverStream, { direction: FORWARDS, fromRevision: BigInt(version), maxCount: 1 }, 'append');
    const position = eventPosition(event?.position);
    if (position === undefined) throw unknownPosition();
    return position;
  }

  async #readHead(serverStream: string, operation: string): Promise<StreamHead | undefined> {
    const [last] = await this.#readServerStream(serverStream, { direction: BACKWARDS, fromRevision: END, maxCount: 1 }, operation);
    if (last === undefined) return undefined;
    const position = eventPosition(last.position);
    if (position === undefined) throw unknownPosition();
    return { version: Number(last.revision), position };
  }

  /** The stored events of a stream; a stream that does not exist reads as empty. */
  async #readServerStream(
    serverStream: string,
    options: { direction: typeof FORWARDS | typeof BACKWARDS; fromRevision: bigint | typeof END; maxCount?: number },
    operation = 'readStream',
  ): Promise<ClientRecordedEvent[]> {
    const resolved = await this.#retrying(operation, async () => {
      try {
        return await collect(this.#client.readStream(serverStream, options));
      } catch (error) {
        if (isStreamNotFound(error)) return [];
        throw error;
      }
    });
    const events: ClientRecordedEvent[] = [];
    for (const { event } of resolved) if (event !== undefined) events.push(event);
    return events;
  }

  async #retrying<T>(operation: string, read: () => Promise<T>): Promise<T> {
    try {
      return await retryTransient(read, this.#retry, this.#closing.signal);
    } catch (error) {
      throw translateEsdbError(error, operation);
    }
  }

  #assertOpen(): void {
    if (this.closed) throw new EventStoreError('EVENT_STORE.CLOSED', 'the event store is closed', false);
  }
}

/**
 * The EventStoreDB (KurrentDB) event store. Appends are atomic per stream only: see `appendMany`.
 * Event ids become name-based UUIDs, so retried appends are recognised by the server; positions are
 * derived from the log's commit positions (see esdb-position.ts).
 */
export function createEsdbEventStore(options: EsdbEventStoreOptions): EsdbEventStore {
  const naming = streamNaming(options.namespace);
  const client = options.client ?? EventStoreDBClient.connectionString(toClientConnectionString(options.connectionString));
  return new EsdbEventStoreAdapter(client, options.client === undefined, naming, options.retry ?? DEFAULT_RETRY_POLICY, options.reconnect ?? DEFAULT_RECONNECT_POLICY);
}
