import { foldSla } from '../sla/sla-state.js';
import type { TicketEvent } from './ticket-events.js';
import type { TicketState } from './ticket-state.js';

/** Due time, then id: the order timers fire in (times are canonical UTC, so they sort as text). */
export function byDue(a: { dueAt: string; timerId: string }, b: { dueAt: string; timerId: string }): number {
  // Stryker disable next-line EqualityOperator: equivalent, the due times differ here
  if (a.dueAt !== b.dueAt) return a.dueAt < b.dueAt ? -1 : 1;
  // Stryker disable next-line EqualityOperator: equivalent, a ticket never holds two timers with one id
  return a.timerId < b.timerId ? -1 : 1;
}

const sortedUnique = (tags: Iterable<string>): string[] => [...new Set(tags)].sort();

/**
 * The ticket state after one more event. Pure; `null` is the state before the ticket exists.
 * Events before TicketCreated cannot happen (the decider guarantees it), so they leave `null`.
 */
/** `next` with its SLA targets after a timer event; a ticket no SLA ever covered keeps no `sla` list. */
function withSla(next: TicketState, state: TicketState, event: Parameters<typeof foldSla>[2]): TicketState {
  // Stryker disable next-line ArrayDeclaration: equivalent, a list without timers finds no timer either way
  const sla = foldSla(state.sla ?? [], state.timers ?? [], event);
  if (sla !== null) next.sla = sla;
  return next;
}

export function evolve(state: TicketState | null, event: TicketEvent): TicketState | null {
  if (event.type === 'TicketCreated') {
    const d = event.data;
    return {
      ticketId: d.ticketId,
      status: 'open',
      channel: d.channel,
      integration: d.integration,
      customer: d.customer,
      subject: d.subject,
      tags: [],
      team: null,
      agent: null,
      createdAt: d.at,
      closedAt: null,
      reopenDeadline: null,
      reopenWindow: null,
      reopenCount: 0,
      followUpOf: d.followUpOf,
      messageCount: 0,
      lastMessageAt: null,
      ruleFirings: {},
      timers: [],
      version: 1,
    };
  }
  if (state === null) return null;
  const next: TicketState = { ...state, version: state.version + 1 };
  switch (event.type) {
    case 'MessageReceived':
      next.customer = { ...state.customer, ...event.data.customer };
      next.messageCount += 1;
      next.lastMessageAt = event.data.at;
      return next;
    case 'MessageSent':
      next.messageCount += 1;
      next.lastMessageAt = event.data.at;
      return next;
    case 'TicketReopened':
      next.status = 'open';
      next.closedAt = null;
      next.reopenDeadline = null;
      next.reopenWindow = null;
      next.reopenCount += 1;
      return next;
    case 'TicketClosed':
      next.status = 'closed';
      next.closedAt = event.data.at;
      next.reopenDeadline = event.data.reopenDeadline;
      next.reopenWindow = event.data.window;
      return next;
    case 'TagsChanged': {
      const removed = new Set(event.data.removed);
      next.tags = sortedUnique([...state.tags.filter((t) => !removed.has(t)), ...event.data.added]);
      return next;
    }
    case 'TicketAssigned':
      if (event.data.team !== undefined) next.team = event.data.team;
      if (event.data.agent !== undefined) next.agent = event.data.agent;
      return next;
    case 'RulesEvaluated': {
      const firings = { ...state.ruleFirings };
      for (const evaluation of event.data.evaluations) {
        if (evaluation.outcome !== 'fired') continue;
        const before = firings[evaluation.ruleId];
        firings[evaluation.ruleId] = { count: (before?.count ?? 0) + 1, lastReopenCount: event.data.reopenCount };
      }
      next.ruleFirings = firings;
      return next;
    }
    case 'TimerSet': {
      const { ticketId: _t, at: _a, ...timer } = event.data;
      // `?? []`: a state stored before timers existed (a read model row) has no list yet.
      next.timers = [...(state.timers ?? []).filter((t) => t.timerId !== timer.timerId), timer].sort(byDue);
      return withSla(next, state, event);
    }
    case 'TimerCancelled':
    case 'TimerFired':
      next.timers = (state.timers ?? []).filter((t) => t.timerId !== event.data.timerId);
      return withSla(next, state, event);
    default: {
      const unexpected: never = event;
      throw new Error(`unknown ticket event ${JSON.stringify(unexpected)}`);
    }
  }
}

/** Folds a ticket's events from nothing. */
export const foldTicket = (events: Iterable<TicketEvent>, from: TicketState | null = null): TicketState | null => {
  let state = from;
  for (const event of events) state = evolve(state, event);
  return state;
};
