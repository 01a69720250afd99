import {
  BACKWARDS,
  END,
  FORWARDS,
  KurrentDBClient,
  NO_STREAM,
  STREAM_STATE,
  type AppendRecordsResult,
  type ConsistencyCheck,
  type EventData,
  type ReadPosition,
  type RecordedEvent as ClientRecordedEvent,
} from '@kurrent/kurrentdb-client';
import { ConcurrencyError, EventStoreError, IdempotencyError } from '../errors.js';
import type {
  AppendResult,
  EventStore,
  ExpectedVersion,
  NewEvent,
  ReadAllOptions,
  ReadChainOptions,
  ReadStreamOptions,
  RecordedEvent,
  StreamAppend,
} from '../event-store.port.js';
import {
  assertExpectedVersion,
  assertNewEvents,
  assertStreamName,
  invalidArgument,
  pageOption,
  streamPrefixesOption,
  streamRangeOption,
} from '../validate-arguments.js';
import { chainHashes, type ChainedEvent } from '../chain/event-hash.js';
import { compareRun, decideAppend, isRepeatedRun } from '../append-decision.js';
import { toClientConnectionString } from './connection-string.js';
import type { EventStoreDBClientLike } from './esdb-client.port.js';
import {
  isConsistencyViolation,
  isStreamNotFound,
  translateEsdbError,
  type ConsistencyViolationLike,
} from './esdb-error.js';
import { eventPosition, readPositionAfter } from './esdb-position.js';
import { followAll, type EsdbSubscribeOptions } from './esdb-subscription.js';
import { toExpectedRevision } from './expected-revision.js';
import { assertSupportedServer } from './server-version.js';
import {
  eventTexts,
  storedChainHash,
  storedEventId,
  toChainedEvent,
  toEventData,
  toRecordedEvent,
  type EventTexts,
} from './event-mapping.js';
import { mapConcurrently } from './map-concurrently.js';
import { clientStreamFilter, matchStream } from './stream-filter.js';
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
/** The most events one page of a `$all` scan asks for; pages start small and double. */
const MAX_SCAN_PAGE = 4096;
const FIRST_HEAD_SCAN_PAGE = 4;
/** Stream heads read at once when checking a batch of appends or `streamVersions`. */
const HEAD_READ_CONCURRENCY = 16;
/** Times one appendMany checks the streams and writes, when other writers keep getting in between. */
const MAX_WRITE_CHECKS = 3;

/** The last event of a stream: what expected versions are checked against. */
interface StreamHead {
  readonly version: number;
  readonly position: number;
  /** Its chain hash; null when written before the chain. */
  readonly hash: string | null;
}

/** One append, validated and mapped before anything is read or written. */
interface PreparedAppend {
  readonly stream: string;
  readonly serverStream: string;
  readonly expected: ExpectedVersion;
  readonly events: readonly NewEvent[];
  readonly texts: readonly EventTexts[];
}

/**
 * What the check before writing decided for one append:
 * - `check`: no events, the expected version held; the result is the stream's head;
 * - `repeat`: the same events are already stored at these revisions; nothing to write;
 * - `write`: append (the server checks the stream again, atomically with every other append);
 * - `recheck`: the stream moved past the expected version through an earlier append of this call:
 *   look for a repeat once that one is written.
 */
type Step =
  | CheckStep
  | { readonly kind: 'repeat'; readonly append: PreparedAppend; readonly result: AppendResult }
  | WriteStep
  | { readonly kind: 'recheck'; readonly append: PreparedAppend };
/** `version`: the stream's revision before the step, counting the call's earlier appends. */
interface CheckStep {
  readonly kind: 'check';
  readonly append: PreparedAppend;
  readonly version: number;
}
interface WriteStep {
  readonly kind: 'write';
  readonly append: PreparedAppend;
  readonly version: number;
  /** The chain hash of each event, after the stream's head as the check saw it. */
  readonly hashes: readonly string[];
}

const isExact = (expected: ExpectedVersion): boolean => typeof expected === 'number' || expected === 'no_stream';

/** A stream during the check: the revision it will have after this call's earlier appends, and whether they write to it. */
interface SimulatedStream {
  version: number;
  pendingWrites: boolean;
  /** The chain hash of the head, after this call's earlier appends. */
  hash: string | null;
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
  return { stream, serverStream, expected, events, texts: events.map((event) => eventTexts(stream, event)) };
};

