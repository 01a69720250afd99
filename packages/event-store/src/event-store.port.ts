import type { ChainedEvent } from './chain/event-hash.js';

/** JSON-serialisable values: what an event's data and metadata may hold. */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

/** Metadata every event carries for tracing and audit. */
export interface EventMetadata {
  /** The inbound CloudEvent id this event ultimately comes from. */
  readonly correlationId?: string;
  /** The event (inbound key or domain event id) that directly caused this one. */
  readonly causationId?: string;
  readonly [key: string]: Json | undefined;
}

export interface NewEvent {
  /** Unique, deterministic id: appending the same ids again is a no-op (idempotency). */
  readonly id: string;
  readonly type: string;
  readonly data: Json;
  readonly metadata?: EventMetadata;
}

export interface RecordedEvent<Data = Json> {
  readonly id: string;
  readonly type: string;
  readonly data: Data;
  readonly metadata: EventMetadata;
  readonly stream: string;
  /** 0-based revision of the event in its stream. */
  readonly version: number;
  /** 1-based global position: strictly increasing in commit order across all streams. */
  readonly position: number;
}

/**
 * What the writer believes about the stream:
 * - `no_stream`: it must not exist yet;
 * - `stream_exists`: it must exist;
 * - `any`: no check;
 * - a number: the revision of the stream's last event (0 after one event).
 */
export type ExpectedVersion = number | 'no_stream' | 'stream_exists' | 'any';

export interface StreamAppend {
  readonly stream: string;
  readonly events: readonly NewEvent[];
  readonly expectedVersion?: ExpectedVersion;
}

export interface AppendResult {
  readonly stream: string;
  /** Revision of the stream's last event after the append. */
  readonly nextExpectedVersion: number;
  /** Global position of the last event written (or found, when duplicate). */
  readonly position: number;
  /** True when every event was already in the stream at these revisions: nothing was written. */
  readonly duplicate: boolean;
}

export interface ReadStreamOptions {
  /** Inclusive revision to start from (forwards: default 0; backwards: default the end). */
  readonly fromVersion?: number;
  readonly direction?: 'forwards' | 'backwards';
  readonly maxCount?: number;
}

export interface ReadAllOptions {
  /** Exclusive: events with a position strictly greater are returned. Default 0 (from the start). */
  readonly after?: number;
  readonly maxCount?: number;
  /** Only streams whose name starts with one of these prefixes (e.g. `ticket-`). */
  readonly streamPrefixes?: readonly string[];
}

export interface ReadChainOptions {
  /** Exclusive: events with a position strictly greater are returned. Default 0 (from the start). */
  readonly after?: number;
  readonly maxCount?: number;
}

export interface SubscribeOptions extends Omit<ReadAllOptions, 'maxCount'> {
  readonly signal?: AbortSignal;
  /** Events handed over per batch. */
  readonly batchSize?: number;
}

/**
 * The event store port. Adapters: SQLite (embedded default), PostgreSQL, KurrentDB.
 * Every adapter passes the contract suite in `@tickets/event-store/testing`.
 */
export interface EventStore {
  /** Appends to one stream; throws ConcurrencyError when `expectedVersion` does not hold. */
  append(
    stream: string,
    events: readonly NewEvent[],
    options?: { expectedVersion?: ExpectedVersion },
  ): Promise<AppendResult>;
  /**
   * Appends to several streams, atomically on every adapter (SQLite, PostgreSQL, KurrentDB 26.1+):
   * one commit for all, or nothing and a ConcurrencyError. An append with no events checks its
   * expected version in the same commit. Results are in the order of `appends`.
   */
  appendMany(appends: readonly StreamAppend[]): Promise<AppendResult[]>;
  /** Reads one stream; an unknown stream reads as empty. */
  readStream(stream: string, options?: ReadStreamOptions): Promise<RecordedEvent[]>;
  /** Reads one page of all events in global order. */
  readAll(options?: ReadAllOptions): Promise<RecordedEvent[]>;
  /**
   * Catches up from `after`, then follows new commits, yielding batches in global order, never
   * skipping or repeating a position. Ends when `signal` aborts or the store closes.
   */
  subscribeToAll(options?: SubscribeOptions): AsyncIterable<readonly RecordedEvent[]>;
  /**
   * One page of all events in global order as stored, with their chain hashes (`chain/`): the
   * metadata and data as the JSON texts written, personal data sealed. For `tickets verify` and
   * `tickets head`; a personal-data codec hands it through untouched.
   */
  readChain(options?: ReadChainOptions): Promise<ChainedEvent[]>;
  /** Position of the last committed event (0 when empty). */
  headPosition(): Promise<number>;
  /**
   * The revision of the last event of each named stream that exists; streams that do not exist are
   * absent from the map. One call for many streams (e.g. a batch's deduplication keys).
   */
  streamVersions(streams: readonly string[]): Promise<Map<string, number>>;
  close(): Promise<void>;
}
