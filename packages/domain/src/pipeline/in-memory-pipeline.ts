import type { Command } from '../commands/command.js';
import { customerAsOf } from '../customer/customer-as-of.js';
import type { CustomerEvent } from '../customer/customer-events.js';
import { evolveCustomer, initialCustomerState, type CustomerState } from '../customer/customer-state.js';
import { decideInbound } from '../decide/decide-inbound.js';
import type { InboundEvent } from '../inbound/inbound-event.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import type { RulesFile, Trigger } from '../rules/rules-file.js';
import { triggerOf, triggersListenedTo } from '../rules/trigger-of.js';
import { triggerView } from '../rules/trigger-view.js';
import type { DomainError } from '../shared/domain-error.js';
import { domainEventId } from '../shared/ids.js';
import { toMillis } from '../shared/time.js';
import { evolve } from '../ticket/evolve.js';
import type { ReopenPolicy } from '../ticket/reopen-policy.js';
import { TICKET_STREAM_PREFIX, type Routing, type TicketEvent } from '../ticket/ticket-events.js';
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

/** A customer's stream: its folded state, and its events for decisions as of an earlier time. */
interface CustomerHistory {
  state: CustomerState;
  readonly events: CustomerEvent[];
  /** The latest event time among `events`: later triggers can use `state` as it is. */
  latestMs: number;
}

/**
 * The ingest decider and the rule-reactor on Maps instead of streams: each inbound event is decided,
 * then every trigger it raised is evaluated, before the next event — what the real pipeline does when
 * the reactor keeps up (as `tickets import` and `simulate` run it). Same domain functions, same ids:
 * domain events are numbered across the decision's writes and commands derive from them, exactly as
 * the ingest and the reactor derive them. Pure: what-if runs it over recorded traffic with other
 * rules and windows, and nothing is written anywhere.
 */
export class InMemoryPipeline {
  private readonly tickets = new Map<string, TicketState>();
  private readonly customers = new Map<string, CustomerHistory>();
  private readonly triggers: ReadonlySet<Trigger>;

  constructor(
    private readonly rules: RulesFile,
    private readonly policy: ReopenPolicy,
  ) {
    this.triggers = triggersListenedTo(rules);
  }

  /** Decides one accepted inbound event (`key`: its inbound key) and runs the rules it triggers. */
  handle(key: string, event: InboundEvent): PipelineOutcome {
    const customer = this.customer(event.subject);
    // Every ticket is at hand: the decider looks up exactly those `ticketsToLoad` names, as the ingest loads them.
    const decision = decideInbound(event, { customer: customer.state, tickets: this.tickets, policy: this.policy });
    if (decision.outcome === 'rejected') return decision;

    // Apply the decision; remember the ticket's group of events and where its numbering starts.
    let index = 0;
    let group: { previous: TicketState | null; events: readonly TicketEvent[]; firstIndex: number } | null = null;
    for (const write of decision.writes) {
      const firstIndex = index;
      index += write.events.length;
      if (write.stream.startsWith(TICKET_STREAM_PREFIX)) {
        const events = write.events as readonly TicketEvent[];
        const previous = this.tickets.get(decision.ticketId) ?? null;
        this.applyTicket(decision.ticketId, previous, events);
        group = { previous, events, firstIndex };
      } else {
        this.applyCustomer(customer, write.events as readonly CustomerEvent[]);
      }
    }

    const commands: Command[] = [];
    if (group !== null) {
      const { previous, events, firstIndex } = group;
      events.forEach((ticketEvent, i) => {
        const trigger = triggerOf(ticketEvent);
        if (trigger === null || !this.triggers.has(trigger)) return;
        const emitted = this.react(trigger, ticketEvent, {
          previous,
          events,
          id: domainEventId(key, firstIndex + i),
          // Stream revision of the trigger: the events before the group, then its place in it.
          version: (previous?.version ?? 0) + i,
          // The reactor reads it from the trigger's metadata: the inbound CloudEvent id.
          correlationId: event.id,
        });
        commands.push(...emitted);
      });
    }
    return { outcome: 'accepted', ticketId: decision.ticketId, routing: decision.routing, commands };
  }

  /** The ticket's state after everything handled so far. */
  ticket(ticketId: string): TicketState | undefined {
    return this.tickets.get(ticketId);
  }

  allTickets(): IterableIterator<TicketState> {
    return this.tickets.values();
  }

  private react(
    trigger: Trigger,
    event: TicketEvent,
    at: { previous: TicketState | null; events: readonly TicketEvent[]; id: string; version: number; correlationId: string },
  ): readonly Command[] {
    const current = this.tickets.get(event.data.ticketId);
    if (current === undefined) return [];
    const view = triggerView(at.previous, at.events, current.ruleFirings);
    if (view === null) return [];
    const customerId = view.ticket.customer.id;
    const customer = this.customer(customerId);
    const decision = evaluateRules({
      trigger,
      event: { id: at.id, version: at.version, at: event.data.at, correlationId: at.correlationId },
      previous: view.previous,
      ticket: view.ticket,
      message: view.message,
      customer: customer.latestMs <= toMillis(event.data.at) ? customer.state : customerAsOf(customerId, customer.events, event.data.at),
      rules: this.rules,
      policy: this.policy,
    });
    this.applyTicket(current.ticketId, current, [{ type: 'RulesEvaluated', data: decision.evaluated }, ...decision.ticketEvents]);
    this.applyCustomer(customer, decision.customerEvents);
    return decision.commands;
  }

  private applyTicket(ticketId: string, from: TicketState | null, events: readonly TicketEvent[]): void {
    let state = from;
    for (const event of events) state = evolve(state, event);
    if (state !== null) this.tickets.set(ticketId, state);
  }

  private applyCustomer(customer: CustomerHistory, events: readonly CustomerEvent[]): void {
    for (const event of events) {
      customer.state = evolveCustomer(customer.state, event);
      customer.events.push(event);
      customer.latestMs = Math.max(customer.latestMs, toMillis(event.data.at));
    }
  }

  private customer(customerId: string): CustomerHistory {
    let customer = this.customers.get(customerId);
    if (customer === undefined) {
      customer = { state: initialCustomerState(customerId), events: [], latestMs: Number.NEGATIVE_INFINITY };
      this.customers.set(customerId, customer);
    }
    return customer;
  }
}
