import { ticketStream, type TicketState } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { eventRef } from './event-ref.js';
import { firstDifferingEvent } from './first-differing-event.js';
import { stateDifferences } from './state-differences.js';
import type { ReadModelMismatch } from './verify-report.js';

/** What comparing some rebuilt tickets with their rows found: plain data, so that it crosses back from a worker thread. */
export interface ReadModelPart {
  /** Rows that differ from their rebuilt ticket. */
  readonly differing: ReadModelMismatch[];
  /** Rebuilt tickets with no row, and the position of each one's first event. */
  readonly missing: { readonly mismatch: ReadModelMismatch; readonly at: number }[];
  /** Every rebuilt ticket's id. */
  readonly rebuilt: string[];
}

/**
 * Compares rebuilt tickets (in the order of their first event) with their stored rows (`rows`: every
 * row there is of them), both as of the read model's checkpoint. Mismatching tickets are few: only
 * their streams are read again, to find the first differing event.
 */
export async function compareWithRows(
  rebuilt: Iterable<TicketState>,
  rows: ReadonlyMap<string, TicketState>,
  store: EventStore,
  checkpoint: number,
): Promise<ReadModelPart> {
  const part: ReadModelPart = { differing: [], missing: [], rebuilt: [] };
  const eventsUpToCheckpoint = async (ticketId: string) =>
    (await store.readStream(ticketStream(ticketId))).filter((record) => record.position <= checkpoint);
  for (const state of rebuilt) {
    part.rebuilt.push(state.ticketId);
    const row = rows.get(state.ticketId);
    if (row === undefined) {
      const [first] = await eventsUpToCheckpoint(state.ticketId);
      part.missing.push({
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
    part.differing.push({
      ticketId: row.ticketId,
      kind: 'differs',
      fields,
      firstDifferingEvent: firstDifferingEvent(
        await eventsUpToCheckpoint(state.ticketId),
        row,
        fields.map((f) => f.field),
      ),
    });
  }
  return part;
}

/**
 * The mismatches of parts that together compared every rebuilt ticket, given every row's ticket id in
 * the read model's order, listed as one comparison of every row would: rows in the read model's order
 * (those that differ, and those no rebuilt ticket accounts for), then the tickets with no row, in the
 * order of their first event.
 */
export function readModelMismatches(parts: readonly ReadModelPart[], rowIds: readonly string[]): ReadModelMismatch[] {
  const order = new Map(rowIds.map((id, i) => [id, i]));
  const rebuilt = new Set<string>();
  for (const part of parts) for (const id of part.rebuilt) rebuilt.add(id);
  const withoutEvents = rowIds
    .filter((id) => !rebuilt.has(id))
    .map((ticketId): ReadModelMismatch => ({
      ticketId,
      kind: 'row_without_events',
      fields: [],
      firstDifferingEvent: null,
    }));
  return [
    ...[...parts.flatMap((part) => part.differing), ...withoutEvents].sort(
      (a, b) => order.get(a.ticketId)! - order.get(b.ticketId)!,
    ),
    ...parts
      .flatMap((part) => part.missing)
      .sort((a, b) => a.at - b.at)
      .map(({ mismatch }) => mismatch),
  ];
}

/** Every stored row against every rebuilt state, at once. */
export async function checkReadModel(
  rebuilt: ReadonlyMap<string, TicketState>,
  rows: readonly TicketState[],
  store: EventStore,
  checkpoint: number,
): Promise<ReadModelMismatch[]> {
  const part = await compareWithRows(
    rebuilt.values(),
    new Map(rows.map((row) => [row.ticketId, row])),
    store,
    checkpoint,
  );
  return readModelMismatches(
    [part],
    rows.map((row) => row.ticketId),
  );
}
