import { triggerView, type TriggerView } from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';
import { asTicketEvent, foldTicketRecords } from '@tickets/streams';
import type { TriggerRange } from './pending-streams.js';
import type { FoldedPrefix } from './ticket-cache.js';

/** The ticket as the rules see one trigger, whether that trigger was already decided, and the prefix before its group. */
export interface TriggerTicketContext extends TriggerView {
  readonly alreadyDecided: boolean;
  /** The ticket folded up to the event before the trigger's group: where the next trigger can start. */
  readonly before: FoldedPrefix;
}

/**
 * The events an inbound event (or an agent action) appended together share a causation id and sit
 * next to each other in the stream: that group is what `triggerView` (shared with what-if) turns
 * into the rules' `previous` and `ticket`. Rule firings come from the head of the stream, so `once`
 * sees decisions recorded after the group too.
 */
export function ticketContext({ prefix, records, head }: TriggerRange, trigger: RecordedEvent): TriggerTicketContext | null {
  const at = trigger.version - (prefix.version + 1);
  // The range is read for this trigger: anything else is a bug, and skipping the trigger would lose a decision.
  if (records[at]?.id !== trigger.id) throw new Error(`the records read for ${trigger.stream} do not hold trigger ${trigger.id} at version ${trigger.version}`);
  if (head.state === null) return null;
  // A prefix always ends just before a group, so the walk back never needs to cross into it.
  const cause = trigger.metadata.causationId;
  let start = at;
  while (start > 0 && records[start - 1]?.metadata.causationId === cause) start--;
  let end = at;
  while (end + 1 < records.length && records[end + 1]?.metadata.causationId === cause) end++;

  const previous = foldTicketRecords(records.slice(0, start), prefix.state);
  const view = triggerView(previous, records.slice(start, end + 1).map(asTicketEvent), head.state.ruleFirings);
  if (view === null) return null;
  return { ...view, alreadyDecided: head.decided.has(trigger.id), before: { version: prefix.version + start, state: previous } };
}
