import { COMMAND_SOURCE, type Command } from '../commands/command.js';
import type { CustomerEvent } from '../customer/customer-events.js';
import type { CustomerState } from '../customer/customer-state.js';
import { PHONE_CHANNELS, type Channel } from '../inbound/channel.js';
import { parseDuration } from '../shared/duration.js';
import { commandId } from '../shared/ids.js';
import { toMillis } from '../shared/time.js';
import { countSmsSegments, toGsmLookalikes } from '../sms/sms-segments.js';
import { evolve } from '../ticket/evolve.js';
import { closeFacts, type ReopenPolicy } from '../ticket/reopen-policy.js';
import type { TicketEvent, TicketEventOf } from '../ticket/ticket-events.js';
import type { TicketState } from '../ticket/ticket-state.js';
import { evaluateConditions } from './evaluate-conditions.js';
import { renderTemplate } from './render-template.js';
import type { RuleContext, RuleMessage } from './rule-context.js';
import type { ActionOutcome, RuleEvaluation } from './rule-evaluation.js';
import type { Action, Rule, RulesFile, Trigger } from './rules-file.js';

/** What runs rules: a ticket event's trigger, or a fired timer (its own rule only). */
export type RuleTrigger = Trigger | 'timer.fired';

export interface RuleTriggerInput {
  trigger: RuleTrigger;
  /** For a fired timer: the one rule that runs (the timer's own), whatever its `when`. */
  only?: Rule;
  /** The domain event that triggers the rules; its time is the time of every decision. */
  event: { id: string; version: number; at: string; correlationId: string };
  /** The ticket before the inbound event's group of events (null: that event created it). */
  previous: TicketState | null;
  /** The ticket after that group, with `ruleFirings` up to date. */
  ticket: TicketState;
  message: RuleMessage | null;
  /** The customer as of the trigger's event time (consent, last auto-reply). */
  customer: CustomerState;
  rules: RulesFile;
  /** `close_ticket` fixes the reopen window in its TicketClosed event. */
  policy: ReopenPolicy;
}

export interface RuleTriggerDecision {
  /** Every rule with `when` = the trigger, in file order. */
  evaluated: TicketEventOf<'RulesEvaluated'>['data'];
  /** Changes made by rules (tags, team, close), authored by the rule, at the trigger's time. */
  ticketEvents: TicketEvent[];
  /** One AutoReplyRecorded per auto-reply sent. */
  customerEvents: CustomerEvent[];
  /** The same list as `evaluated.commands`. */
  commands: Command[];
}

/** The customer's address on a channel (SPEC: phone for sms and whatsapp, e-mail, id for chat). */
function recipientFor(channel: Channel, customer: TicketState['customer']): string | undefined {
  switch (channel) {
    case 'sms':
    case 'whatsapp':
      return customer.phone;
    case 'email':
      return customer.email;
    case 'chat':
      return customer.id;
    default: {
      const unexpected: never = channel;
      throw new Error(`unknown channel ${String(unexpected)}`);
    }
  }
}

/** Whether `once` rules out another firing on this ticket (per_event never does). */
function alreadyFired(rule: Rule, ticket: TicketState): boolean {
  const firing = ticket.ruleFirings[rule.id];
  if (firing === undefined) return false;
  switch (rule.once) {
    case 'per_event':
      return false;
    case 'per_ticket':
      return true;
    case 'per_reopen':
      return firing.lastReopenCount === ticket.reopenCount;
    default: {
      const unexpected: never = rule.once;
      throw new Error(`unknown once ${String(unexpected)}`);
    }
  }
}

/**
 * The rule-reactor's decision for one trigger. Pure: the same input always gives a deep-equal
 * decision, with ids derived from rule + triggering event + action position.
 */
