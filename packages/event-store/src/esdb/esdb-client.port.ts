import type {
  AllStreamResolvedEvent,
  AppendRecordInput,
  AppendRecordsResult,
  AppendResult,
  ConsistencyCheck,
  AppendToStreamOptions,
  EventData,
  ReadAllOptions as ClientReadAllOptions,
  ReadStreamOptions as ClientReadStreamOptions,
  ResolvedEvent,
  SetStreamMetadataOptions,
  StreamMetadata,
  SubscribeToAllOptions,
} from '@kurrent/kurrentdb-client';

/**
 * A catch-up subscription to `$all`: events in log order, an error when it drops. The client's
 * subscription is a Node Readable; `readableLength` (events it holds that we have not pulled yet) and
 * `destroy` are what the adapter needs beyond iteration.
 */
export interface AllSubscriptionLike extends AsyncIterable<AllStreamResolvedEvent> {
  unsubscribe(): Promise<void>;
  readonly readableLength: number;
  destroy(error?: Error): unknown;
}

/**
 * The part of `KurrentDBClient` (`@kurrent/kurrentdb-client` 1.x) the adapters use. The real client
 * satisfies it as it is (`KurrentDBClient.connectionString(…)`); unit tests pass an in-memory fake.
 */
export interface EventStoreDBClientLike {
  appendToStream(streamName: string, events: EventData[], options?: AppendToStreamOptions): Promise<AppendResult>;
  /**
   * One atomic write to several streams (KurrentDB 26.1 and later): every check holds and every
   * record is written, in the order given, or nothing is. A failed check is an error of type
   * `append-consistency-violation` naming every failing stream and its actual state.
   */
  appendRecords(records: AppendRecordInput[], checks?: ConsistencyCheck[]): Promise<AppendRecordsResult>;
  /** Rejects while iterating with StreamNotFoundError when the stream does not exist. */
  readStream(streamName: string, options?: ClientReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options?: ClientReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscriptionLike;
  setStreamMetadata(
    streamName: string,
    metadata: StreamMetadata,
    options?: SetStreamMetadataOptions,
  ): Promise<AppendResult>;
  dispose(): Promise<void>;
}
