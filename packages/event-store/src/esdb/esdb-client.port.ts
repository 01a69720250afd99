import type {
  AllStreamResolvedEvent,
  AppendResult,
  AppendToStreamOptions,
  EventData,
  ReadAllOptions as ClientReadAllOptions,
  ReadStreamOptions as ClientReadStreamOptions,
  ResolvedEvent,
  SetStreamMetadataOptions,
  StreamMetadata,
  SubscribeToAllOptions,
} from '@eventstore/db-client';

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
 * The part of `EventStoreDBClient` (6.x) the adapters use. The real client satisfies it as it is
 * (`EventStoreDBClient.connectionString(…)`); unit tests pass an in-memory fake.
 */
export interface EventStoreDBClientLike {
  appendToStream(streamName: string, events: EventData[], options?: AppendToStreamOptions): Promise<AppendResult>;
  /** Rejects while iterating with StreamNotFoundError when the stream does not exist. */
  readStream(streamName: string, options?: ClientReadStreamOptions): AsyncIterable<ResolvedEvent>;
  readAll(options?: ClientReadAllOptions): AsyncIterable<AllStreamResolvedEvent>;
  subscribeToAll(options?: SubscribeToAllOptions): AllSubscriptionLike;
  setStreamMetadata(streamName: string, metadata: StreamMetadata, options?: SetStreamMetadataOptions): Promise<AppendResult>;
  dispose(): Promise<void>;
}
