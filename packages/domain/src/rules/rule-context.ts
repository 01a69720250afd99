import type { Channel } from '../inbound/channel.js';
import type { Intent } from '../intent/classify-intent.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { isOpen, type Calendar } from '../shared/business-hours.js';
import { toMillis } from '../shared/time.js';

/** The customer message that caused the trigger, when there is one. */
export interface RuleMessage {
  body: string;
  /** As recorded on the message event, never re-classified (replays read, not recompute). */
  intent: Intent;
  channel: Channel;
}

/** The facts a rule reads: the ticket before and after the event, the customer and the message. */
export interface RuleContext {
  /** The ticket before the inbound event's group of events; null when that event created it. */
  previous: TicketState | null;
  ticket: TicketState;
  customer: TicketState['customer'];
  message: RuleMessage | null;
  /** The trigger's event time and the rules file's calendars, for `calendar.<name>.open`. */
  clock?: { readonly at: string; readonly calendars: Readonly<Record<string, Calendar>> };
}

// Whitelists, not property lookups by name: a field such as `ticket.constructor` must read nothing.
type TicketField =
  'status' | 'channel' | 'integration' | 'tags' | 'subject' | 'team' | 'followUpOf' | 'reopenCount' | 'messageCount';
const TICKET_FIELDS: ReadonlySet<string> = new Set<TicketField>([
  'status',
  'channel',
  'integration',
  'tags',
  'subject',
  'team',
  'followUpOf',
  'reopenCount',
  'messageCount',
]);

type CustomerField = 'id' | 'name' | 'phone' | 'email';
const CUSTOMER_FIELDS: ReadonlySet<string> = new Set<CustomerField>(['id', 'name', 'phone', 'email']);

type MessageField = keyof RuleMessage;
const MESSAGE_FIELDS: ReadonlySet<string> = new Set<MessageField>(['body', 'intent', 'channel']);

const isTicketField = (name: string): name is TicketField => TICKET_FIELDS.has(name);
const isCustomerField = (name: string): name is CustomerField => CUSTOMER_FIELDS.has(name);
const isMessageField = (name: string): name is MessageField => MESSAGE_FIELDS.has(name);

function readCustomer(customer: TicketState['customer'], name: string): unknown {
  return isCustomerField(name) ? customer[name] : undefined;
}

function readTicket(ticket: TicketState | null, path: readonly string[]): unknown {
  // For a ticket the event created, every `previous.*` field is absent (SPEC).
  if (ticket === null) return undefined;
  const [name, sub, ...rest] = path;
  if (name === undefined) return undefined;
  if (name === 'customer')
    return sub !== undefined && rest.length === 0 ? readCustomer(ticket.customer, sub) : undefined;
  return sub === undefined && isTicketField(name) ? ticket[name] : undefined;
}

// Rules name a handful of fields and are evaluated for every trigger: split each name once.
const SEGMENTS = new Map<string, readonly string[]>();
function segments(field: string): readonly string[] {
  let split = SEGMENTS.get(field);
  if (split === undefined) {
    split = field.split('.');
    // Fields come from validated rules files, so the set is small; the bound is only a safeguard.
    if (SEGMENTS.size < 1_000) SEGMENTS.set(field, split);
  }
  return split;
}

/**
 * The value of a condition field (any field FIELD_PATTERN allows); undefined when it is absent or
 * not a known field, so callers treat unknown and missing alike.
 */
export function readField(ctx: RuleContext, field: string): unknown {
  const [root, ...path] = segments(field);
  switch (root) {
    case 'previous':
      return readTicket(ctx.previous, path);
    case 'ticket':
      return readTicket(ctx.ticket, path);
    case 'customer':
      return path.length === 1 && path[0] !== undefined ? readCustomer(ctx.customer, path[0]) : undefined;
    case 'message': {
      const [name, ...rest] = path;
      if (ctx.message === null || name === undefined || rest.length > 0 || !isMessageField(name)) return undefined;
      return ctx.message[name];
    }
    case 'calendar': {
      // Own keys only: a calendar named `constructor` must read nothing.
      const [name, what, ...rest] = path;
      if (
        ctx.clock === undefined ||
        name === undefined ||
        what !== 'open' ||
        rest.length > 0 ||
        !Object.hasOwn(ctx.clock.calendars, name)
      )
        return undefined;
      return isOpen(ctx.clock.calendars[name]!, toMillis(ctx.clock.at));
    }
    default:
      return undefined;
  }
}