const unknownPosition = (): EventStoreError =>
  new EventStoreError(
    'EVENT_STORE.UNAVAILABLE',
    'the server reports no event positions on stream reads: KurrentDB 26.1 or later is required',
    false,
  );

class EsdbEventStoreAdapter implements EsdbEventStore {
  readonly #client: EventStoreDBClientLike;
  readonly #ownsClient: boolean;
  readonly #naming: StreamNaming;
  readonly #retry: RetryPolicy;
  readonly #reconnect: RetryPolicy;
  readonly #closing = new AbortController();
  #supportedCheck: Promise<void> | undefined;

  constructor(
    client: EventStoreDBClientLike,
    ownsClient: boolean,
    naming: StreamNaming,
    retry: RetryPolicy,
    reconnect: RetryPolicy,
  ) {
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.#naming = naming;
    this.#retry = retry;
    this.#reconnect = reconnect;
  }

  get closed(): boolean {
    return this.#closing.signal.aborted;
  }

  async append(
    stream: string,
    events: readonly NewEvent[],
    options: { expectedVersion?: ExpectedVersion } = {},
  ): Promise<AppendResult> {
    const [result] = await this.appendMany([
      {
        stream,
        events,
        ...(options.expectedVersion === undefined ? {} : { expectedVersion: options.expectedVersion }),
      },
    ]);
    return result!;
  }

