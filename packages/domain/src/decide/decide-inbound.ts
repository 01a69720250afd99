import type { InboundEvent, InboundOf } from '../inbound/inbound-event.js';
import { PHONE_CHANNELS, type Channel } from '../inbound/channel.js';
import type { CustomerState } from '../customer/customer-state.js';
import { customerStream, type CustomerEvent } from '../customer/customer-events.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { ticketStream, type Routing, type TicketEvent, type TicketEventOf } from '../ticket/ticket-events.js';
import { closeFacts, messageOnTicket, type ReopenPolicy } from '../ticket/reopen-policy.js';
import { classifyIntent } from '../intent/classify-intent.js';
import { ticketIdFor } from '../shared/ids.js';
import { toUtc } from '../shared/time.js';
import { domainError, type DomainError } from '../shared/domain-error.js';

export type DomainEvent = TicketEvent | CustomerEvent;

/** Events for one stream, in order, typed by the stream's kind. The caller adds ids, metadata and the expected version. */
export type StreamWrite =
  | { readonly kind: 'ticket'; readonly stream: string; readonly events: readonly TicketEvent[] }
  | { readonly kind: 'customer'; readonly stream: string; readonly events: readonly CustomerEvent[] };

export type InboundDecision =
  | {
      readonly outcome: 'accepted';
      /** The ticket the event ended up on (null only for no-ops on unknown data, never here today). */
      readonly ticketId: string;
      readonly routing: Routing | null;
      /** Empty when the event changes nothing (e.g. closing a closed ticket); it is still logged. */
      readonly writes: readonly StreamWrite[];
    }
  | { readonly outcome: 'rejected'; readonly error: DomainError };

/** Tickets by id: a Map, or a decision's tickets over the ones it read. */
export type TicketLookup = Pick<ReadonlyMap<string, TicketState>, 'get' | 'has'>;

/** What the decider needs to know, loaded by the caller (see `ticketsToLoad`). */
export interface DecisionContext {
  readonly customer: CustomerState;
  /** The tickets named by `ticketsToLoad`; an id missing here is unknown to the store. */
  readonly tickets: TicketLookup;
  readonly policy: ReopenPolicy;
}

/**
 * The tickets whose state `decide` needs: named by the event, or the customer's current one, and
 * those with a timer due at or before the event's time (they fire first).
 */
