import {
  foldCustomer,
  toMillis,
  type CustomerEvent,
  type CustomerState,
  type RuleTriggerInput,
  type TicketState,
} from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { asCustomerEvent, asTicketEvent, foldTicketRecords } from '@tickets/streams';

/** The ticket as the rules see one trigger: before and after the inbound event's group of events. */
export interface TriggerTicketContext {
  readonly previous: TicketState | null;
  readonly ticket: TicketState;
  readonly message: RuleTriggerInput['message'];
  readonly alreadyDecided: boolean;
}

/**
 * The events an inbound event (or an agent action) appended together share a causation id and sit
 * next to each other in the stream: `previous` is the state before that group, `ticket` after it.
 * Rule firings come from the whole stream, so `once` sees decisions recorded after the group too.
 */
export function ticketContext(records: readonly RecordedEvent[], trigger: RecordedEvent): TriggerTicketContext | null {
  const cause = trigger.metadata.causationId;
  let start = trigger.version;
  while (start > 0 && records[start - 1]?.metadata.causationId === cause) start--;
  let end = trigger.version;
  while (end + 1 < records.length && records[end + 1]?.metadata.causationId === cause) end++;

  const previous = foldTicketRecords(records.slice(0, start));
  const after = foldTicketRecords(records.slice(start, end + 1), previous);
  const current = foldTicketRecords(records.slice(end + 1), after);
  if (after === null || current === null) return null;

  let message: RuleTriggerInput['message'] = null;
  for (const record of records.slice(start, end + 1)) {
    const event = asTicketEvent(record);
    if (event.type === 'MessageReceived') message = { body: event.data.body, intent: event.data.intent, channel: after.channel };
  }
  const alreadyDecided = records.some((r) => {
    const event = asTicketEvent(r);
    return event.type === 'RulesEvaluated' && event.data.trigger.eventId === trigger.id;
  });
  return { previous, ticket: { ...after, ruleFirings: current.ruleFirings }, message, alreadyDecided };
}

/** The customer as of the trigger's event time: later consent changes or auto-replies do not count. */
export function customerAt(customerId: string, records: readonly RecordedEvent[], at: string): CustomerState {
  const limit = toMillis(at);
  const events: CustomerEvent[] = [];
  for (const record of records) {
    const event = asCustomerEvent(record);
    if (toMillis(event.data.at) <= limit) events.push(event);
  }
  return foldCustomer(customerId, events);
}
