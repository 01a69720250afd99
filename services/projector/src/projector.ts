import { CUSTOMER_STREAM_PREFIX, evolve, TICKET_STREAM_PREFIX, ticketStream, type TicketState } from '@tickets/domain';
import type { EventStore, RecordedEvent } from '@tickets/event-store';
import type { Logger, PipelineMetrics } from '@tickets/platform';
import { asTicketEvent, foldTicketRecords, subscriberLoop } from '@tickets/streams';
import type { TicketReadModel } from './ticket-read-model.port.js';

export interface ProjectorOptions {
  readonly store: EventStore;
  readonly readModel: TicketReadModel;
  readonly logger: Logger;
  /** Events folded per read-model transaction. */
  readonly batchSize?: number;
  /** Ticket rows kept in memory between batches. */
  readonly maxCachedRows?: number;
  /** While catching up, commit at least every this many events. */
  readonly commitEvery?: number;
  /** Told the store position reached after each batch (progress of a rebuild). */
  readonly onProgress?: (position: number) => void;
  /** Last projected event time (no-op when absent). */
  readonly metrics?: PipelineMetrics;
}

export interface Projector {
  /** Folds every event committed so far; returns how many ticket events (and erasures) it read. */
  catchUp(): Promise<number>;
  /** Catches up, then follows new events until `signal` aborts. */
  run(signal: AbortSignal): Promise<void>;
  /** Drops the read model and folds every event again from the first. */
  rebuild(): Promise<number>;
}

export function createProjector(options: ProjectorOptions): Projector {
  const { store, readModel, logger } = options;
  const batchSize = options.batchSize ?? 5_000;

  // The projector is the read model's only writer, so the rows it wrote are kept in memory (bounded)
  // and not read back for every batch.
  const rows = new Map<string, TicketState>();
  const maxCachedRows = options.maxCachedRows ?? 100_000;

  async function load(ids: readonly string[]): Promise<void> {
    const missing = ids.filter((id) => !rows.has(id));
    if (missing.length === 0) return;
    for (const [id, row] of await readModel.getMany(missing)) rows.set(id, row);
  }

  // Rows changed since the last commit. While catching up on full pages, commits are spread out
  // (every `commitEvery` events) so a ticket touched on many pages is written once, not per page.
  const changed = new Map<string, TicketState>();
  let pending = 0;
  let position = 0;
  // The checkpoint as this projector last loaded or committed it: each commit expects to find it
  // unchanged, so a projector that lost its lease unnoticed cannot overwrite the holder's rows.
  let committed = 0;
  let catchingUp = false;
  const commitEvery = options.commitEvery ?? 500_000;

  const isTicketEvent = (recorded: RecordedEvent): boolean => recorded.stream.startsWith(TICKET_STREAM_PREFIX);
  let erasedSinceCommit = 0;
  /** Ticket events and erasures handled: what catch-up and rebuild report (other customer events are skipped unread). */
  let folded = 0;

  /**
   * An erased customer's rows, folded again from their streams: the store now reads their personal
   * data as `[erased]`, so the rows (and, through the state relay, the published states) are
   * overwritten with the erased view — what a rebuild from zero gives too.
   */
  async function purge(customerId: string): Promise<void> {
    const ids = new Set([...rows.values()].filter((row) => row.customer.id === customerId).map((row) => row.ticketId));
    for (const row of await readModel.byCustomer(customerId)) ids.add(row.ticketId);
    for (const id of ids) {
      const state = foldTicketRecords(await store.readStream(ticketStream(id)));
      if (state === null) continue;
      rows.set(id, state);
      changed.set(id, state);
    }
    erasedSinceCommit++;
    logger.info({ customerId, tickets: ids.size }, 'erased customer purged from the read model');
  }

  /** Folds one batch into the read model; the rows and the checkpoint commit together. */
  async function project(events: readonly RecordedEvent[]): Promise<void> {
    const last = events.at(-1);
    if (last === undefined) return;
    await load([...new Set(events.filter(isTicketEvent).map((e) => e.stream.slice(TICKET_STREAM_PREFIX.length)))]);
    for (const recorded of events) {
      if (!isTicketEvent(recorded)) {
        // Customer streams are followed for one event only: an erasure.
        if (recorded.type === 'CustomerErased') {
          await purge(recorded.stream.slice(CUSTOMER_STREAM_PREFIX.length));
          folded++;
        }
        continue;
      }
      folded++;
      const id = recorded.stream.slice(TICKET_STREAM_PREFIX.length);
      const current = rows.get(id) ?? null;
      // A replayed event the row already holds changes nothing (restart after a crash).
      if (current !== null && recorded.version < current.version) continue;
      const next = evolve(current, asTicketEvent(recorded));
      if (next === null) continue;
      rows.set(id, next);
      changed.set(id, next);
    }
    pending += events.length;
    position = last.position;
    if (!catchingUp || pending >= commitEvery) await commit();
    options.metrics?.processed('projector', asTicketEvent(last).data.at);
    options.onProgress?.(position);
  }

  async function commit(): Promise<void> {
    try {
      await readModel.commit([...changed.values()], position, committed);
      committed = position;
    } catch (error) {
      // The rows in memory are ahead of the read model now: forget them, the checkpoint did not move.
      rows.clear();
      changed.clear();
      throw error;
    } finally {
      pending = 0;
    }
    if (erasedSinceCommit > 0) {
      erasedSinceCommit = 0;
      await readModel.scrub();
    }
    for (const state of changed.values()) {
      logger.debug({ ticketId: state.ticketId, status: state.status, version: state.version }, 'ticket projected');
    }
    changed.clear();
    if (rows.size > maxCachedRows) rows.clear();
  }

  const loop = subscriberLoop({
    name: 'projector',
    store,
    logger,
    checkpoint: async () => (committed = await readModel.checkpoint()),
    handle: project,
    streamPrefixes: [TICKET_STREAM_PREFIX, CUSTOMER_STREAM_PREFIX],
    batchSize,
  });

  async function catchUp(): Promise<number> {
    catchingUp = true;
    try {
      const before = folded;
      await loop.catchUp();
      if (pending > 0) await commit();
      return folded - before;
    } finally {
      catchingUp = false;
    }
  }

  return {
    catchUp,
    // Following live: every batch commits at once, so readers see it.
    run: (signal) => loop.run(signal),
    async rebuild() {
      rows.clear();
      await readModel.reset();
      const read = await catchUp();
      logger.info({ events: read }, 'projection rebuilt');
      return read;
    },
  };
}
