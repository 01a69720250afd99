import { ticketStream, type TicketState } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { eventRef } from './event-ref.js';
import { firstDifferingEvent } from './first-differing-event.js';
import { stateDifferences } from './state-differences.js';
import type { ReadModelMismatch } from './verify-report.js';

/**
 * Compares stored rows with the states rebuilt in memory (both as of the read model's checkpoint),
 * some tickets at a time or all at once. Mismatching tickets are few: only their streams are read
 * again, to find the first differing event. Lists what it found as one comparison of every row would:
 * rows in the read model's order, then the tickets with no row, in the order of their first event.
 */
export class ReadModelCheck {
  readonly #rowMismatches: ReadModelMismatch[] = [];
  readonly #missingRows: { readonly mismatch: ReadModelMismatch; readonly at: number }[] = [];
  readonly #rebuiltIds = new Set<string>();

  constructor(
    private readonly store: EventStore,
    private readonly checkpoint: number,
  ) {}

  /** Rebuilt tickets (in the order of their first event) against their rows: `rows` holds every row there is of them. */
  async compare(rebuilt: Iterable<TicketState>, rows: ReadonlyMap<string, TicketState>): Promise<void> {
    for (const state of rebuilt) {
      this.#rebuiltIds.add(state.ticketId);
      const row = rows.get(state.ticketId);
      if (row === undefined) {
        const [first] = await this.#eventsUpToCheckpoint(state.ticketId);
        this.#missingRows.push({
          mismatch: {
            ticketId: state.ticketId,
            kind: 'missing_row',
            fields: [],
            firstDifferingEvent: first === undefined ? null : eventRef(first),
          },
          at: first?.position ?? Number.MAX_SAFE_INTEGER,
        });
        continue;
      }
      const fields = stateDifferences(row, state);
      if (fields.length === 0) continue;
      const records = await this.#eventsUpToCheckpoint(state.ticketId);
      this.#rowMismatches.push({
        ticketId: row.ticketId,
        kind: 'differs',
        fields,
        firstDifferingEvent: firstDifferingEvent(
          records,
          row,
          fields.map((f) => f.field),
        ),
      });
    }
  }

  /** Every row's ticket id, in the read model's order, once every rebuilt ticket was compared. */
  finish(rowIds: readonly string[]): ReadModelMismatch[] {
    const order = new Map(rowIds.map((id, i) => [id, i]));
    const withoutEvents = rowIds
      .filter((id) => !this.#rebuiltIds.has(id))
      .map((ticketId): ReadModelMismatch => ({
        ticketId,
        kind: 'row_without_events',
        fields: [],
        firstDifferingEvent: null,
      }));
    return [
      ...[...this.#rowMismatches, ...withoutEvents].sort((a, b) => order.get(a.ticketId)! - order.get(b.ticketId)!),
      ...this.#missingRows.sort((a, b) => a.at - b.at).map(({ mismatch }) => mismatch),
    ];
  }

  #eventsUpToCheckpoint = async (ticketId: string) =>
    (await this.store.readStream(ticketStream(ticketId))).filter((record) => record.position <= this.checkpoint);
}

/** Every stored row against every rebuilt state, at once. */
export async function checkReadModel(
  rebuilt: ReadonlyMap<string, TicketState>,
  rows: readonly TicketState[],
  store: EventStore,
  checkpoint: number,
): Promise<ReadModelMismatch[]> {
  const check = new ReadModelCheck(store, checkpoint);
  await check.compare(rebuilt.values(), new Map(rows.map((row) => [row.ticketId, row])));
  return check.finish(rows.map((row) => row.ticketId));
}
