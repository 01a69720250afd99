import { ticketIdFor } from '../shared/ids.js';

// The reopen / follow-up decision as SPEC.md states it, written from the spec alone: no decider,
// no evolve, no policy parser. Property tests hold the production decider to it.

export type Channel = 'sms' | 'email' | 'chat' | 'whatsapp';

/** Reopen windows in milliseconds: by integration, then by channel, then the default. */
export interface ModelPolicy {
  readonly defaultMs: number;
  readonly channels: Partial<Record<Channel, number>>;
  readonly integrations: Readonly<Record<string, number>>;
}

export interface ModelTicket {
  readonly ticketId: string;
  readonly customerId: string;
  readonly channel: Channel;
  readonly integration: string | null;
  status: 'open' | 'closed';
  closedAt: number | null;
  reopenDeadline: number | null;
  reopenCount: number;
  readonly followUpOf: string | null;
  readonly tags: Set<string>;
  team: string | null;
  agent: string | null;
  messageCount: number;
  lastMessageAt: number | null;
}

export type ModelOutcome =
  | {
      readonly status: 'accepted';
      readonly ticketId: string;
      readonly routing: 'new_ticket' | 'open_ticket' | 'reopen' | 'follow_up' | null;
      readonly namedUnknown?: boolean;
    }
  | {
      readonly status: 'rejected';
      readonly code: 'TICKET.NOT_FOUND' | 'TICKET.WRONG_CUSTOMER' | 'TICKET.ALREADY_EXISTS';
    }
  | { readonly status: 'duplicate' };

/** Inbound events reduced to what the decision depends on. */
export type ModelInput =
  | {
      readonly kind: 'message';
      readonly source: string;
      readonly id: string;
      readonly at: number;
      readonly customerId: string;
      readonly channel: Channel;
      readonly integration: string | null;
      readonly ticketId?: string;
    }
  | {
      readonly kind: 'created';
      readonly source: string;
      readonly id: string;
      readonly at: number;
      readonly customerId: string;
      readonly channel: Channel;
      readonly integration: string | null;
      readonly ticketId: string;
    }
  | {
      readonly kind: 'close' | 'sent';
      readonly source: string;
      readonly id: string;
      readonly at: number;
      readonly customerId: string;
      readonly ticketId: string;
    }
  | {
      readonly kind: 'tag';
      readonly source: string;
      readonly id: string;
      readonly at: number;
      readonly customerId: string;
      readonly ticketId: string;
      readonly add: readonly string[];
      readonly remove: readonly string[];
    }
  | {
      readonly kind: 'assign';
      readonly source: string;
      readonly id: string;
      readonly at: number;
      readonly customerId: string;
      readonly ticketId: string;
      readonly team?: string | null;
      readonly agent?: string | null;
    };

export class RoutingModel {
  readonly tickets = new Map<string, ModelTicket>();
  /** customer/channel → the ticket the customer's next message on that channel goes to. */
  private readonly routes = new Map<string, string>();
  private readonly accepted = new Set<string>();

  constructor(private readonly policy: ModelPolicy) {}

  handle(input: ModelInput): ModelOutcome {
    const key = `${input.source}\u0000${input.id}`;
    if (this.accepted.has(key)) return { status: 'duplicate' };
    const outcome = this.decide(input);
    if (outcome.status === 'accepted') this.accepted.add(key);
    return outcome;
  }

  private decide(input: ModelInput): ModelOutcome {
    switch (input.kind) {
      case 'message':
        return this.message(input);
      case 'created': {
        if (this.tickets.has(input.ticketId)) return { status: 'rejected', code: 'TICKET.ALREADY_EXISTS' };
        this.open(input.ticketId, input, null);
        return { status: 'accepted', ticketId: input.ticketId, routing: null };
      }
      default: {
        const ticket = this.tickets.get(input.ticketId);
        if (ticket === undefined) return { status: 'rejected', code: 'TICKET.NOT_FOUND' };
        if (ticket.customerId !== input.customerId) return { status: 'rejected', code: 'TICKET.WRONG_CUSTOMER' };
        if (input.kind === 'close' && ticket.status === 'open') {
          // The window is the one in force when the ticket closes, fixed from then on.
          ticket.status = 'closed';
          ticket.closedAt = input.at;
          ticket.reopenDeadline = input.at + this.windowOf(ticket);
        }
        if (input.kind === 'sent') {
          ticket.messageCount++;
          ticket.lastMessageAt = input.at;
        }
        if (input.kind === 'tag') {
          for (const tag of input.remove) ticket.tags.delete(tag);
          for (const tag of input.add) ticket.tags.add(tag);
        }
        if (input.kind === 'assign') {
          if (input.team !== undefined) ticket.team = input.team;
          if (input.agent !== undefined) ticket.agent = input.agent;
        }
        return { status: 'accepted', ticketId: ticket.ticketId, routing: null };
      }
    }
  }

  private message(input: Extract<ModelInput, { kind: 'message' }>): ModelOutcome {
    const named = input.ticketId === undefined ? undefined : this.tickets.get(input.ticketId);
    // A named ticket counts only if it is the customer's own; otherwise route as if none was named.
    const namedUsable = named !== undefined && named.customerId === input.customerId ? named : undefined;
    const routedId = this.routes.get(`${input.customerId}/${input.channel}`);
    const target = namedUsable ?? (routedId === undefined ? undefined : this.tickets.get(routedId));
    const namedUnknown = input.ticketId === undefined ? {} : { namedUnknown: namedUsable === undefined };

    let ticket: ModelTicket;
    let routing: 'new_ticket' | 'open_ticket' | 'reopen' | 'follow_up';
    if (target?.status === 'open') {
      ticket = target;
      routing = 'open_ticket';
    } else if (target !== undefined && input.at < target.reopenDeadline!) {
      // Inside the window, or delivered late (before the close itself): the ticket comes back.
      ticket = target;
      routing = 'reopen';
      ticket.status = 'open';
      ticket.closedAt = null;
      ticket.reopenDeadline = null;
      ticket.reopenCount++;
    } else {
      ticket = this.open(ticketIdFor(input.source, input.id), input, target?.ticketId ?? null);
      routing = target === undefined ? 'new_ticket' : 'follow_up';
    }
    ticket.messageCount++;
    ticket.lastMessageAt = input.at;
    return { status: 'accepted', ticketId: ticket.ticketId, routing, ...namedUnknown };
  }

  private open(
    ticketId: string,
    input: { customerId: string; channel: Channel; integration: string | null },
    followUpOf: string | null,
  ): ModelTicket {
    const ticket: ModelTicket = {
      ticketId,
      customerId: input.customerId,
      channel: input.channel,
      integration: input.integration,
      status: 'open',
      closedAt: null,
      reopenDeadline: null,
      reopenCount: 0,
      followUpOf,
      tags: new Set(),
      team: null,
      agent: null,
      messageCount: 0,
      lastMessageAt: null,
    };
    this.tickets.set(ticketId, ticket);
    this.routes.set(`${input.customerId}/${input.channel}`, ticketId);
    return ticket;
  }

  private windowOf(ticket: ModelTicket): number {
    return (
      (ticket.integration === null ? undefined : this.policy.integrations[ticket.integration]) ??
      this.policy.channels[ticket.channel] ??
      this.policy.defaultMs
    );
  }

  /** The ticket a customer's next message on a channel goes to, if any. */
  routed(customerId: string, channel: Channel): string | undefined {
    return this.routes.get(`${customerId}/${channel}`);
  }
}
