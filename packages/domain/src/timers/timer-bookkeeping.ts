import { DEFAULT_UNLESS, isTimerRule, type RulesFile, type TimerCancel, type TimerRule } from '../rules/rules-file.js';
import { addBusinessTime } from '../shared/business-hours.js';
import { parseDuration } from '../shared/duration.js';
import { slaBookkeeping } from '../sla/sla.js';
import { timerId } from '../shared/ids.js';
import { fromMillis, toMillis } from '../shared/time.js';
import { evolve } from '../ticket/evolve.js';
import type { PendingTimer, TicketEvent, TicketEventOf } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';

/** A domain event with its id (what `decide` returns): bookkeeping names its cause by that id. */
interface WithId {
  readonly id: string;
  readonly event: TicketEvent;
}

/** What a ticket event means to timers: the anchor it starts and the happening it cancels on. */
type Happening = TimerCancel | 'ticket_created';

function happeningOf(event: TicketEvent): Happening | null {
  switch (event.type) {
    case 'MessageSent':
      // Our own auto-replies (a nudge among them) come back as automation: never a new waiting period.
      return event.data.author.type === 'agent' ? 'agent_reply' : null;
    case 'MessageReceived':
      return 'customer_message';
    case 'TicketCreated':
      return 'ticket_created';
    case 'TicketClosed':
      return 'ticket_closed';
    case 'TicketReopened':
      return 'ticket_reopened';
    default:
      return null;
  }
}

const anchorOf = (rule: TimerRule): Happening => ('since' in rule.when ? rule.when.since : 'ticket_closed');
const kindOf = (rule: TimerRule): string => ('since' in rule.when ? rule.when.since : rule.when.at);
const unlessOf = (rule: TimerRule): readonly TimerCancel[] =>
  rule.when.unless ?? DEFAULT_UNLESS['since' in rule.when ? rule.when.since : rule.when.at];

/** Anchors that wait on an open ticket: a reply on a closed one starts no clock. */
const NEEDS_OPEN: ReadonlySet<Happening> = new Set(['agent_reply', 'customer_message', 'ticket_created']);
/** Anchors whose every occurrence starts a new waiting period (the others keep the first one's clock). */
const RESTARTS: ReadonlySet<Happening> = new Set(['agent_reply', 'ticket_closed']);

const timerRulesOf = new WeakMap<RulesFile, readonly TimerRule[]>();
function timerRules(rules: RulesFile): readonly TimerRule[] {
  let found = timerRulesOf.get(rules);
  if (found === undefined) {
    found = rules.rules.filter(isTimerRule).filter((rule) => rule.enabled);
    timerRulesOf.set(rules, found);
  }
  return found;
}

/** Whether the rules have any timer rule: without one, no decision sets a timer. */
export const hasTimerRules = (rules: RulesFile): boolean => timerRules(rules).length > 0 || rules.sla.length > 0;

/**
 * The timers a decision's new ticket events set and cancel, in order, as TimerSet / TimerCancelled
 * events for the end of the same decision (`before`: the ticket before `decided`). Pure, on event
 * time only: a due time is the event time of what set it plus the rule's duration (or the reopen
 * deadline recorded by the close). A timer whose rule is gone from the rules file is cancelled by
 * what its kind waits for, so a rules change never leaves one pending for ever.
 */
export function timerBookkeeping(
  before: TicketState | null,
  decided: readonly WithId[],
  rules: RulesFile,
): TicketEvent[] {
  const timed = timerRules(rules);
  if (timed.length === 0 && rules.sla.length === 0 && (before?.timers ?? []).length === 0) return [];
  const byId = new Map(rules.rules.filter(isTimerRule).map((rule) => [rule.id, rule]));
  const out: TicketEvent[] = [];
  let working = before;
  const record = (event: TicketEvent): void => {
    out.push(event);
    working = evolve(working, event);
  };

  for (const { id, event } of decided) {
    working = evolve(working, event);
    if (working === null) continue;
    const happening = happeningOf(event);
    if (happening === null) continue;
    const { ticketId } = working;
    const at = event.data.at;
    const cancel = (timer: PendingTimer, reason: string): void =>
      record({
        type: 'TimerCancelled',
        data: { ticketId, at, timerId: timer.timerId, ruleId: timer.ruleId, reason, causedBy: id },
      });

    if (happening !== 'ticket_created') {
      for (const timer of working.timers ?? []) {
        // SLA timers follow their policy's clock (slaBookkeeping below).
        if (timer.sla !== undefined) continue;
        const rule = byId.get(timer.ruleId);
        const unless =
          rule === undefined ? (DEFAULT_UNLESS[timer.kind as keyof typeof DEFAULT_UNLESS] ?? []) : unlessOf(rule);
        if (unless.includes(happening)) cancel(timer, happening);
      }
    }
    for (const rule of timed) {
      if (anchorOf(rule) !== happening) continue;
      const state: TicketState = working;
      if (NEEDS_OPEN.has(happening) && state.status !== 'open') continue;
      const pending = (state.timers ?? []).find((t) => t.ruleId === rule.id);
      if (pending !== undefined) {
        if (!RESTARTS.has(happening)) continue;
        cancel(pending, 'restarted');
      }
      const dueAt = dueFor(rule, event, rules);
      if (dueAt === null) continue;
      record({
        type: 'TimerSet',
        data: {
          ticketId,
          at,
          timerId: timerId(rule.id, id),
          ruleId: rule.id,
          kind: kindOf(rule),
          dueAt,
          setAt: at,
          setBy: id,
        },
      });
    }
    if (rules.sla.length > 0) slaBookkeeping(rules, working, happening, at, id, record, () => working!);
  }
  return out;
}

function dueFor(rule: TimerRule, event: TicketEvent, rules: RulesFile): string | null {
  if ('at' in rule.when) {
    // The deadline the close recorded: a later policy change never moves it.
    return event.type === 'TicketClosed' ? (event as TicketEventOf<'TicketClosed'>).data.reopenDeadline : null;
  }
  const ms = parseDuration(rule.when.after);
  // The rules schema validates durations; a bad one here is a programming error.
  if (ms === null) throw new Error(`invalid timer duration ${JSON.stringify(rule.when.after)}`);
  const calendarName = rule.when.calendar;
  if (calendarName !== undefined) {
    // The rules schema refuses an unknown or never-open calendar.
    const calendar = rules.calendars[calendarName];
    if (calendar === undefined) throw new Error(`unknown calendar ${calendarName}`);
    return fromMillis(addBusinessTime(calendar, toMillis(event.data.at), ms));
  }
  return fromMillis(toMillis(event.data.at) + ms);
}
