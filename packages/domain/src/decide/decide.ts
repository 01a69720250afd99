import type { Command } from '../commands/command.js';
import { customerAt, extendCustomerHistory, type CustomerHistory } from '../customer/customer-history.js';
import type { CustomerEvent } from '../customer/customer-events.js';
import type { InboundEvent } from '../inbound/inbound-event.js';
import { evaluateRules } from '../rules/evaluate-rules.js';
import type { RuleEvaluation } from '../rules/rule-evaluation.js';
import type { RulesFile, Trigger } from '../rules/rules-file.js';
import type { RuleTrigger } from '../rules/evaluate-rules.js';
import type { CustomerState } from '../customer/customer-state.js';
import { timerBookkeeping } from '../timers/timer-bookkeeping.js';
import { slaRules } from '../sla/sla.js';
import { toUtc } from '../shared/time.js';
import { triggerOf, triggersListenedTo } from '../rules/trigger-of.js';
import { triggerView } from '../rules/trigger-view.js';
import type { DomainError } from '../shared/domain-error.js';
import { domainEventId, timerEventId } from '../shared/ids.js';
import { foldTicket } from '../ticket/evolve.js';
import type { ReopenPolicy } from '../ticket/reopen-policy.js';
import type { PendingTimer, Routing, TicketEvent } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { commandTicket } from '../ticket/ticket-timers.js';
import { decideInbound, type TicketLookup } from './decide-inbound.js';

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
  readonly trigger: RuleTrigger;
  readonly triggerEventId: string;
  readonly at: string;
  readonly evaluations: readonly RuleEvaluation[];
}

/** One ticket's new events in stream order, and the ticket after them. */
export interface TicketWrite {
  readonly ticketId: string;
  readonly events: readonly Decided<TicketEvent>[];
  readonly state: TicketState;
}

/** The customer's new events (routing, consent, auto-replies, timer index) and the history after them. */
export interface CustomerWrite {
  readonly customerId: string;
  readonly events: readonly Decided<CustomerEvent>[];
  readonly history: CustomerHistory;
}

export type Decision =
  | {
      readonly outcome: 'accepted';
      /** The ticket the event ended up on. */
      readonly ticketId: string;
      readonly routing: Routing | null;
      /**
       * The ticket's new events in stream order — the timers of its own that fired first, the
       * routing, then for each trigger it raised, the rules' record (RulesEvaluated) and their
       * changes, then the timers they set or cancelled — and the ticket after them. Null when the
       * event changes no ticket (closing a closed one): it is still logged as accepted.
       */
      readonly ticket: TicketWrite | null;
      /**
       * Every ticket the decision writes, `ticket` included, in the order first written: timers of
       * the customer's other tickets that were due at or before the event's time fired first.
       */
      readonly tickets: readonly TicketWrite[];
      readonly customer: CustomerWrite;
      /** Every command the rules emitted, in order (fired timers' first): the outbox of this decision. */
      readonly commands: readonly Command[];
      readonly rules: readonly RuleDecision[];
      /** The ids of the timers that fired first, in firing order. */
      readonly fired: readonly string[];
    }
  | { readonly outcome: 'rejected'; readonly error: DomainError };

/** What firing a customer's due timers made (`decideTimers`): the same parts as an inbound decision. */
export interface TimersDecision {
  readonly tickets: readonly TicketWrite[];
  readonly customer: CustomerWrite;
  readonly commands: readonly Command[];
  readonly rules: readonly RuleDecision[];
  readonly fired: readonly string[];
}

/** What a decision reads, loaded by the caller (`ticketsToLoad` names the tickets). */
export interface DecideContext {
  readonly customer: CustomerHistory;
  /** The tickets named by `ticketsToLoad`; an id missing here is unknown to the store. */
  readonly tickets: TicketLookup;
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
 * A decision in the making: the tickets it wrote (in first-written order) over the ones it read,
 * the customer, the commands and the rule decisions.
 */
class Work implements TicketLookup {
  readonly written = new Map<string, { ticketId: string; events: Decided<TicketEvent>[]; state: TicketState }>();
  readonly customerEvents: Decided<CustomerEvent>[] = [];
  readonly commands: Command[] = [];
  readonly rules: RuleDecision[] = [];
  readonly fired: string[] = [];
  customer: CustomerHistory;

  constructor(
    private readonly base: TicketLookup,
    customer: CustomerHistory,
  ) {
    this.customer = customer;
  }

  get(ticketId: string): TicketState | undefined {
    return this.written.get(ticketId)?.state ?? this.base.get(ticketId);
  }

