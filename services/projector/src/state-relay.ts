import { CUSTOMER_STREAM_PREFIX, TICKET_STREAM_PREFIX, type TicketState } from '@tickets/domain';
import type { CheckpointStore, EventStore } from '@tickets/event-store';
import { delay, type Logger } from '@tickets/platform';
import type { TicketReadModel } from './ticket-read-model.port.js';

export const STATE_RELAY_SUBSCRIBER = 'state-relay';

export interface StatePublisher {
  publish(states: readonly TicketState[]): Promise<void>;
}

export interface StateRelayOptions {
  readonly store: EventStore;
  readonly readModel: TicketReadModel;
  readonly checkpoints: CheckpointStore;
  readonly publisher: StatePublisher;
  readonly logger: Logger;
  readonly pollIntervalMs?: number;
  readonly batchSize?: number;
}

/**
 * Publishes the state of every ticket that changed, after the projector has folded the change: it
 * follows the projector's checkpoint, never the raw store, so what it publishes is a state the read
 * model holds. At-least-once: the checkpoint moves after the publisher acknowledged; a ticket may be
 * published again (its latest state), which a compacted topic absorbs.
 */
export function createStateRelay(options: StateRelayOptions) {
  const { store, readModel, checkpoints, publisher, logger } = options;
  const batchSize = options.batchSize ?? 1_000;
  const pollIntervalMs = options.pollIntervalMs ?? 100;

  /** Publishes what the projector has folded since the last run; returns how many states. */
  async function catchUp(): Promise<number> {
    const projected = await readModel.checkpoint();
    let after = await checkpoints.load(STATE_RELAY_SUBSCRIBER);
    let published = 0;
    while (after < projected) {
      const page = await store.readAll({
        after,
        maxCount: batchSize,
        streamPrefixes: [TICKET_STREAM_PREFIX, CUSTOMER_STREAM_PREFIX],
      });
      const inRange = page.filter((event) => event.position <= projected);
      const ids = new Set(
        inRange
          .filter((event) => event.stream.startsWith(TICKET_STREAM_PREFIX))
          .map((event) => event.stream.slice(TICKET_STREAM_PREFIX.length)),
      );
      // An erasure changed every ticket of the customer without a ticket event: republish them all,
      // so the compacted topic's latest value of each is the erased state.
      for (const erased of inRange.filter((event) => event.type === 'CustomerErased')) {
        for (const state of await readModel.byCustomer(erased.stream.slice(CUSTOMER_STREAM_PREFIX.length)))
          ids.add(state.ticketId);
      }
      const states = [...(await readModel.getMany([...ids])).values()];
      if (states.length > 0) await publisher.publish(states);
      published += states.length;
      // A short or partly-unprojected page means we reached the projector's checkpoint.
      after = inRange.length === page.length && page.length === batchSize ? page.at(-1)!.position : projected;
      await checkpoints.save(STATE_RELAY_SUBSCRIBER, after);
    }
    if (published > 0) logger.debug({ published, position: after }, 'ticket states published');
    return published;
  }

  return {
    catchUp,
    /** Follows the projector until `signal` aborts. */
    async run(signal: AbortSignal): Promise<void> {
      logger.info({ subscriber: STATE_RELAY_SUBSCRIBER }, 'subscriber started');
      while (!signal.aborted) {
        await catchUp();
        await delay(pollIntervalMs, signal);
      }
      logger.info({ subscriber: STATE_RELAY_SUBSCRIBER }, 'subscriber stopped');
    },
  };
}
export type StateRelay = ReturnType<typeof createStateRelay>;
