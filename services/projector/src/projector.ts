import { evolve, TICKET_STREAM_PREFIX, type TicketState } from '@tickets/domain';
import type { EventStore, RecordedEvent } from '@tickets/event-store';
import type { Logger } from '@tickets/platform';
import { asTicketEvent, subscriberLoop } from '@tickets/streams';
import type { TicketReadModel } from './ticket-read-model.port.js';

export interface ProjectorOptions {
  readonly store: EventStore;
  readonly readModel: TicketReadModel;
  readonly logger: Logger;
  /** Events folded per read-model transaction. */
  readonly batchSize?: number;
}

export interface Projector {
  /** Folds every event committed so far; returns how many events it read. */
  catchUp(): Promise<number>;
  /** Catches up, then follows new events until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Drops the read model and folds every event again from the first. */
  rebuild(): Promise<number>;
}

export function createProjector(options: ProjectorOptions): Projector {
  const { store, readModel, logger } = options;
  const batchSize = options.batchSize ?? 5_000;

  /** Folds one batch into the read model; the rows and the checkpoint commit together. */
  async function project(events: readonly RecordedEvent[]): Promise<void> {
    const last = events.at(-1);
    if (last === undefined) return;
    const ticketEvents = events.filter((e) => e.stream.startsWith(TICKET_STREAM_PREFIX));
    const ids = [...new Set(ticketEvents.map((e) => e.stream.slice(TICKET_STREAM_PREFIX.length)))];
    const rows = await readModel.getMany(ids);
    const changed = new Map<string, TicketState>();
    for (const recorded of ticketEvents) {
      const id = recorded.stream.slice(TICKET_STREAM_PREFIX.length);
      const current = rows.get(id) ?? null;
      // A replayed event the row already holds changes nothing (restart after a crash).
      if (current !== null && recorded.version < current.version) continue;
      const next = evolve(current, asTicketEvent(recorded));
      if (next === null) continue;
      rows.set(id, next);
      changed.set(id, next);
    }
    await readModel.commit([...changed.values()], last.position);
    for (const state of changed.values()) {
      logger.debug({ ticketId: state.ticketId, status: state.status, version: state.version }, 'ticket projected');
    }
  }

  const loop = subscriberLoop({
    name: 'projector',
    store,
    logger,
    checkpoint: () => readModel.checkpoint(),
    handle: project,
    batchSize,
  });

  return {
    catchUp: () => loop.catchUp(),
    run: (signal) => loop.run(signal),
    async rebuild() {
      await readModel.reset();
      const read = await loop.catchUp();
      logger.info({ events: read }, 'projection rebuilt');
      return read;
    },
  };
}
