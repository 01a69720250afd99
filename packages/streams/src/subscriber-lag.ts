import type { EventStore } from '@tickets/event-store';
import type { ReadinessCheck } from '@tickets/platform';

export interface SubscriberLagOptions {
  readonly store: EventStore;
  /** The subscriber's checkpoint: the store position its last handled event had. */
  readonly checkpoint: () => Promise<number>;
  /** The streams the subscriber follows; events of other streams are not behind it. */
  readonly streamPrefixes: readonly string[];
  /** Lags up to this many events are counted exactly; a longer one reads as this plus one (default 1000). */
  readonly exactUpTo?: number;
}

/**
 * How many events of the streams a subscriber follows were committed after its checkpoint: 0 when
 * it has caught up. Counting only its streams matters: the head of the store is usually an event of
 * the inbound log, which the projector and the reactor never read.
 *
 * Cheap and in one unit: it reads at most `exactUpTo + 1` of those events after the checkpoint, so a
 * caught-up subscriber costs one short read, and a lag past `exactUpTo` reads as `exactUpTo + 1`
 * ("more than"). It never reports a gap in store positions: on KurrentDB those are twice a byte
 * offset in the log, not events.
 */
export function subscriberLag(options: SubscriberLagOptions): () => Promise<number> {
  const exactUpTo = options.exactUpTo ?? 1_000;
  return async () => {
    const after = await options.checkpoint();
    const page = await options.store.readAll({
      after,
      maxCount: exactUpTo + 1,
      streamPrefixes: options.streamPrefixes,
    });
    return page.length;
  };
}

/** Ready while the store answers. */
export const storeReachable = (store: EventStore): ReadinessCheck => ({
  name: 'store',
  async check() {
    try {
      await store.headPosition();
      return null;
    } catch (error) {
      return `event store unreachable: ${error instanceof Error ? error.message : String(error)}`;
    }
  },
});

/** Ready while the subscriber (the projector: reads come from it) is at most `maxLag` events behind. */
export const lagBelow = (name: string, lag: () => Promise<number>, maxLag: number): ReadinessCheck => ({
  name: `${name}-lag`,
  async check() {
    const behind = await lag();
    return behind <= maxLag ? null : `${name} is ${behind} events behind the store (bound ${maxLag})`;
  },
});