  /**
   * One atomic write, as on SQLite and PostgreSQL: every append is committed or none is. The appends
   * are first checked against the streams' heads (expected versions, repeats of earlier calls), so
   * the common conflict costs no write; then everything left to write goes to the server in ONE
   * `appendRecords` call (KurrentDB 26.1+), which checks every stream again — read-only checks
   * included — and commits all records in order, or nothing. Another writer that got in between the
   * check and the write makes the server refuse the whole call; it is then checked again (a stale
   * decision becomes the caller's ConcurrencyError, a repeat is found as such).
   *
   * Retries after a transient failure (lost reply, leader change) send exact revisions for every
   * stream, so the server recognises the committed write by revision and ids. `any` is sent only on a
   * first attempt, where the server's recent-ids cache may recognise a repeat: that cache is bounded
   * and lost on restart or failover, so nothing depends on it for a retry.
   */
  async appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]> {
    this.#assertOpen();
    if (!Array.isArray(appends)) throw invalidArgument('appends must be an array');
    const prepared = appends.map((append) => prepareAppend(this.#naming, append));
    if (prepared.length === 0) return [];
    await this.#supported();
    /** Loose appends (any, stream_exists) the server found written already, by its recent-ids cache. */
    const found = new Map<PreparedAppend, AppendResult>();
    for (let attempt = 1; ; attempt++) {
      const { steps, heads } = await this.#check(prepared, found);
      try {
        return await this.#commit(steps, heads);
      } catch (error) {
        if (!isConsistencyViolation(error)) throw translateEsdbError(error, 'append');
        // Nothing was written. Loose appends refused on a stream nobody else moved are the server's
        // idempotency answer: find where they are (or that only part of them is there).
        const refused = await this.#locateRefusedLoose(error, steps, heads);
        for (const [append, result] of refused) found.set(append, result);
        if (attempt >= MAX_WRITE_CHECKS) throw this.#concurrencyErrorFrom(error, prepared);
      }
    }
  }

  async readStream(stream: string, options: ReadStreamOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    await this.#supported();
    assertStreamName(stream);
    const serverStream = this.#naming.toServer(stream);
    const { maxCount, backwards, fromVersion: from } = streamRangeOption(options);
    if (maxCount === 0) return [];
    const events = await this.#readServerStream(serverStream, {
      direction: backwards ? BACKWARDS : FORWARDS,
      fromRevision: from === undefined ? (backwards ? END : 0n) : BigInt(from),
      ...(maxCount === undefined ? {} : { maxCount }),
    });
    return events.map((event) => toRecordedEvent(event, stream));
  }

  async readAll(options: ReadAllOptions = {}): Promise<RecordedEvent[]> {
    this.#assertOpen();
    await this.#supported();
    const { after, maxCount } = pageOption(options);
    if (maxCount === 0) return [];
    return this.#scan(after, maxCount, streamPrefixesOption(options.streamPrefixes), toRecordedEvent);
  }

  async readChain(options: ReadChainOptions = {}): Promise<ChainedEvent[]> {
    this.#assertOpen();
    await this.#supported();
    const { after, maxCount } = pageOption(options);
    if (maxCount === 0) return [];
    return this.#scan(after, maxCount, undefined, toChainedEvent);
  }

  /** A page of our events in `$all` after `after`, mapped by `map`. */
  async #scan<T>(
    after: number,
    maxCount: number,
    prefixes: readonly string[] | undefined,
    map: (event: ClientRecordedEvent, stream: string) => T,
  ): Promise<T[]> {
    // The server filters by stream name (system streams, other namespaces, other prefixes), so pages
    // are mostly ours; what its filter cannot tell apart (a prefix `c` also matches `checkpoint-`) is
    // dropped here, and pages double while they bring too little.
    const filter = clientStreamFilter(this.#naming, prefixes);
    const found: T[] = [];
    let scanned = after;
    let from = readPositionAfter(after);
    let pageSize = Math.min(MAX_SCAN_PAGE, maxCount + 1);
    for (;;) {
      const page = await this.#retrying('readAll', () =>
        collect(this.#client.readAll({ fromPosition: from, direction: FORWARDS, maxCount: pageSize, filter })),
      );
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
        found.push(map(event, stream));
        if (found.length === maxCount) return found;
      }
      if (page.length < pageSize || !progressed) return found;
      pageSize = Math.min(MAX_SCAN_PAGE, pageSize * 2);
    }
  }

  subscribeToAll(options: EsdbSubscribeOptions = {}): AsyncIterable<readonly RecordedEvent[]> {
    return followAll(
      {
        client: this.#client,
        naming: this.#naming,
        closing: this.#closing.signal,
        reconnect: this.#reconnect,
        supported: () => this.#supported(),
      },
      options,
    );
  }

  /** Reads `$all` backwards to the newest event of ours; the server's filter skips system events and other namespaces. */
  async headPosition(): Promise<number> {
    this.#assertOpen();
    await this.#supported();
    const filter = clientStreamFilter(this.#naming, undefined);
    let from: ReadPosition = END;
    let pageSize = FIRST_HEAD_SCAN_PAGE;
    for (;;) {
      const page = await this.#retrying('headPosition', () =>
        collect(this.#client.readAll({ fromPosition: from, direction: BACKWARDS, maxCount: pageSize, filter })),
      );
      let oldest: bigint | undefined;
      for (const { event } of page) {
        if (event === undefined) continue;
        if (matchStream(this.#naming, undefined, event.streamId, event.type) !== undefined)
          return eventPosition(event.position) ?? 0;
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
    await this.#supported();
    const serverStreams = streams.map((stream) => {
      assertStreamName(stream);
      return this.#naming.toServer(stream);
    });
    const heads = await mapConcurrently(serverStreams, HEAD_READ_CONCURRENCY, (serverStream) =>
      this.#readHead(serverStream, 'streamVersions'),
    );
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
  async #check(
    appends: readonly PreparedAppend[],
    found: ReadonlyMap<PreparedAppend, AppendResult>,
  ): Promise<{ steps: Step[]; heads: Map<string, StreamHead | undefined> }> {
    const serverStreams = [...new Set(appends.map((append) => append.serverStream))];
    const stored = await mapConcurrently(serverStreams, HEAD_READ_CONCURRENCY, (serverStream) =>
      this.#readHead(serverStream, 'append'),
    );
    const heads = new Map(serverStreams.map((serverStream, i) => [serverStream, stored[i]]));
    const simulated = new Map<string, SimulatedStream>(
      serverStreams.map((serverStream, i) => [
        serverStream,
        { version: stored[i]?.version ?? -1, pendingWrites: false, hash: stored[i]?.hash ?? null },
      ]),
    );
    const steps: Step[] = [];
    for (const append of appends) {
      const state = simulated.get(append.serverStream)!;
      const known = found.get(append);
      if (known !== undefined) {
        steps.push({ kind: 'repeat', append, result: known });
        continue;
      }
      const decision = decideAppend(append.expected, state.version, append.events.length);
      if (decision.kind === 'unchanged') {
        steps.push({ kind: 'check', append, version: state.version });
      } else if (decision.kind === 'write' || (decision.kind === 'locate' && decision.at === 'first-id')) {
        // Without a version, the server's own id check tells a repeat (#locateRefusedLoose reads it).
        const { stream, events, texts } = append;
        const hashes = chainHashes(
          state.hash,
          events.map((event, i) => ({
            stream,
            version: state.version + 1 + i,
            id: event.id,
            type: event.type,
            metadata: texts[i]!.metadata,
            data: texts[i]!.data,
          })),
        );
        steps.push({ kind: 'write', append, version: state.version, hashes });
        state.version += append.events.length;
        state.hash = hashes.at(-1)!;
        state.pendingWrites = true;
      } else if (decision.kind === 'locate') {
        steps.push(
          state.pendingWrites
            ? { kind: 'recheck', append }
            : { kind: 'repeat', append, result: await this.#findRepeat(append, state.version) },
        );
      } else {
        throw new ConcurrencyError(append.stream, String(append.expected), state.version);
      }
    }
    return { steps, heads };
  }

  /**
   * Writes what the check left to write in one `appendRecords` call and builds the results. Every
   * stream a check or write step names is checked by the server at the revision this call started
   * from: exact where any append of the call on it is exact, and on retries everywhere.
   */
  async #commit(steps: readonly Step[], heads: ReadonlyMap<string, StreamHead | undefined>): Promise<AppendResult[]> {
    const writes = steps.filter((step): step is WriteStep => step.kind === 'write');
    if (writes.length > 0) {
      const records = writes.flatMap(({ append, hashes }) =>
        append.events.map((event, i) => ({
          streamName: append.serverStream,
          record: toEventData(event, append.texts[i]!, hashes[i]!),
        })),
      );
      const exact = new Map<string, ConsistencyCheck>();
      const firstAttempt = new Map<string, ConsistencyCheck>();
      const checked = steps.filter(
        (step): step is WriteStep | CheckStep => step.kind === 'write' || step.kind === 'check',
      );
      for (const { append } of checked) {
        const streamName = append.serverStream;
        if (exact.has(streamName)) continue;
        const head = heads.get(streamName)?.version ?? -1;
        const atHead: ConsistencyCheck = {
          type: STREAM_STATE,
          streamName,
          expectedState: head < 0 ? NO_STREAM : BigInt(head),
        };
        exact.set(streamName, atHead);
        const loose = checked.every(
          (step) => step.append.serverStream !== streamName || !isExact(step.append.expected),
        );
        firstAttempt.set(
          streamName,
          loose ? { ...atHead, expectedState: toExpectedRevision(append.expected) } : atHead,
        );
      }
      let attempts = 0;
      const written = await retryTransient(
        () => this.#client.appendRecords(records, [...(attempts++ === 0 ? firstAttempt : exact).values()]),
        this.#retry,
        this.#closing.signal,
      );
      return this.#results(steps, heads, records, written);
    }
    return this.#results(steps, heads, [], undefined);
  }

  async #results(
    steps: readonly Step[],
    heads: ReadonlyMap<string, StreamHead | undefined>,
    records: readonly { streamName: string; record: EventData }[],
    written: AppendRecordsResult | undefined,
  ): Promise<AppendResult[]> {
    const revisions = new Map(
      (written?.responses ?? []).map((response) => [response.streamName, Number(response.revision)]),
    );
    const positions = written === undefined ? [] : await this.#recordPositions(records, written.position);
    const results: AppendResult[] = [];
    let recordIndex = 0;
    const current = new Map<string, StreamHead | undefined>(heads);
    for (const step of steps) {
      const { append } = step;
      switch (step.kind) {
        case 'check': {
          const head = current.get(append.serverStream);
          results.push({
            stream: append.stream,
            nextExpectedVersion: head?.version ?? -1,
            position: head?.position ?? 0,
            duplicate: false,
          });
          break;
        }
        case 'repeat':
          results.push(step.result);
          break;
        case 'recheck':
          results.push(await this.#findRepeat(append, current.get(append.serverStream)?.version ?? -1));
          break;
        case 'write': {
          recordIndex += append.events.length;
          const planned = step.version + append.events.length;
          // What the server says, which differs from the plan for loose appends only: later, when
          // another writer got in first (`any` lets it), earlier when it found them written already.
          const streamLast = revisions.get(append.serverStream);
          const version = streamLast === undefined ? planned : streamLast - this.#eventsAfter(steps, step);
          if (version < planned) {
            // Its recent-ids cache recognised these `any` events: nothing new was written.
            results.push(await this.#repeatAt(append, version));
            break;
          }
          const position = positions[recordIndex - 1] ?? (await this.#positionOf(append.serverStream, version));
          // A loose append that landed after another writer's events (`any` lets it) carries hashes
          // chained to the head the check saw: verify reports that stream. The services append with
          // exact revisions only.
          current.set(append.serverStream, { version, position, hash: step.hashes.at(-1)! });
          results.push({ stream: append.stream, nextExpectedVersion: version, position, duplicate: false });
          break;
        }
      }
    }
    return results;
  }

  /** Events the call writes to the step's stream after the step: how far the stream's last revision is past the step's. */
  #eventsAfter(steps: readonly Step[], step: WriteStep): number {
    let after = 0;
    for (const later of steps.slice(steps.indexOf(step) + 1))
      if (later.kind === 'write' && later.append.serverStream === step.append.serverStream)
        after += later.append.events.length;
    return after;
  }

  /**
   * The position of every record of a committed `appendRecords`: the server answers with the last
   * one's, and a transaction's records sit next to each other in the log, in request order. So one
   * backward read of `$all` from that position brings the others. Where the log does not show them
   * as expected, undefined entries make the caller read each stream's head instead.
   */
  async #recordPositions(records: readonly { record: EventData }[], last: bigint): Promise<(number | undefined)[]> {
    const lastPosition = eventPosition({ commit: last, prepare: last });
    const positions: (number | undefined)[] = new Array<number | undefined>(records.length).fill(undefined);
    if (lastPosition === undefined) return positions;
    positions[records.length - 1] = lastPosition;
    if (records.length === 1) return positions;
    const page = await this.#retrying('append', () =>
      collect(
        this.#client.readAll({
          fromPosition: { commit: last, prepare: last },
          direction: BACKWARDS,
          maxCount: records.length - 1,
        }),
      ),
    );
    const before = page.map(({ event }) => event).reverse();
    if (
      before.length !== records.length - 1 ||
      before.some((event, i) => event?.id.toLowerCase() !== records[i]!.record.id?.toLowerCase())
    )
      return [undefined];
    before.forEach((event, i) => (positions[i] = eventPosition(event?.position)));
    return positions;
  }

  /** The result of an append whose events the server says end at `lastRevision`. */
  async #repeatAt(append: PreparedAppend, lastRevision: number): Promise<AppendResult> {
    const first = lastRevision - append.events.length + 1;
    const repeat = first < 0 ? null : await this.#storedRepeat(append, first);
    if (repeat === null)
      throw new EventStoreError(
        'EVENT_STORE.UNAVAILABLE',
        `append to ${append.stream}: the server reported events that are not there`,
        true,
      );
    return repeat;
  }

  /**
   * The duplicate result when the stream holds exactly the append's events from revision `first` on;
   * null when it holds others there; an IdempotencyError when it holds only some of them.
   */
  async #storedRepeat(append: PreparedAppend, first: number): Promise<AppendResult | null> {
    const stored = await this.#readServerStream(
      append.serverStream,
      { direction: FORWARDS, fromRevision: BigInt(first), maxCount: append.events.length },
      'append',
    );
    const ids = append.events.map((event) => event.id);
    if (
      !isRepeatedRun(
        append.stream,
        ids,
        stored.map((event) => storedEventId(event)),
      )
    )
      return null;
    const last = stored[stored.length - 1]!;
    const position = eventPosition(last.position);
    if (position === undefined) throw unknownPosition();
    return { stream: append.stream, nextExpectedVersion: Number(last.revision), position, duplicate: true };
  }

  /**
   * After a refused `appendRecords`: loose appends on streams that have not moved since the check were
   * refused by the server's id check (all of their events written already, in a call that writes
   * others too, or only some). Looks for them in the stream: a repeat becomes a duplicate result,
   * part of one an IdempotencyError.
   */
  async #locateRefusedLoose(
    error: ConsistencyViolationLike,
    steps: readonly Step[],
    heads: ReadonlyMap<string, StreamHead | undefined>,
  ): Promise<Map<PreparedAppend, AppendResult>> {
    const located = new Map<PreparedAppend, AppendResult>();
    for (const violation of error.violations) {
      const actual = violation.actualState === NO_STREAM ? -1 : Number(violation.actualState);
      if (actual !== (heads.get(violation.streamName)?.version ?? -1)) continue;
      for (const step of steps) {
        if (step.kind !== 'write' || step.append.serverStream !== violation.streamName || isExact(step.append.expected))
          continue;
        const stored = await this.#readServerStream(
          step.append.serverStream,
          { direction: FORWARDS, fromRevision: 0n },
          'append',
        );
        const ids = stored.map((event) => storedEventId(event));
        const start = ids.indexOf(step.append.events[0]!.id);
        if (start < 0) continue;
        const comparison = compareRun(
          step.append.events.map((event) => event.id),
          ids.slice(start, start + step.append.events.length),
        );
        if (comparison.kind !== 'repeat') throw new IdempotencyError(step.append.stream, step.append.events[0]!.id);
        located.set(step.append, await this.#repeatAt(step.append, start + step.append.events.length - 1));
      }
    }
    return located;
  }

  /** A refusal that checking again did not resolve: the first refused stream, as the caller named it. */
  #concurrencyErrorFrom(error: ConsistencyViolationLike, appends: readonly PreparedAppend[]): ConcurrencyError {
    const [violation] = error.violations;
    const append = appends.find((candidate) => candidate.serverStream === violation?.streamName) ?? appends[0]!;
    const actual = violation === undefined || violation.actualState === NO_STREAM ? -1 : Number(violation.actualState);
    return new ConcurrencyError(append.stream, String(append.expected), actual, { cause: error });
  }

  /**
   * The stream is past the expected revision: the same events may be there already (a retried call).
   * Returns the duplicate result when they are; throws IdempotencyError when only some are, else a
   * ConcurrencyError with the stream's revision.
   */
  async #findRepeat(append: PreparedAppend, actual: number): Promise<AppendResult> {
    const first = append.expected === 'no_stream' ? 0 : (append.expected as number) + 1;
    const repeat = await this.#storedRepeat(append, first);
    if (repeat === null) throw new ConcurrencyError(append.stream, String(append.expected), actual);
    return repeat;
  }

  async #positionOf(serverStream: string, version: number): Promise<number> {
    const [event] = await this.#readServerStream(
      serverStream,
      { direction: FORWARDS, fromRevision: BigInt(version), maxCount: 1 },
      'append',
    );
    const position = eventPosition(event?.position);
    if (position === undefined) throw unknownPosition();
    return position;
  }

  /** Refuses, once per store, a server this adapter cannot run on (see server-version.ts). */
  #supported(): Promise<void> {
    this.#supportedCheck ??= (async () => {
      try {
        await this.#retrying('connect', () => assertSupportedServer(this.#client));
      } catch (error) {
        // A transient failure is asked again next time; a refusal stays.
        if (error instanceof EventStoreError && error.retriable) this.#supportedCheck = undefined;
        throw error;
      }
    })();
    return this.#supportedCheck;
  }

  async #readHead(serverStream: string, operation: string): Promise<StreamHead | undefined> {
    const [last] = await this.#readServerStream(
      serverStream,
      { direction: BACKWARDS, fromRevision: END, maxCount: 1 },
      operation,
    );
    if (last === undefined) return undefined;
    const position = eventPosition(last.position);
    if (position === undefined) throw unknownPosition();
    return { version: Number(last.revision), position, hash: storedChainHash(last) };
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
 * The KurrentDB event store (26.1 and later). Appends are atomic across streams: see `appendMany`.
 * Event ids become name-based UUIDs, so retried appends are recognised by the server; positions are
 * derived from the log's commit positions (see esdb-position.ts).
 */
export function createEsdbEventStore(options: EsdbEventStoreOptions): EsdbEventStore {
  const naming = streamNaming(options.namespace);
  const client = options.client ?? KurrentDBClient.connectionString(toClientConnectionString(options.connectionString));
  return new EsdbEventStoreAdapter(
    client,
    options.client === undefined,
    naming,
    options.retry ?? DEFAULT_RETRY_POLICY,
    options.reconnect ?? DEFAULT_RECONNECT_POLICY,
  );
}
