import type { Command } from '../commands/command.js';
import { customerAt, extendCustomerHistory, type CustomerHistory } from '../customer/customer-history.js';
import type { CustomerEvent } from '../customer/customer-events.js';
import type { InboundEvent } from '../inbound/inbound-event.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import type { RuleEvaluation } from '../rules/rule-evaluation.js';
import type { RulesFile, Trigger } from '../rules/rules-file.js';
import { triggerOf, triggersListenedTo } from '../rules/trigger-of.js';
import { triggerView } from '../rules/trigger-view.js';
import type { DomainError } from '../shared/domain-error.js';
import { domainEventId } from '../shared/ids.js';
import { foldTicket } from '../ticket/evolve.js';
import type { ReopenPolicy } from '../ticket/reopen-policy.js';
import type { Routing, TicketEvent } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { decideInbound } from './decide-inbound.js';

/**
 * A domain event as decided, with its deterministic id and what caused it: the inbound key for the
 * events that route the inbound event, the triggering ticket event's id for what the rules decided.
 * The store keeps both, so a replay finds every decision's cause.
 */
export interface Decided<E> {
  readonly id: string;
  readonly causationId: string;
  readonly event: E;
}

/** One rule decision of a decision: for the caller's metrics and logs (the events already hold it). */
export interface RuleDecision {
  readonly trigger: Trigger;
  readonly triggerEventId: string;
  readonly at: string;
  readonly evaluations: readonly RuleEvaluation[];
}

export type Decision =
  | {
      readonly outcome: 'accepted';
      /** The ticket the event ended up on. */
      readonly ticketId: string;
      readonly routing: Routing | null;
      /**
       * The ticket's new events in stream order — the routing, then for each trigger it raised, the
       * rules' record (RulesEvaluated) and their changes — and the ticket after them. Null when the
       * event changes no ticket (closing a closed one): it is still logged as accepted.
       */
      readonly ticket: {
        readonly ticketId: string;
        readonly events: readonly Decided<TicketEvent>[];
        readonly state: TicketState;
      } | null;
      /** The customer's new events (routing, consent, auto-replies) and the history after them. */
      readonly customer: {
        readonly customerId: string;
        readonly events: readonly Decided<CustomerEvent>[];
        readonly history: CustomerHistory;
      };
      /** Every command the rules emitted, in order: the outbox of this decision. */
      readonly commands: readonly Command[];
      readonly rules: readonly RuleDecision[];
    }
  | { readonly outcome: 'rejected'; readonly error: DomainError };

/** What a decision reads, loaded by the caller (`ticketsToLoad` names the tickets). */
export interface DecideContext {
  readonly customer: CustomerHistory;
  /** The tickets named by `ticketsToLoad`; an id missing here is unknown to the store. */
  readonly tickets: ReadonlyMap<string, TicketState>;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
}

const listened = new WeakMap<RulesFile, ReadonlySet<Trigger>>();
function triggersOf(rules: RulesFile): ReadonlySet<Trigger> {
  let triggers = listened.get(rules);
  // Stryker disable next-line ConditionalExpression: equivalent, computing the set again gives the same set (a cache only)
  if (triggers === undefined) {
    triggers = triggersListenedTo(rules);
    // Stryker disable next-line all: equivalent, a cache only
    listened.set(rules, triggers);
  }
  return triggers;
}

/**
 * The one decision for an accepted inbound event (`key`: its inbound key): route it, then run the
 * rules on every trigger the routing raised, each seeing the ticket as the routing left it and the
 * rule firings recorded so far — and return everything it makes, typed per stream, with the
 * commands. Pure and deterministic: ingest, `simulate`, `import` and `what-if` all call it, so a
 * decision never depends on which of them made it, nor on when.
 */
export function decide(key: string, event: InboundEvent, ctx: DecideContext): Decision {
  const routed = decideInbound(event, { customer: ctx.customer.state, tickets: ctx.tickets, policy: ctx.policy });
  if (routed.outcome === 'rejected') return routed;

  // The routing's events are numbered across its writes: the ticket's first, then the customer's.
  let index = 0;
  const routedTicketEvents: Decided<TicketEvent>[] = [];
  const customerEvents: Decided<CustomerEvent>[] = [];
  for (const write of routed.writes) {
    if (write.kind === 'ticket') for (const e of write.events) routedTicketEvents.push({ id: domainEventId(key, index++), causationId: key, event: e });
    else for (const e of write.events) customerEvents.push({ id: domainEventId(key, index++), causationId: key, event: e });
  }
  let customer = extendCustomerHistory(ctx.customer, customerEvents.map((d) => d.event));

  const previous = ctx.tickets.get(routed.ticketId) ?? null;
  const group = routedTicketEvents.map((d) => d.event);
  let ticket = foldTicket(group, previous);
  const ticketEvents = [...routedTicketEvents];
  const commands: Command[] = [];
  const rules: RuleDecision[] = [];
  const triggers = triggersOf(ctx.rules);

  for (const [i, { id, event: ticketEvent }] of routedTicketEvents.entries()) {
    const trigger = triggerOf(ticketEvent);
    // Stryker disable next-line ConditionalExpression: equivalent, `triggers` never holds null, and a routed group always leaves a ticket
    if (trigger === null || !triggers.has(trigger) || ticket === null) continue;
    // What the rules see: the ticket as the routing left it, with the firings recorded so far (an
    // earlier trigger of the same group may have fired a `once` rule).
    const view = triggerView(previous, group, ticket.ruleFirings);
    // Stryker disable next-line ConditionalExpression: equivalent, the group left a ticket (checked above), so the view exists
    if (view === null) continue;
    const at = ticketEvent.data.at;
    const ruled = evaluateRules({
      trigger,
      // Stream revision of the trigger: the events before the group, then its place in it.
      event: { id, version: (previous?.version ?? 0) + i, at, correlationId: event.id },
      previous: view.previous,
      ticket: view.ticket,
      message: view.message,
      customer: customerAt(customer, at),
      rules: ctx.rules,
      policy: ctx.policy,
    });
    let ruleIndex = 0;
    const made = <E>(e: E): Decided<E> => ({ id: domainEventId(id, ruleIndex++), causationId: id, event: e });
    const recorded: TicketEvent[] = [{ type: 'RulesEvaluated', data: ruled.evaluated }, ...ruled.ticketEvents];
    for (const e of recorded) ticketEvents.push(made(e));
    customerEvents.push(...ruled.customerEvents.map(made));
    ticket = foldTicket(recorded, ticket);
    customer = extendCustomerHistory(customer, ruled.customerEvents);
    commands.push(...ruled.commands);
    rules.push({ trigger, triggerEventId: id, at, evaluations: ruled.evaluated.evaluations });
  }

  return {
    outcome: 'accepted',
    ticketId: routed.ticketId,
    routing: routed.routing,
    // Stryker disable next-line ConditionalExpression: equivalent, a null ticket only follows a group without events
    ticket: ticket === null || ticketEvents.length === 0 ? null : { ticketId: routed.ticketId, events: ticketEvents, state: ticket },
    customer: { customerId: event.subject, events: customerEvents, history: customer },
    commands,
    rules,
  };
}