  has(ticketId: string): boolean {
    return this.written.has(ticketId) || this.base.has(ticketId);
  }

  /** Appends a ticket's events (never none: a decision writes a ticket only with events to write). */
  writeTicket(ticketId: string, events: readonly Decided<TicketEvent>[], state: TicketState): void {
    const entry = this.written.get(ticketId);
    if (entry === undefined) this.written.set(ticketId, { ticketId, events: [...events], state });
    else {
      entry.events.push(...events);
      entry.state = state;
    }
  }

  writeCustomer(events: readonly Decided<CustomerEvent>[]): void {
    this.customerEvents.push(...events);
    this.customer = extendCustomerHistory(
      this.customer,
      events.map((d) => d.event),
    );
  }

  /** The customer's due-time index entry for a ticket, brought up to date with the ticket's timers. */
  indexTicket(ticketId: string, causeId: string, at: string, next: () => number): void {
    const state = this.get(ticketId);
    const nextDueAt = state?.timers?.[0]?.dueAt ?? null;
    if ((this.customer.state.timers?.[ticketId] ?? null) === nextDueAt) return;
    const event: CustomerEvent = {
      type: 'CustomerTimersChanged',
      data: { customerId: this.customer.state.customerId, at, ticketId, nextDueAt },
    };
    this.writeCustomer([{ id: timerEventId(causeId, next()), causationId: causeId, event }]);
  }
}

/**
 * Gives every command the rule decisions among `events` emitted the ticket's pending timers and SLA
 * targets as `state` shows them — `state` being the ticket once the whole step is decided, the
 * timers its changes set included (an auto-close's command shows the reopen-window timer). Made
 * here, from the decision's own result, and recorded in RulesEvaluated: the relay re-publishes the
 * recorded command, so a command sent again after a crash is the same, byte for byte. The commands
 * of this step are the last ones in `work.commands`, from `first` on, in the same order.
 */
function stampTicket(work: Work, events: Decided<TicketEvent>[], first: number, state: TicketState): void {
  const ticket = commandTicket(state.timers, state.sla);
  const stamped: Command[] = [];
  for (const [i, decided] of events.entries()) {
    const { event } = decided;
    if (event.type !== 'RulesEvaluated') continue;
    const commands = event.data.commands.map((c) => ({ ...c, data: { ...c.data, ticket } }) as Command);
    stamped.push(...commands);
    events[i] = { ...decided, event: { ...event, data: { ...event.data, commands } } };
  }
  work.commands.length = first;
  work.commands.push(...stamped);
}

/**
 * Runs the rules a group of new ticket events raised (one evaluation per trigger, each seeing the
 * ticket as the group left it and the firings recorded so far), then the timers the group and the
 * rules' changes set and cancel. Writes it all to `work`.
 */
function ruleAndTime(
  work: Work,
  causeId: string,
  at: string,
  correlationId: string,
  previous: TicketState | null,
  group: readonly Decided<TicketEvent>[],
  ctx: DecideContext,
): void {
  const groupEvents = group.map((d) => d.event);
  const folded = foldTicket(groupEvents, previous);
  // Stryker disable next-line ConditionalExpression: unreachable, a routed group creates or follows a ticket (types)
  if (folded === null) return;
  let ticket: TicketState = folded;
  const ticketId = ticket.ticketId;
  const all: Decided<TicketEvent>[] = [...group];
  const triggers = triggersOf(ctx.rules);
  const firstCommand = work.commands.length;

  for (const [i, { id, event: ticketEvent }] of group.entries()) {
    const trigger = triggerOf(ticketEvent);
    // Stryker disable next-line ConditionalExpression: equivalent, the set never holds null (types)
    if (trigger === null || !triggers.has(trigger)) continue;
    // What the rules see: the ticket as the routing left it, with the firings recorded so far (an
    // earlier trigger of the same group may have fired a `once` rule).
    const view = triggerView(previous, groupEvents, ticket.ruleFirings);
    // Stryker disable next-line ConditionalExpression: unreachable, the group folded above (types)
    if (view === null) continue;
    const triggerAt = ticketEvent.data.at;
    const ruled = evaluateRules({
      trigger,
      // Stream revision of the trigger: the events before the group, then its place in it.
      event: { id, version: (previous?.version ?? 0) + i, at: triggerAt, correlationId },
      previous: view.previous,
      ticket: view.ticket,
      message: view.message,
      customer: customerAt(work.customer, triggerAt),
      rules: ctx.rules,
      policy: ctx.policy,
    });
    let ruleIndex = 0;
    const made = <E>(e: E): Decided<E> => ({ id: domainEventId(id, ruleIndex++), causationId: id, event: e });
    const recorded: TicketEvent[] = [{ type: 'RulesEvaluated', data: ruled.evaluated }, ...ruled.ticketEvents];
    const recordedDecided = recorded.map(made);
    all.push(...recordedDecided);
    work.writeCustomer(ruled.customerEvents.map(made));
    ticket = foldTicket(recorded, ticket) ?? ticket;
    work.commands.push(...ruled.commands);
    work.rules.push({ trigger, triggerEventId: id, at: triggerAt, evaluations: ruled.evaluated.evaluations });
  }

  let timerIndex = 0;
  const next = (): number => timerIndex++;
  const timerEvents = timerBookkeeping(previous, all, ctx.rules).map((event): Decided<TicketEvent> => ({
    id: timerEventId(causeId, next()),
    causationId: causeId,
    event,
  }));
  all.push(...timerEvents);
  ticket =
    foldTicket(
      timerEvents.map((d) => d.event),
      ticket,
    ) ?? ticket;
  stampTicket(work, all, firstCommand, ticket);
  work.writeTicket(ticketId, all, ticket);
  work.indexTicket(ticketId, causeId, at, next);
}

/**
 * Fires one timer: TimerFired at event time = its due time, then its own rule's decision on the
 * ticket as it is, then the timers that sets or cancels. Ids derive from the timer id only, so the
 * firing is the same whoever fires it (the ingest before a later event, the scheduler, simulate).
 */
function fireTimer(work: Work, ticket: TicketState, timer: PendingTimer, ctx: DecideContext): void {
  const firedId = domainEventId(timer.timerId, 0);
  const fired: Decided<TicketEvent> = {
    id: firedId,
    causationId: timer.setBy,
    event: {
      type: 'TimerFired',
      data: {
        ticketId: ticket.ticketId,
        at: timer.dueAt,
        timerId: timer.timerId,
        ruleId: timer.ruleId,
        kind: timer.kind,
        dueAt: timer.dueAt,
        setAt: timer.setAt,
      },
    },
  };
  const afterFired = foldTicket([fired.event], ticket);
  // Stryker disable next-line ConditionalExpression: unreachable, TimerFired on a ticket folds to one (types)
  if (afterFired === null) return;
  const all: Decided<TicketEvent>[] = [fired];
  let state = afterFired;
  const firstCommand = work.commands.length;
  const rule = ctx.rules.rules.find((r) => r.id === timer.ruleId) ?? slaRules(ctx.rules).get(timer.ruleId);
  if (rule !== undefined) {
    const ruled = evaluateRules({
      trigger: 'timer.fired',
      only: rule,
      event: { id: firedId, version: ticket.version, at: timer.dueAt, correlationId: timer.timerId },
      previous: ticket,
      ticket: afterFired,
      message: null,
      customer: customerAt(work.customer, timer.dueAt),
      rules: ctx.rules,
      policy: ctx.policy,
    });
    let ruleIndex = 0;
    const made = <E>(e: E): Decided<E> => ({ id: domainEventId(firedId, ruleIndex++), causationId: firedId, event: e });
    const recorded: TicketEvent[] = [{ type: 'RulesEvaluated', data: ruled.evaluated }, ...ruled.ticketEvents];
    all.push(...recorded.map(made));
    work.writeCustomer(ruled.customerEvents.map(made));
    state = foldTicket(recorded, state) ?? state;
    work.commands.push(...ruled.commands);
    work.rules.push({
      trigger: 'timer.fired',
      triggerEventId: firedId,
      at: timer.dueAt,
      evaluations: ruled.evaluated.evaluations,
    });
  }
  let timerIndex = 0;
  const next = (): number => timerIndex++;
  const timerEvents = timerBookkeeping(ticket, all, ctx.rules).map((event): Decided<TicketEvent> => ({
    id: timerEventId(firedId, next()),
    causationId: firedId,
    event,
  }));
  all.push(...timerEvents);
  state =
    foldTicket(
      timerEvents.map((d) => d.event),
      state,
    ) ?? state;
  stampTicket(work, all, firstCommand, state);
  work.writeTicket(ticket.ticketId, all, state);
  work.fired.push(timer.timerId);
  work.indexTicket(ticket.ticketId, firedId, timer.dueAt, next);
}

/**
 * Fires every timer of the customer's tickets due at or before `until`, in due-time order (then
 * ticket id, then timer id), including the timers a firing sets when they too fall due by then.
 */
function fireDue(work: Work, until: string, ctx: DecideContext): void {
  for (;;) {
    const index = work.customer.state.timers ?? {};
    const due = nextDueTicket(index, until);
    if (due === null) return;
    const ticket = work.get(due);
    const timer = ticket?.timers?.[0];
    const indexed = index[due]!;
    // Stryker disable next-line ConditionalExpression: equivalent, no ticket means no timer either (types)
    if (ticket === undefined || timer === undefined || timer.dueAt !== indexed) {
      // The index disagrees with the ticket (a decision outside this path changed its timers): bring
      // it up to date; the next turn fires what is really due.
      work.indexTicket(due, timerEventId(`reindex:${due}`, 0), indexed, () => 0);
      continue;
    }
    fireTimer(work, ticket, timer, ctx);
  }
}

/** The customer's ticket whose next timer is due first, at or before `until` (ties: ticket id). */
function nextDueTicket(index: Readonly<Record<string, string>>, until: string): string | null {
  let best: { ticketId: string; dueAt: string } | null = null;
  for (const [ticketId, dueAt] of Object.entries(index)) {
    if (dueAt > until) continue;
    // Stryker disable next-line EqualityOperator: equivalent on ticketId only, an index never names a ticket twice
    const earlier = best === null || dueAt < best.dueAt || (dueAt === best.dueAt && ticketId < best.ticketId);
    if (earlier) best = { ticketId, dueAt };
  }
  return best?.ticketId ?? null;
}

/** The customer's tickets with a timer due at or before `until`: what a decision at `until` must load. */
export function timersToLoad(customer: CustomerState, until: string): string[] {
  return Object.entries(customer.timers ?? {})
    .filter(([, dueAt]) => dueAt <= until)
    .map(([ticketId]) => ticketId);
}

/**
 * The one decision for an accepted inbound event (`key`: its inbound key): fire the customer's
 * timers due at or before the event's time (SPEC invariant 7), route the event, then run the rules
 * on every trigger the routing raised, each seeing the ticket as the routing left it and the rule
 * firings recorded so far, then set and cancel timers — and return everything it makes, typed per
 * stream, with the commands. Pure and deterministic: ingest, `simulate`, `import` and `what-if` all
 * call it, so a decision never depends on which of them made it, nor on when.
 */
export function decide(key: string, event: InboundEvent, ctx: DecideContext): Decision {
  const work = new Work(ctx.tickets, ctx.customer);
  fireDue(work, toUtc(event.time), ctx);
  const routed = decideInbound(event, { customer: work.customer.state, tickets: work, policy: ctx.policy });
  if (routed.outcome === 'rejected') return routed;

  // The routing's events are numbered across its writes: the ticket's first, then the customer's.
  let index = 0;
  const routedTicketEvents: Decided<TicketEvent>[] = [];
  const routedCustomerEvents: Decided<CustomerEvent>[] = [];
  for (const write of routed.writes) {
    if (write.kind === 'ticket')
      for (const e of write.events)
        routedTicketEvents.push({ id: domainEventId(key, index++), causationId: key, event: e });
    else
      for (const e of write.events)
        routedCustomerEvents.push({ id: domainEventId(key, index++), causationId: key, event: e });
  }
  work.writeCustomer(routedCustomerEvents);
  const previous = work.get(routed.ticketId) ?? null;
  if (routedTicketEvents.length > 0) ruleAndTime(work, key, event.time, event.id, previous, routedTicketEvents, ctx);

  const tickets = [...work.written.values()];
  return {
    outcome: 'accepted',
    ticketId: routed.ticketId,
    routing: routed.routing,
    ticket: work.written.get(routed.ticketId) ?? null,
    tickets,
    customer: { customerId: event.subject, events: work.customerEvents, history: work.customer },
    commands: work.commands,
    rules: work.rules,
    fired: work.fired,
  };
}

/**
 * Fires the customer's timers due at or before `until` (event time), through the same path a
 * decision for an inbound event fires them: what the scheduler and `simulate --until` call. Nothing
 * due: nothing written. The caller loads `timersToLoad(customer, until)`.
 */
export function decideTimers(until: string, ctx: DecideContext): TimersDecision {
  const work = new Work(ctx.tickets, ctx.customer);
  fireDue(work, toUtc(until), ctx);
  return {
    tickets: [...work.written.values()],
    customer: { customerId: ctx.customer.state.customerId, events: work.customerEvents, history: work.customer },
    commands: work.commands,
    rules: work.rules,
    fired: work.fired,
  };
}
