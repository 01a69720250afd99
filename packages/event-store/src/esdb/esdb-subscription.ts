import { type Filter, type Position, type ReadPosition } from '@kurrent/kurrentdb-client';
import { EventStoreError } from '../errors.js';
import type { RecordedEvent, SubscribeOptions } from '../event-store.port.js';
import { countOption, invalidArgument, positionOption, streamPrefixesOption } from '../validate-arguments.js';
import type { EventStoreDBClientLike } from './esdb-client.port.js';
import { isTransientEsdbError, translateEsdbError } from './esdb-error.js';
import { checkpointPosition, eventPosition, readPositionAfter } from './esdb-position.js';
import { toRecordedEvent } from './event-mapping.js';
import { clientStreamFilter, matchStream } from './stream-filter.js';
import type { StreamNaming } from './stream-naming.js';
import { SubscriptionFeed } from './subscription-feed.js';
import { backoffDelayMs, delay } from '@tickets/retry';
import type { RetryPolicy } from './transient-retry.js';

/**
 * A filtered subscription is sparse: it may pass millions of other streams' events without a batch
 * to hand over, and the port's contract forbids empty batches. So a subscriber that keeps its
 * checkpoint by the last batch would resume far behind and have the server filter the same stretch
 * again. `onCheckpoint` closes that gap for callers that know this adapter: between batches it
 * receives a position the subscription has passed with every earlier batch handled (the server's
 * checkpoints), to save like a batch's last position. Awaited before the subscription goes on.
 */
export interface EsdbSubscribeOptions extends SubscribeOptions {
  readonly onCheckpoint?: (position: number) => void | Promise<void>;
}

export interface FollowAllContext {
  readonly client: EventStoreDBClientLike;
  readonly naming: StreamNaming;
  /** Aborts when the store closes. */
  readonly closing: AbortSignal;
  /** Resubscribing after a drop: attempts without progress in between, and the waits. */
  readonly reconnect: RetryPolicy;
  /** Refuses a server the adapter cannot run on, before subscribing. */
  readonly supported?: () => Promise<void>;
}

const DEFAULT_BATCH_SIZE = 1000;
/** Events held ahead of the subscriber before the server subscription is paused. */
const MIN_HIGH_WATER_MARK = 64;
/** How soon to look again at a checkpoint that waited for the subscription's buffer to drain. */
const CHECKPOINT_RECHECK_MS = 25;
/** Idle wait; any event, checkpoint, end or abort ends it sooner. */
const IDLE_WAIT_MS = 60_000;

const filterFor = (
  context: FollowAllContext,
  prefixes: readonly string[] | undefined,
  feed: SubscriptionFeed,
): Filter => clientStreamFilter(context.naming, prefixes, feed.onCheckpoint);

/**
 * `subscribeToAll` over a server catch-up subscription. The server catches up and then follows live
 * on one call; this loop batches what arrives, skips what it has already handed over, and when the
 * subscription drops for a transient reason (node restart, leader change, network) subscribes again
 * from the last position handed over, with growing waits: no gap, no repeat. It ends when the
 * signal aborts or the store closes; a lasting outage or any other failure ends it with the error.
 */
export async function* followAll(
  context: FollowAllContext,
  options: EsdbSubscribeOptions,
): AsyncGenerator<readonly RecordedEvent[], void, undefined> {
  const batchSize = countOption('batchSize', options.batchSize, DEFAULT_BATCH_SIZE);
  if (batchSize === 0) throw invalidArgument('batchSize must be at least 1');
  const prefixes = streamPrefixesOption(options.streamPrefixes);
  let after = positionOption('after', options.after);
  /**
   * The last event handed over: what a repeat is recognised by. Not moved by checkpoints: servers
   * 22.6 to 22.10.3 and 23.6 send the going-live checkpoint at an event they send only afterwards,
   * and that event must not be taken for one already handed over (those versions are refused at
   * connect; this keeps the loop from losing an event should another server do the same).
   */
  let delivered = after;
  const signal = options.signal === undefined ? context.closing : AbortSignal.any([context.closing, options.signal]);
  let resume: ReadPosition = readPositionAfter(after);
  let failures = 0;
  let lastFailure: unknown;
  try {
    await context.supported?.();
  } catch (error) {
    throw translateEsdbError(error, 'subscribeToAll');
  }

  while (!signal.aborted) {
    const feed = new SubscriptionFeed(Math.max(batchSize, MIN_HIGH_WATER_MARK));
    try {
      feed.start(context.client.subscribeToAll({ fromPosition: resume, filter: filterFor(context, prefixes, feed) }));
      while (!signal.aborted) {
        const received = feed.take(batchSize);
        if (received.length > 0) {
          const batch: RecordedEvent[] = [];
          for (const { event } of received) {
            const position = eventPosition(event?.position);
            // The server starts after `resume`; should anything older come anyway, handing it over
            // again would repeat it: positions only grow.
            if (event === undefined || position === undefined || position <= delivered) continue;
            delivered = position;
            after = Math.max(after, position);
            resume = { commit: event.position.commit, prepare: event.position.commit };
            const stream = matchStream(context.naming, prefixes, event.streamId, event.type);
            if (stream !== undefined) batch.push(toRecordedEvent(event, stream));
          }
          failures = 0;
          if (batch.length > 0) yield batch;
          continue;
        }
        if (feed.failure !== undefined) throw feed.failure.error;
        if (feed.ended) break;
        if (feed.hasCheckpoint) {
          const checkpoint: Position | undefined = await feed.settledCheckpoint();
          if (checkpoint !== undefined) {
            failures = 0;
            const position = checkpointPosition(checkpoint);
            if (position !== undefined && position > after) {
              after = position;
              resume = checkpoint;
              await options.onCheckpoint?.(position);
            }
            continue;
          }
        }
        await feed.wait(signal, feed.hasCheckpoint ? CHECKPOINT_RECHECK_MS : IDLE_WAIT_MS);
      }
      lastFailure = undefined;
    } catch (error) {
      if (signal.aborted) return;
      if (!isTransientEsdbError(error)) throw translateEsdbError(error, 'subscribeToAll');
      lastFailure = error;
    } finally {
      await feed.stop();
    }
    if (signal.aborted) return;
    // The subscription dropped or ended: subscribe again from `resume`, unless it keeps failing.
    failures++;
    if (failures >= context.reconnect.maxAttempts) {
      if (lastFailure !== undefined) throw translateEsdbError(lastFailure, 'subscribeToAll');
      throw new EventStoreError(
        'EVENT_STORE.UNAVAILABLE',
        'subscribeToAll: the server keeps ending the subscription',
        true,
      );
    }
    await delay(backoffDelayMs(failures, { ...context.reconnect, jitter: false }), signal);
  }
}
