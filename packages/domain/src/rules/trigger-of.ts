import type { TicketEvent } from '../ticket/ticket-events.js';
import type { RulesFile, Trigger } from './rules-file.js';

/**
 * The rule trigger an event on a ticket stream raises, or null. Changes made by rules (and the
 * reactor's own records) raise none: rules never trigger rules.
 */
export function triggerOf(event: TicketEvent): Trigger | null {
  switch (event.type) {
    case 'TicketCreated':
      return 'ticket.created';
    case 'MessageReceived':
      return 'message.received';
    case 'TicketReopened':
      return 'ticket.reopened';
    case 'TicketClosed':
      return event.data.closedBy.type === 'rule' ? null : 'ticket.closed';
    case 'TagsChanged':
    case 'TicketAssigned':
      return event.data.by.type === 'rule' ? null : 'ticket.updated';
    case 'MessageSent':
      // Our own auto-replies come back as automation messages: not an update worth reacting to.
      return event.data.author.type === 'agent' ? 'ticket.updated' : null;
    case 'RulesEvaluated':
    case 'TimerSet':
    case 'TimerCancelled':
    case 'TimerFired':
      // Timer bookkeeping raises no event trigger; a fired timer runs its own rule only.
      return null;
    default: {
      const unexpected: never = event;
      throw new Error(`unknown ticket event ${JSON.stringify(unexpected)}`);
    }
  }
}

/** The triggers at least one rule listens to: the others are never evaluated nor recorded. */
export const triggersListenedTo = (rules: RulesFile): ReadonlySet<Trigger> =>
  new Set(rules.rules.flatMap((rule) => (typeof rule.when === 'string' ? [rule.when] : [])));
