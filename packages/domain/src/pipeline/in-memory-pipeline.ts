import type { Command } from '../commands/command.js';
import { emptyCustomerHistory, type CustomerHistory } from '../customer/customer-history.js';
import { decide } from '../decide/decide.js';
import type { InboundEvent } from '../inbound/inbound-event.js';
import type { RulesFile } from '../rules/rules-file.js';
import type { DomainError } from '../shared/domain-error.js';
import type { ReopenPolicy } from '../ticket/reopen-policy.js';
import type { Routing } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';

export type PipelineOutcome =
  | {
      readonly outcome: 'accepted';
      readonly ticketId: string;
      readonly routing: Routing | null;
      /** Every command the rules emitted for the event's triggers, in order. */
      readonly commands: readonly Command[];
    }
  | { readonly outcome: 'rejected'; readonly error: DomainError };

/**
 * `decide` over Maps instead of streams: what-if re-decides recorded traffic with it, with other
 * rules and windows, and nothing is written anywhere. The ingest calls the same `decide` on stored
 * state, so both give the same tickets and the same commands, ids included.
 */
export class InMemoryPipeline {
  private readonly tickets = new Map<string, TicketState>();
  private readonly customers = new Map<string, CustomerHistory>();

  constructor(
    private readonly rules: RulesFile,
    private readonly policy: ReopenPolicy,
  ) {}

  /** Decides one accepted inbound event (`key`: its inbound key), rules included. */
  handle(key: string, event: InboundEvent): PipelineOutcome {
    const customer = this.customers.get(event.subject) ?? emptyCustomerHistory(event.subject);
    // Every ticket is at hand: the decider looks up exactly those `ticketsToLoad` names, as the ingest loads them.
    const decision = decide(key, event, { customer, tickets: this.tickets, rules: this.rules, policy: this.policy });
    if (decision.outcome === 'rejected') return decision;
    if (decision.ticket !== null) this.tickets.set(decision.ticket.ticketId, decision.ticket.state);
    this.customers.set(event.subject, decision.customer.history);
    return { outcome: 'accepted', ticketId: decision.ticketId, routing: decision.routing, commands: decision.commands };
  }

  /** The ticket's state after everything handled so far. */
  ticket(ticketId: string): TicketState | undefined {
    return this.tickets.get(ticketId);
  }

  allTickets(): IterableIterator<TicketState> {
    return this.tickets.values();
  }
}
