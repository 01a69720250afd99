import type { Rule, RulesFile, SlaMetric, SlaPolicy } from '../rules/rules-file.js';
import { addBusinessTime, businessTimeBetween } from '../shared/business-hours.js';
import { parseDuration } from '../shared/duration.js';
import { timerId } from '../shared/ids.js';
import { fromMillis, toMillis } from '../shared/time.js';
import type { PendingTimer, TicketEvent } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';

type Stage = 'warning' | 'breach';

/** The rule an SLA timer runs when it fires: the policy's warning or breach actions, no condition. */
export const slaRuleId = (policy: string, metric: SlaMetric, stage: Stage): string =>
  `sla.${policy}.${metric}.${stage}`;

const compiled = new WeakMap<RulesFile, ReadonlyMap<string, Rule>>();

/**
 * The SLA policies as the rules their timers run (`sla.<name>.<metric>.<stage>`), so a firing goes
 * through the same rule decision as any timer rule: recorded, replayed, re-decided by `verify`.
 */
export function slaRules(rules: RulesFile): ReadonlyMap<string, Rule> {
  let found = compiled.get(rules);
  if (found === undefined) {
    const map = new Map<string, Rule>();
    for (const policy of rules.sla) {
      for (const metric of Object.keys(policy.targets) as SlaMetric[]) {
        const after = policy.targets[metric]!;
        const base = {
          enabled: true,
          stop: false,
          once: 'per_event' as const,
          when: { after, since: 'ticket_created' as const },
        };
        const breach = slaRuleId(policy.name, metric, 'breach');
        map.set(breach, {
          ...base,
          id: breach,
          name: `SLA ${policy.name}: ${metric} breached`,
          then: policy.breach.then,
        });
        if (policy.warning !== undefined) {
          const warning = slaRuleId(policy.name, metric, 'warning');
          map.set(warning, {
            ...base,
            id: warning,
            name: `SLA ${policy.name}: ${metric} warning`,
            then: policy.warning.then,
          });
        }
      }
    }
    found = map;
    compiled.set(rules, found);
  }
  return found;
}

/** The policy covering a ticket: the first whose `match` takes its channel and integration. */
export function slaPolicyFor(rules: RulesFile, ticket: TicketState): SlaPolicy | undefined {
  return rules.sla.find(
    (p) =>
      (p.match.channel === undefined || p.match.channel.includes(ticket.channel)) &&
      (p.match.integration === undefined || p.match.integration.includes(ticket.integration)),
  );
}

/** What happened to the ticket, as the SLA clocks see it. */
export type SlaHappening = 'ticket_created' | 'agent_reply' | 'customer_message' | 'ticket_closed' | 'ticket_reopened';

const RESPONSES: readonly SlaMetric[] = ['first_response', 'next_response'];

/**
 * The SLA timers one ticket event sets, pauses and cancels (docs/timers.md, SLA targets), on event
 * time only. `ticket`: the ticket after the event, `record` appends a timer event (and folds it).
 * - first response: from the creation, met by an agent reply; next response: from a customer
 *   message when no response target runs, met by an agent reply; a close ends both.
 * - resolution: from the creation; an agent reply (waiting on the customer) or a close pauses it,
 *   keeping the business time left; a customer message or a reopen resumes it with that time.
 * - a warning falls due at its share of the target, and is paused and resumed with it.
 */
export function slaBookkeeping(
  rules: RulesFile,
  ticket: TicketState,
  happening: SlaHappening,
  at: string,
  causeId: string,
  record: (event: TicketEvent) => void,
  current: () => TicketState,
): void {
  const policy = slaPolicyFor(rules, ticket);
  const pending = (metric: SlaMetric): PendingTimer[] =>
    (current().timers ?? []).filter((t) => t.sla?.metric === metric);
  const cancel = (timer: PendingTimer, reason: string, remainingMs?: number): void =>
    record({
      type: 'TimerCancelled',
      data: {
        ticketId: ticket.ticketId,
        at,
        timerId: timer.timerId,
        ruleId: timer.ruleId,
        reason,
        causedBy: causeId,
        ...(remainingMs === undefined ? {} : { remainingMs }),
      },
    });
  const calendar = policy?.calendar === undefined ? undefined : rules.calendars[policy.calendar];
  const add = (fromMs: number, ms: number): string =>
    fromMillis(calendar === undefined ? fromMs + ms : addBusinessTime(calendar, fromMs, ms));
  const left = (dueAt: string): number => {
    const [from, to] = [toMillis(at), toMillis(dueAt)];
    return Math.max(0, calendar === undefined ? to - from : businessTimeBetween(calendar, from, to));
  };
  /** Starts a target's breach timer `breachInMs` from now, and its warning if it still lies ahead. */
  const start = (metric: SlaMetric, breachInMs: number): void => {
    if (policy === undefined) return;
    const target = parseDuration(policy.targets[metric]!)!;
    const atMs = toMillis(at);
    const stages: [Stage, number][] = [['breach', breachInMs]];
    if (policy.warning !== undefined) {
      const share = Number(policy.warning.at.slice(0, -1)) / 100;
      // The warning sits `target × (1 − share)` before the breach, in business time.
      const warningInMs = breachInMs - Math.round(target * (1 - share));
      if (warningInMs > 0) stages.unshift(['warning', warningInMs]);
    }
    for (const [stage, inMs] of stages) {
      const ruleId = slaRuleId(policy.name, metric, stage);
      const dueAt = add(atMs, inMs);
      record({
        type: 'TimerSet',
        data: {
          ticketId: ticket.ticketId,
          at,
          timerId: timerId(ruleId, causeId),
          ruleId,
          kind: metric,
          dueAt,
          setAt: at,
          setBy: causeId,
          sla: { name: policy.name, metric, stage },
        },
      });
    }
  };
  const targetOf = (metric: SlaMetric): number | null =>
    policy?.targets[metric] === undefined ? null : parseDuration(policy.targets[metric])!;

  switch (happening) {
    case 'ticket_created':
      if (ticket.status !== 'open') return;
      for (const metric of ['first_response', 'resolution'] as const) {
        const target = targetOf(metric);
        if (target !== null) start(metric, target);
      }
      return;
    case 'agent_reply':
    case 'ticket_closed': {
      for (const metric of RESPONSES) for (const timer of pending(metric)) cancel(timer, happening);
      for (const timer of pending('resolution')) cancel(timer, 'paused', left(timer.dueAt));
      return;
    }
    case 'customer_message':
    case 'ticket_reopened': {
      if (ticket.status !== 'open') return;
      const paused = (current().sla ?? []).find((s) => s.metric === 'resolution' && s.remainingMs !== null);
      if (paused?.remainingMs !== undefined && paused.remainingMs !== null && pending('resolution').length === 0) {
        start('resolution', paused.remainingMs);
      }
      const target = targetOf('next_response');
      const responding = RESPONSES.some((metric) => pending(metric).length > 0);
      if (happening === 'customer_message' && target !== null && !responding) start('next_response', target);
      return;
    }
  }
}
