import {
  customerAsOf,
  customerStream,
  foldCustomer,
  type ChangeAuthor,
  type Channel,
  type CustomerState,
  type ReopenWindow,
  type RoutingKind,
} from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { asCustomerEvent } from './trusted-events.js';
import { ticketTimeline, type TimelineEntry } from './ticket-timeline.js';

/** Where one customer message went and why, as recorded when it arrived. */
export interface RoutingDecision {
  readonly time: string;
  readonly version: number;
  readonly position: number;
  readonly correlationId: string | null;
  /** The configuration (rules, reopen policy) the routing was decided under; null before they were recorded. */
  readonly config: string | null;
  readonly messageId: string;
  readonly intent: string;
  readonly kind: RoutingKind;
  readonly reason: string;
  /** For reopen and follow_up: the closed ticket, and the window fixed when it closed. */
  readonly previousTicketId: string | null;
  readonly closedAt: string | null;
  readonly reopenDeadline: string | null;
  readonly window: ReopenWindow | null;
  /** A ticket id the message named that was unknown (routed by channel + customer instead). */
  readonly unknownRequestedTicketId: string | null;
}

/** A close and the reopen window it fixed. */
export interface TicketClose {
  readonly time: string;
  readonly version: number;
  readonly position: number;
  readonly closedBy: ChangeAuthor;
  readonly window: ReopenWindow;
  readonly reopenDeadline: string;
}

export interface CustomerTicket {
  readonly ticketId: string;
  readonly channel: Channel;
  readonly integration: string | null;
  readonly subject: string;
  readonly createdAt: string;
  readonly origin: 'customer' | 'agent';
  readonly followUpOf: string | null;
  readonly routing: readonly RoutingDecision[];
  readonly closes: readonly TicketClose[];
  /** The state at the end of the timeline (at `at`, when given). */
  readonly status: 'open' | 'closed';
  readonly reopenCount: number;
  readonly reopenDeadline: string | null;
  readonly tags: readonly string[];
}

export interface CustomerTimeline {
  readonly customerId: string;
  readonly at: string | null;
  /** Oldest first. */
  readonly tickets: readonly CustomerTicket[];
  /** Consent and the last auto-reply, as of `at`. */
  readonly customer: CustomerState;
}

function ticketOf(ticketId: string, entries: readonly TimelineEntry[]): CustomerTicket | null {
  const created = entries.find((e) => e.type === 'TicketCreated');
  const state = entries.at(-1)?.state ?? null;
  if (created === undefined || state === null) return null;
  const routing: RoutingDecision[] = [];
  const closes: TicketClose[] = [];
  for (const entry of entries) {
    const data = entry.event as Record<string, unknown>;
    if (entry.type === 'MessageReceived') {
      const r = data['routing'] as {
        kind: RoutingKind;
        reason: string;
        previousTicketId?: string;
        closedAt?: string;
        reopenDeadline?: string;
        window?: ReopenWindow;
        requestedTicketId?: string;
        requestedTicketUnknown?: boolean;
      };
      routing.push({
        time: entry.time,
        version: entry.version,
        position: entry.position,
        correlationId: entry.correlationId,
        config: entry.config,
        messageId: data['messageId'] as string,
        intent: data['intent'] as string,
        kind: r.kind,
        reason: r.reason,
        previousTicketId: r.previousTicketId ?? null,
        closedAt: r.closedAt ?? null,
        reopenDeadline: r.reopenDeadline ?? null,
        window: r.window ?? null,
        unknownRequestedTicketId: r.requestedTicketUnknown === true ? (r.requestedTicketId ?? null) : null,
      });
    } else if (entry.type === 'TicketClosed') {
      closes.push({
        time: entry.time,
        version: entry.version,
        position: entry.position,
        closedBy: data['closedBy'] as ChangeAuthor,
        window: data['window'] as ReopenWindow,
        reopenDeadline: data['reopenDeadline'] as string,
      });
    }
  }
  const origin = (created.event as { origin: 'customer' | 'agent' }).origin;
  return {
    ticketId,
    channel: state.channel,
    integration: state.integration,
    subject: state.subject,
    createdAt: state.createdAt,
    origin,
    followUpOf: state.followUpOf,
    routing,
    closes,
    status: state.status,
    reopenCount: state.reopenCount,
    reopenDeadline: state.reopenDeadline,
    tags: state.tags,
  };
}

/**
 * A customer's tickets in the order they were opened, each with the routing decisions of its
 * messages (new, open, reopen, follow-up, with the windows and deadlines used) and its closes, all
 * read from the recorded events. With `at`, as things stood at that event time.
 */
export async function customerTimeline(
  store: EventStore,
  customerId: string,
  options: { at?: string } = {},
): Promise<CustomerTimeline | null> {
  const records = await store.readStream(customerStream(customerId));
  if (records.length === 0) return null;
  const events = records.map(asCustomerEvent);
  const ticketIds = [...new Set(events.flatMap((e) => (e.type === 'CustomerRouted' ? [e.data.ticketId] : [])))];
  const tickets: CustomerTicket[] = [];
  for (const ticketId of ticketIds) {
    const timeline = await ticketTimeline(store, ticketId, options);
    const ticket = timeline === null ? null : ticketOf(ticketId, timeline.entries);
    if (ticket !== null) tickets.push(ticket);
  }
  tickets.sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  return {
    customerId,
    at: options.at ?? null,
    tickets,
    customer:
      options.at === undefined ? foldCustomer(customerId, events) : customerAsOf(customerId, events, options.at),
  };
}