export function ticketsToLoad(event: InboundEvent, customer: CustomerState): string[] {
  const due = Object.entries(customer.timers ?? {})
    .filter(([, dueAt]) => dueAt <= toUtc(event.time))
    .map(([ticketId]) => ticketId);
  if (event.type !== 'message.received') return [...new Set([event.data.ticketId, ...due])];
  const ids = [event.data.ticketId, customer.routes[event.data.channel], ...due];
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

const CHANNEL_LABEL: Record<Channel, string> = { sms: 'SMS', email: 'Email', chat: 'Chat', whatsapp: 'WhatsApp' };

/** New tickets carry the customer's name in their subject (the seed's follow-up rule relies on it). */
export const defaultSubject = (channel: Channel, customer: { id: string; name?: string | undefined }): string =>
  `${CHANNEL_LABEL[channel]} from ${customer.name ?? customer.id}`;

/**
 * The decider: what an accepted inbound event does, on event time only. Pure.
 * Idempotency (the same source + id twice) is the caller's, through the inbound log.
 */
export function decideInbound(event: InboundEvent, ctx: DecisionContext): InboundDecision {
  switch (event.type) {
    case 'message.received':
      return decideMessageReceived(event, ctx);
    case 'ticket.created':
      return decideTicketCreated(event, ctx);
    case 'message.sent':
    case 'ticket.closed':
    case 'ticket.tagged':
    case 'ticket.assigned':
      return decideAgentAction(event, ctx);
    default: {
      const unexpected: never = event;
      throw new Error(`unknown inbound event ${JSON.stringify(unexpected)}`);
    }
  }
}

function decideMessageReceived(event: InboundOf<'message.received'>, ctx: DecisionContext): InboundDecision {
  const { data } = event;
  const at = event.time;
  const requestedId = data.ticketId;
  // Stryker disable next-line ConditionalExpression: equivalent, Map.get(undefined) is undefined too (the guard is for the types)
  const requested = requestedId === undefined ? undefined : ctx.tickets.get(requestedId);
  // A ticket id of another customer is treated like an unknown one: never attach to someone else's ticket.
  const requestedUsable = requested !== undefined && requested.customer.id === event.subject ? requested : undefined;
  const routedId = ctx.customer.routes[data.channel];
  // Stryker disable next-line ConditionalExpression: equivalent, Map.get(undefined) is undefined too (the guard is for the types)
  const target = requestedUsable ?? (routedId === undefined ? undefined : ctx.tickets.get(routedId));

  const requestInfo: Pick<Routing, 'requestedTicketId' | 'requestedTicketUnknown'> =
    requestedId === undefined
      ? {}
      : requestedUsable === undefined
        ? { requestedTicketId: requestedId, requestedTicketUnknown: true }
        : { requestedTicketId: requestedId };

  const intent = classifyIntent(data.message.body);
  const received = (ticketId: string, routing: Routing): TicketEventOf<'MessageReceived'> => ({
    type: 'MessageReceived',
    data: {
      ticketId,
      at,
      messageId: data.message.id,
      body: data.message.body,
      intent,
      customer: data.customer,
      routing,
    },
  });

  let routing: Routing;
  let ticketId: string;
  const ticketEvents: TicketEvent[] = [];
  const customerEvents: CustomerEvent[] = [];

  // The reopen rule itself is decided in one place only: messageOnTicket.
  const onTarget = target === undefined ? undefined : messageOnTicket(target, at);
  if (onTarget?.kind === 'open_ticket') {
    ticketId = onTarget.ticketId;
    routing = { kind: 'open_ticket', reason: 'the ticket is open', ...requestInfo };
  } else if (onTarget?.kind === 'reopen') {
    const { kind, ticketId: previousTicketId, ...closed } = onTarget;
    ticketId = previousTicketId;
    routing = {
      kind,
      reason: `message time ${at} is before the reopen deadline ${closed.reopenDeadline}`,
      ...requestInfo,
      previousTicketId,
      ...closed,
    };
    ticketEvents.push({ type: 'TicketReopened', data: { ticketId, at, ...closed } });
  } else {
    ticketId = ticketIdFor(event.source, event.id);
    if (onTarget === undefined) {
      routing = { kind: 'new_ticket', reason: 'first contact on this channel', ...requestInfo };
    } else {
      const { kind, ticketId: previousTicketId, ...closed } = onTarget;
      routing = {
        kind,
        reason: `message time ${at} is at or after the reopen deadline ${closed.reopenDeadline}`,
        ...requestInfo,
        previousTicketId,
        ...closed,
      };
    }
    ticketEvents.push({
      type: 'TicketCreated',
      data: {
        ticketId,
        at,
        channel: data.channel,
        integration: data.integration ?? null,
        customer: data.customer,
        subject: defaultSubject(data.channel, data.customer),
        origin: 'customer',
        followUpOf: onTarget?.ticketId ?? null,
      },
    });
    customerEvents.push({
      type: 'CustomerRouted',
      data: { customerId: event.subject, at, channel: data.channel, ticketId },
    });
  }
  ticketEvents.push(received(ticketId, routing));

  if (PHONE_CHANNELS.includes(data.channel)) {
    const consent = { customerId: event.subject, at, channel: data.channel, ticketId, messageId: data.message.id };
    if (intent === 'opt_out' && ctx.customer.optedOutAt === null)
      customerEvents.push({ type: 'CustomerOptedOut', data: consent });
    if (intent === 'opt_in' && ctx.customer.optedOutAt !== null)
      customerEvents.push({ type: 'CustomerOptedIn', data: consent });
  }

  return {
    outcome: 'accepted',
    ticketId,
    routing,
    writes: writesFor(ticketId, ticketEvents, event.subject, customerEvents),
  };
}

function decideTicketCreated(event: InboundOf<'ticket.created'>, ctx: DecisionContext): InboundDecision {
  const { data } = event;
  if (ctx.tickets.has(data.ticketId)) {
    return rejected(domainError('TICKET.ALREADY_EXISTS', `ticket ${data.ticketId} already exists`, 'data.ticketId'));
  }
  const created: TicketEvent = {
    type: 'TicketCreated',
    data: {
      ticketId: data.ticketId,
      at: event.time,
      channel: data.channel,
      integration: data.integration ?? null,
      customer: data.customer,
      subject: data.subject ?? defaultSubject(data.channel, data.customer),
      origin: 'agent',
      followUpOf: null,
    },
  };
  // An agent-opened ticket becomes where the customer's next messages on that channel go.
  const routed: CustomerEvent = {
    type: 'CustomerRouted',
    data: { customerId: event.subject, at: event.time, channel: data.channel, ticketId: data.ticketId },
  };
  return {
    outcome: 'accepted',
    ticketId: data.ticketId,
    routing: null,
    writes: writesFor(data.ticketId, [created], event.subject, [routed]),
  };
}

type AgentAction = InboundOf<'message.sent' | 'ticket.closed' | 'ticket.tagged' | 'ticket.assigned'>;

function decideAgentAction(event: AgentAction, ctx: DecisionContext): InboundDecision {
  const ticketId = event.data.ticketId;
  const ticket = ctx.tickets.get(ticketId);
  if (ticket === undefined)
    return rejected(domainError('TICKET.NOT_FOUND', `unknown ticket ${ticketId}`, 'data.ticketId'));
  if (ticket.customer.id !== event.subject) {
    return rejected(
      domainError(
        'TICKET.WRONG_CUSTOMER',
        `ticket ${ticketId} belongs to another customer than the subject`,
        'subject',
      ),
    );
  }
  const at = event.time;
  const events: TicketEvent[] = [];
  switch (event.type) {
    case 'message.sent':
      events.push({
        type: 'MessageSent',
        data: {
          ticketId,
          at,
          messageId: event.data.message.id,
          body: event.data.message.body,
          author: event.data.author,
        },
      });
      break;
    case 'ticket.closed':
      if (ticket.status === 'open') {
        const { window, reopenDeadline } = closeFacts(ctx.policy, ticket, at);
        events.push({
          type: 'TicketClosed',
          data: { ticketId, at, closedBy: event.data.closedBy ?? { type: 'agent' }, window, reopenDeadline },
        });
      }
      break;
    case 'ticket.tagged': {
      // Removals first, then additions: a tag both removed and added ends present, whatever it was before.
      const has = new Set(ticket.tags);
      const add = new Set(event.data.add);
      const added = [...add].filter((t) => !has.has(t));
      const removed = [...new Set(event.data.remove)].filter((t) => has.has(t) && !add.has(t));
      if (added.length + removed.length > 0) {
        events.push({ type: 'TagsChanged', data: { ticketId, at, added, removed, by: { type: 'agent' } } });
      }
      break;
    }
    case 'ticket.assigned': {
      const { team, agent } = event.data;
      const changes = (team !== undefined && team !== ticket.team) || (agent !== undefined && agent !== ticket.agent);
      if (changes) {
        events.push({
          type: 'TicketAssigned',
          data: {
            ticketId,
            at,
            ...(team === undefined ? {} : { team }),
            ...(agent === undefined ? {} : { agent }),
            by: { type: 'agent' },
          },
        });
      }
      break;
    }
    // Stryker disable all: unreachable, decideInbound sends only these four types here (the never is for the compiler)
    default: {
      const unexpected: never = event;
      throw new Error(`unknown agent action ${JSON.stringify(unexpected)}`);
    }
    // Stryker restore all
  }
  return { outcome: 'accepted', ticketId, routing: null, writes: writesFor(ticketId, events, event.subject, []) };
}

function writesFor(
  ticketId: string,
  ticketEvents: TicketEvent[],
  customerId: string,
  customerEvents: CustomerEvent[],
): StreamWrite[] {
  const writes: StreamWrite[] = [];
  if (ticketEvents.length > 0) writes.push({ kind: 'ticket', stream: ticketStream(ticketId), events: ticketEvents });
  if (customerEvents.length > 0)
    writes.push({ kind: 'customer', stream: customerStream(customerId), events: customerEvents });
  return writes;
}

const rejected = (error: DomainError): InboundDecision => ({ outcome: 'rejected', error });
