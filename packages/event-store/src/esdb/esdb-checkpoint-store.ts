import { ANY, BACKWARDS, END, KurrentDBClient, jsonEvent, NO_STREAM } from '@kurrent/kurrentdb-client';
import type { CheckpointStore } from '../checkpoint-store.port.js';
import { EventStoreError } from '../errors.js';
import { invalidArgument } from '../validate-arguments.js';
import { toClientConnectionString } from './connection-string.js';
import type { EventStoreDBClientLike } from './esdb-client.port.js';
import { isStreamNotFound, isWrongExpectedVersion, translateEsdbError } from './esdb-error.js';
import { streamNaming, type StreamNaming } from './stream-naming.js';
import { DEFAULT_RETRY_POLICY, retryTransient, type RetryPolicy } from './transient-retry.js';

export interface EsdbCheckpointStoreOptions {
  /** As for the event store; not used when `client` is given. */
  readonly connectionString: string;
  /** A client to share (e.g. the event store's); the caller keeps ownership. */
  readonly client?: EventStoreDBClientLike;
  /** The event store's namespace, if it has one. */
  readonly namespace?: string;
  readonly retry?: RetryPolicy;
}

export interface EsdbCheckpointStore extends CheckpointStore {
  close(): Promise<void>;
}

/** The event type of a saved checkpoint. */
export const CHECKPOINT_EVENT_TYPE = 'CheckpointSaved';

const positionOf = (data: unknown): number | undefined => {
  const position = typeof data === 'object' && data !== null ? (data as { position?: unknown }).position : undefined;
  return typeof position === 'number' && Number.isSafeInteger(position) && position >= 0 ? position : undefined;
};

/**
 * Checkpoints kept in the server itself: one stream per subscriber (`checkpoint-<subscriber>`), whose
 * last event holds the position. The stream's `$maxCount: 1` lets the server scavenge the older ones.
 *
 * For subscribers whose effects live in this same store (the rule reactor appends, idempotently): a
 * checkpoint saved after the effects means at-least-once handling, and repeats are no-ops. A read
 * model in another database should keep its checkpoint there, in the transaction of its own writes.
 */
class EsdbCheckpoints implements EsdbCheckpointStore {
  readonly #client: EventStoreDBClientLike;
  readonly #ownsClient: boolean;
  readonly #naming: StreamNaming;
  readonly #retry: RetryPolicy;
  readonly #closing = new AbortController();
  /** Streams whose `$maxCount` this instance has already set (or found set). */
  readonly #limited = new Set<string>();

  constructor(client: EventStoreDBClientLike, ownsClient: boolean, naming: StreamNaming, retry: RetryPolicy) {
    this.#client = client;
    this.#ownsClient = ownsClient;
    this.#naming = naming;
    this.#retry = retry;
  }

  async load(subscriber: string): Promise<number> {
    const stream = this.#stream(subscriber);
    return this.#retrying('load checkpoint', async () => {
      try {
        for await (const { event } of this.#client.readStream(stream, {
          direction: BACKWARDS,
          fromRevision: END,
          maxCount: 1,
        })) {
          const position = positionOf(event?.data);
          if (position !== undefined) return position;
        }
      } catch (error) {
        if (!isStreamNotFound(error)) throw error;
      }
      return 0;
    });
  }

  async save(subscriber: string, position: number): Promise<void> {
    const stream = this.#stream(subscriber);
    if (!Number.isSafeInteger(position) || position < 0)
      throw invalidArgument(`checkpoint position must be a non-negative integer, got ${String(position)}`);
    await this.#limitToLastEvent(stream);
    // A fresh UUID per save: saving the same position twice is two events, and harmless.
    const event = jsonEvent({ type: CHECKPOINT_EVENT_TYPE, data: { position } });
    await this.#retrying('save checkpoint', () => this.#client.appendToStream(stream, [event], { streamState: ANY }));
  }

  async close(): Promise<void> {
    if (this.#closing.signal.aborted) return;
    this.#closing.abort();
    if (this.#ownsClient) await this.#client.dispose();
  }

  /** Sets `$maxCount: 1` the first time any instance saves for this subscriber; later attempts find it set. */
  async #limitToLastEvent(stream: string): Promise<void> {
    if (this.#limited.has(stream)) return;
    try {
      await this.#retrying('save checkpoint', () =>
        this.#client.setStreamMetadata(stream, { maxCount: 1 }, { expectedRevision: NO_STREAM }),
      );
    } catch (error) {
      if (!isWrongExpectedVersion(error)) throw error;
    }
    this.#limited.add(stream);
  }

  #stream(subscriber: string): string {
    if (this.#closing.signal.aborted)
      throw new EventStoreError('EVENT_STORE.CLOSED', 'the checkpoint store is closed', false);
    if (typeof subscriber !== 'string' || subscriber.length === 0)
      throw invalidArgument('subscriber must be a non-empty string');
    return this.#naming.checkpointStream(subscriber);
  }

  async #retrying<T>(operation: string, call: () => Promise<T>): Promise<T> {
    try {
      return await retryTransient(call, this.#retry, this.#closing.signal);
    } catch (error) {
      // A refused expected version passes through unchanged, for #limitToLastEvent to recognise.
      throw translateEsdbError(error, operation);
    }
  }
}

export function createEsdbCheckpointStore(options: EsdbCheckpointStoreOptions): EsdbCheckpointStore {
  const client = options.client ?? KurrentDBClient.connectionString(toClientConnectionString(options.connectionString));
  return new EsdbCheckpoints(
    client,
    options.client === undefined,
    streamNaming(options.namespace),
    options.retry ?? DEFAULT_RETRY_POLICY,
  );
}