export function evaluateRules(input: RuleTriggerInput): RuleTriggerDecision {
  const { trigger, event, previous, message, rules, policy } = input;
  const at = event.at;
  const atMs = toMillis(at);
  const ticketId = input.ticket.ticketId;
  const rateLimitMs = parseDuration(rules.autoReplyRateLimit);
  // The rules schema validates the duration; a bad one here is a programming error.
  if (rateLimitMs === null) throw new Error(`invalid autoReplyRateLimit ${JSON.stringify(rules.autoReplyRateLimit)}`);

  // Later rules of this trigger see the changes of earlier ones; `previous` never changes.
  let working = input.ticket;
  let lastAutoReplyAt = input.customer.lastAutoReplyAt;
  const evaluations: RuleEvaluation[] = [];
  const ticketEvents: TicketEvent[] = [];
  const customerEvents: CustomerEvent[] = [];
  const commands: Command[] = [];
  let stoppedBy: string | undefined;

  const change = (ticketEvent: TicketEvent): void => {
    ticketEvents.push(ticketEvent);
    // evolve only returns null before TicketCreated, which rules never produce.
    working = evolve(working, ticketEvent) ?? working;
  };

  const runAction = (rule: Rule, action: Action, index: number, ctx: RuleContext): ActionOutcome => {
    const id = commandId(rule.id, event.id, index);
    const by = { type: 'rule', id: rule.id } as const;
    const emitted: ActionOutcome = { index, type: action.type, status: 'emitted', commandId: id };
    const suppressed = (reason: ActionOutcome['reason'], detail: string): ActionOutcome => ({
      index,
      type: action.type,
      status: 'suppressed',
      reason,
      detail,
    });
    // Envelope fields in the schema's order, so a command reads the same before and after parsing.
    const head = {
      specversion: '1.0',
      id,
      source: COMMAND_SOURCE,
      subject: ticketId,
      time: at,
      datacontenttype: 'application/json',
    } as const;
    const trace = { ruleId: rule.id, causationId: event.id, correlationId: event.correlationId };

    switch (action.type) {
      case 'add_tag': {
        if (working.tags.includes(action.tag)) return suppressed('no_change', `tag ${action.tag} already present`);
        change({ type: 'TagsChanged', data: { ticketId, at, added: [action.tag], removed: [], by } });
        commands.push({ ...head, type: 'ticket.tag.add', data: { ...trace, tag: action.tag } });
        return emitted;
      }
      case 'remove_tag': {
        if (!working.tags.includes(action.tag)) return suppressed('no_change', `tag ${action.tag} not present`);
        change({ type: 'TagsChanged', data: { ticketId, at, added: [], removed: [action.tag], by } });
        commands.push({ ...head, type: 'ticket.tag.remove', data: { ...trace, tag: action.tag } });
        return emitted;
      }
      case 'assign_team': {
        if (working.team === action.team) return suppressed('no_change', `already assigned to ${action.team}`);
        change({ type: 'TicketAssigned', data: { ticketId, at, team: action.team, by } });
        commands.push({ ...head, type: 'ticket.assign', data: { ...trace, team: action.team } });
        return emitted;
      }
      case 'close_ticket': {
        if (working.status === 'closed') return suppressed('no_change', 'ticket already closed');
        const { window, reopenDeadline } = closeFacts(policy, working, at);
        change({ type: 'TicketClosed', data: { ticketId, at, closedBy: by, window, reopenDeadline } });
        commands.push({ ...head, type: 'ticket.close', data: { ...trace } });
        return emitted;
      }
      case 'send_auto_reply': {
        const channel = working.channel;
        const to = recipientFor(channel, working.customer);
        if (to === undefined) return suppressed('no_recipient', `customer has no address on ${channel}`);
        const optedOutAt = input.customer.optedOutAt;
        // An SMS opt-out covers the same number on WhatsApp, never e-mail or chat; one recorded
        // after this event's time did not exist yet when the customer wrote.
        if (PHONE_CHANNELS.includes(channel) && optedOutAt !== null && toMillis(optedOutAt) <= atMs) {
          return suppressed('opted_out', `customer opted out at ${optedOutAt}`);
        }
        // Event time, not processing time, so a replay or a backlog decides exactly the same.
        if (lastAutoReplyAt !== null && atMs - toMillis(lastAutoReplyAt) < rateLimitMs) {
          return suppressed('rate_limited', `last auto-reply at ${lastAutoReplyAt}, limit ${rules.autoReplyRateLimit}`);
        }
        const rendered = renderTemplate(action.body, ctx);
        if (channel === 'sms') {
          const body = rules.smsGsmLookalikes ? toGsmLookalikes(rendered) : rendered;
          const { segments, encoding } = countSmsSegments(body);
          commands.push({ ...head, type: 'message.send', data: { ...trace, channel, to, body, segments, encoding } });
        } else {
          commands.push({ ...head, type: 'message.send', data: { ...trace, channel, to, body: rendered } });
        }
        customerEvents.push({
          type: 'AutoReplyRecorded',
          data: { customerId: working.customer.id, at, channel, ticketId, commandId: id },
        });
        lastAutoReplyAt = at;
        return emitted;
      }
      case 'add_internal_note': {
        commands.push({ ...head, type: 'ticket.note.add', data: { ...trace, body: renderTemplate(action.body, ctx) } });
        return emitted;
      }
      default: {
        const unexpected: never = action;
        throw new Error(`unknown action ${JSON.stringify(unexpected)}`);
      }
    }
  };

  for (const rule of input.only === undefined ? rules.rules : [input.only]) {
    if (input.only === undefined && rule.when !== trigger) continue;
    const skipped = (outcome: RuleEvaluation['outcome']): RuleEvaluation => ({
      ruleId: rule.id,
      outcome,
      conditions: [],
      actions: [],
    });
    if (!rule.enabled) {
      evaluations.push(skipped('disabled'));
      continue;
    }
    if (stoppedBy !== undefined) {
      evaluations.push({ ...skipped('skipped_stop'), stoppedBy });
      continue;
    }
    if (alreadyFired(rule, working)) {
      evaluations.push(skipped('skipped_once'));
      continue;
    }

    const clock = { at, calendars: rules.calendars };
    const conditionCtx: RuleContext = { previous, ticket: working, customer: working.customer, message, clock };
    const { passed, outcomes } = evaluateConditions(rule.if, conditionCtx);
    if (!passed) {
      evaluations.push({ ruleId: rule.id, outcome: 'not_matched', conditions: outcomes, actions: [] });
      continue;
    }
    // Each action sees the ticket as the previous actions left it (a note after add_tag lists the tag).
    const actions = rule.then.map((action, index) =>
      runAction(rule, action, index, { previous, ticket: working, customer: working.customer, message, clock }),
    );
    // Fired even when every action was suppressed: the suppressions are the decision worth recording.
    evaluations.push({ ruleId: rule.id, outcome: 'fired', conditions: outcomes, actions });
    if (rule.stop) stoppedBy = rule.id;
  }

  return {
    evaluated: {
      ticketId,
      at,
      trigger: { type: trigger, eventId: event.id, version: event.version },
      reopenCount: input.ticket.reopenCount,
      evaluations,
      commands,
    },
    ticketEvents,
    customerEvents,
    // A copy, so a consumer editing one list never changes the recorded decision.
    commands: [...commands],
  };
}
