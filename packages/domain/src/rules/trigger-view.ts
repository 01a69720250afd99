import { foldTicket } from '../ticket/evolve.js';
import type { TicketEvent } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';
import type { RuleMessage } from './rule-context.js';

/** The ticket and the message as the rules see one trigger. */
export interface TriggerView {
  /** The ticket before the trigger's group of events; null when the group created it. */
  readonly previous: TicketState | null;
  /** The ticket after the group, with the rule firings recorded so far. */
  readonly ticket: TicketState;
  readonly message: RuleMessage | null;
}

/**
 * What the rules see for a trigger, from the group of events that one inbound event (or agent
 * action) appended to the ticket: `previous` before the group, `ticket` after it. `ruleFirings` are
 * the ticket's firings as of now, so `once` also counts decisions already made for an earlier trigger
 * of the same group. The rule-reactor (over stored streams) and what-if (in memory) both build their
 * rule inputs here, so the two can never see a trigger differently. Null when the group does not
 * leave a ticket (it cannot happen: groups start with or follow TicketCreated).
 */
export function triggerView(
  previous: TicketState | null,
  group: readonly TicketEvent[],
  ruleFirings: TicketState['ruleFirings'],
): TriggerView | null {
  const after = foldTicket(group, previous);
  if (after === null) return null;
  let message: RuleMessage | null = null;
  for (const event of group) {
    // The intent as recorded on the event, never classified again.
    if (event.type === 'MessageReceived')
      message = { body: event.data.body, intent: event.data.intent, channel: after.channel };
  }
  return { previous, ticket: { ...after, ruleFirings }, message };
}
