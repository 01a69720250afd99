import { evolve, type TicketState } from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { asTicketEvent } from '@tickets/streams';
import { eventRef } from './event-ref.js';
import { jsonEqual } from './json-equal.js';
import type { EventRef } from './verify-report.js';

/**
 * The event from which a stored row and the ticket's events disagree for good: folding the events
 * one by one, for each field the row gets wrong, the event after the last state that still agreed
 * with the row on it (the first event when none did); the earliest over those fields. A row that
 * stopped being updated points at the first event it missed; a row edited by hand, at the event
 * that set what the row should say.
 */
export function firstDifferingEvent(
  records: readonly RecordedEvent[],
  stored: TicketState,
  fields: readonly string[],
): EventRef | null {
  const lastAgreed = new Map<string, number>(fields.map((field) => [field, -1]));
  let state: TicketState | null = null;
  records.forEach((record, index) => {
    state = evolve(state, asTicketEvent(record));
    if (state === null) return;
    for (const field of fields) {
      if (
        jsonEqual(
          (state as unknown as Record<string, unknown>)[field],
          (stored as unknown as Record<string, unknown>)[field],
        )
      )
        lastAgreed.set(field, index);
    }
  });
  let first = Number.POSITIVE_INFINITY;
  for (const agreed of lastAgreed.values()) first = Math.min(first, agreed + 1);
  const record = records[first];
  return record === undefined ? null : eventRef(record);
}
