import { triggerView, type TriggerView } from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { asTicketEvent, foldTicketRecords } from '@tickets/streams';

/** The ticket as the rules see one trigger, and whether that trigger was already decided. */
export interface TriggerTicketContext extends TriggerView {
  readonly alreadyDecided: boolean;
}

/**
 * The events an inbound event (or an agent action) appended together share a causation id and sit
 * next to each other in the stream: that group is what `triggerView` (shared with what-if) turns
 * into the rules' `previous` and `ticket`. Rule firings come from the whole stream, so `once` sees
 * decisions recorded after the group too.
 */
export function ticketContext(records: readonly RecordedEvent[], trigger: RecordedEvent): TriggerTicketContext | null {
  const cause = trigger.metadata.causationId;
  let start = trigger.version;
  while (start > 0 && records[start - 1]?.metadata.causationId === cause) start--;
  let end = trigger.version;
  while (end + 1 < records.length && records[end + 1]?.metadata.causationId === cause) end++;

  const previous = foldTicketRecords(records.slice(0, start));
  const current = foldTicketRecords(records.slice(start), previous);
  if (current === null) return null;
  const view = triggerView(previous, records.slice(start, end + 1).map(asTicketEvent), current.ruleFirings);
  if (view === null) return null;
  const alreadyDecided = records.some((r) => {
    const event = asTicketEvent(r);
    return event.type === 'RulesEvaluated' && event.data.trigger.eventId === trigger.id;
  });
  return { ...view, alreadyDecided };
}
