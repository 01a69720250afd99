import type { EventStore, RecordedEvent } from '@tickets/event-store';
import type { Logger } from '@tickets/platform';

export interface SubscriberLoopOptions {
  /** Shown in logs: projector, rule-reactor, command-relay. */
  readonly name: string;
  readonly store: EventStore;
  readonly logger: Logger;
  /** Where the subscriber resumes: the position its last handled batch ended at. */
  readonly checkpoint: () => Promise<number>;
  /** Handles one batch in global order and saves its checkpoint (with its writes where it can). */
  readonly handle: (batch: readonly RecordedEvent[]) => Promise<void>;
  readonly streamPrefixes?: readonly string[];
  readonly batchSize?: number;
}

export interface SubscriberLoop {
  /** Handles every event committed so far, then returns how many it read. */
  catchUp(): Promise<number>;
  /** Catches up, then follows new commits until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
}

/**
 * The one way our subscribers read the store: batches in order, each handled completely before the
 * next is read (`for await`, so handlers never overlap and checkpoints never go backwards).
 */
export function subscriberLoop(options: SubscriberLoopOptions): SubscriberLoop {
  const { name, store, logger, handle } = options;
  const batchSize = options.batchSize ?? 1_000;
  const filter = options.streamPrefixes === undefined ? {} : { streamPrefixes: options.streamPrefixes };
  return {
    async catchUp() {
      let after = await options.checkpoint();
      let read = 0;
      for (;;) {
        const page = await store.readAll({ after, maxCount: batchSize, ...filter });
        const last = page.at(-1);
        if (last === undefined) return read;
        await handle(page);
        read += page.length;
        after = last.position;
      }
    },
    async run(signal) {
      const after = await options.checkpoint();
      logger.info({ subscriber: name, after }, 'subscriber started');
      for await (const batch of store.subscribeToAll({ after, signal, batchSize, ...filter })) await handle(batch);
      logger.info({ subscriber: name }, 'subscriber stopped');
    },
  };
}
