import { ticketStream, type TicketState } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { eventRef } from './event-ref.js';
import { firstDifferingEvent } from './first-differing-event.js';
import { stateDifferences } from './state-differences.js';
import type { ReadModelMismatch } from './verify-report.js';

/**
 * Compares the stored rows with the states rebuilt in memory (both as of the read model's checkpoint).
 * Mismatching tickets are few: only their streams are read again, to find the first differing event.
 */
export async function checkReadModel(
  rebuilt: ReadonlyMap<string, TicketState>,
  rows: readonly TicketState[],
  store: EventStore,
  checkpoint: number,
): Promise<ReadModelMismatch[]> {
  const mismatches: ReadModelMismatch[] = [];
  const seen = new Set<string>();
  const eventsUpToCheckpoint = async (ticketId: string) =>
    (await store.readStream(ticketStream(ticketId))).filter((record) => record.position <= checkpoint);

  for (const row of rows) {
    seen.add(row.ticketId);
    const state = rebuilt.get(row.ticketId);
    if (state === undefined) {
      mismatches.push({ ticketId: row.ticketId, kind: 'row_without_events', fields: [], firstDifferingEvent: null });
      continue;
    }
    const fields = stateDifferences(row, state);
    if (fields.length === 0) continue;
    const records = await eventsUpToCheckpoint(row.ticketId);
    mismatches.push({
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
  for (const [ticketId] of rebuilt) {
    if (seen.has(ticketId)) continue;
    const [first] = await eventsUpToCheckpoint(ticketId);
    mismatches.push({
      ticketId,
      kind: 'missing_row',
      fields: [],
      firstDifferingEvent: first === undefined ? null : eventRef(first),
    });
  }
  return mismatches;
}
