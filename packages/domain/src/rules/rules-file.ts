import { z } from 'zod';
import { Calendar, hasHours } from '../shared/business-hours.js';
import { Duration } from '../shared/duration.js';
import { Channel } from '../inbound/channel.js';

export const TRIGGERS = [
  'ticket.created',
  'message.received',
  'ticket.reopened',
  'ticket.closed',
  'ticket.updated',
] as const;
export const Trigger = z.enum(TRIGGERS);
export type Trigger = z.infer<typeof Trigger>;

export const OPERATORS = [
  'eq',
  'neq',
  'in',
  'contains',
  'not_contains',
  'matches',
  'exists',
  'not_exists',
  'gt',
  'lt',
] as const;
export const Operator = z.enum(OPERATORS, {
  // Zod's own message lists the options but never says what was written, nor that it was missing.
  error: (issue) =>
    issue.input === undefined
      ? `a condition needs \`op\`: one of ${OPERATORS.join(', ')}`
      : `unknown operator ${JSON.stringify(issue.input)} in \`op\`: use one of ${OPERATORS.join(', ')}`,
});
export type Operator = z.infer<typeof Operator>;

/**
 * Fields a condition may read: the ticket before and after the event, the customer, the message, and
 * whether the trigger's event time falls inside a calendar's business hours (`calendar.<name>.open`).
 */
export const FIELD_PATTERN =
  /^(previous|ticket)\.(status|channel|integration|tags|subject|team|followUpOf|reopenCount|messageCount|customer\.(id|name|phone|email))$|^customer\.(id|name|phone|email)$|^message\.(body|intent|channel)$|^calendar\.[A-Za-z0-9_-]+\.open$/;
export const Field = z
  .string({
    error: (issue) =>
      issue.input === undefined ? 'a condition needs `field`: the value it tests, e.g. ticket.channel' : undefined,
  })
  .regex(FIELD_PATTERN, {
    message:
      'unknown field: use previous.<f> or ticket.<f> (status, channel, integration, tags, subject, team, followUpOf, reopenCount, messageCount), customer.<id|name|phone|email>, message.<body|intent|channel>, calendar.<name>.open',
  });

const Scalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);

export const Condition = z
  .object({
    field: Field,
    op: Operator,
    /** A literal to compare with (a list for `in`, a regular expression source for `matches`). */
    value: z.union([Scalar, z.array(Scalar)]).optional(),
    /** Compare with another field instead of a literal (e.g. the subject contains `customer.name`). */
    valueFrom: Field.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const needsValue = c.op !== 'exists' && c.op !== 'not_exists';
    if (needsValue && c.value === undefined && c.valueFrom === undefined) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: `operator ${c.op} needs \`value\` or \`valueFrom\`` });
    }
    if (c.value !== undefined && c.valueFrom !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['valueFrom'], message: 'give `value` or `valueFrom`, not both' });
    }
    if (c.op === 'in' && c.value !== undefined && !Array.isArray(c.value)) {
      ctx.addIssue({ code: 'custom', path: ['value'], message: 'operator in needs a list' });
    }
    if (c.op === 'matches' && typeof c.value === 'string') {
      try {
        new RegExp(c.value, 'u');
      } catch {
        ctx.addIssue({ code: 'custom', path: ['value'], message: 'not a valid regular expression' });
      }
    }
  });
export type Condition = z.infer<typeof Condition>;

export interface ConditionGroup {
  all?: ConditionNode[];
  any?: ConditionNode[];
}
export type ConditionNode = Condition | ConditionGroup;

// `all` (with `any` or not), or `any` alone: a group without either fails on a missing key, which ends
// that branch of ConditionNode's union. Were it only refined, Zod would report the group branch
// alone ("Unrecognized keys: field, op, value") for a condition with an unknown `op` or no `field`.
const GROUP_NEEDS = 'a condition group needs `all` or `any`';
export const ConditionGroup: z.ZodType<ConditionGroup> = z.lazy(() =>
  z.union([
    z.object({ all: z.array(ConditionNode, { error: GROUP_NEEDS }), any: z.array(ConditionNode).optional() }).strict(),
    z.object({ any: z.array(ConditionNode, { error: GROUP_NEEDS }) }).strict(),
  ]),
);
export const ConditionNode: z.ZodType<ConditionNode> = z.lazy(() => z.union([Condition, ConditionGroup]));

const Template = z.string().min(1).max(2_000);
export const Action = z.discriminatedUnion('type', [
  z.object({ type: z.literal('add_tag'), tag: z.string().min(1).max(100) }).strict(),
  z.object({ type: z.literal('remove_tag'), tag: z.string().min(1).max(100) }).strict(),
  z.object({ type: z.literal('assign_team'), team: z.string().min(1).max(200) }).strict(),
  z.object({ type: z.literal('send_auto_reply'), body: Template }).strict(),
  z.object({ type: z.literal('add_internal_note'), body: Template }).strict(),
  z.object({ type: z.literal('close_ticket') }).strict(),
]);
export type Action = z.infer<typeof Action>;

/**
 * What starts a timer rule's clock (`since`), at the event time of the ticket event that happened:
 * an agent's reply (`MessageSent` by an agent), a customer's message, the ticket's creation or its close.
 */
export const TIMER_ANCHORS = ['agent_reply', 'customer_message', 'ticket_created', 'ticket_closed'] as const;
export const TimerAnchor = z.enum(TIMER_ANCHORS);
export type TimerAnchor = z.infer<typeof TimerAnchor>;

/** Ticket happenings that cancel a pending timer (`unless`). */
export const TIMER_CANCELS = ['agent_reply', 'customer_message', 'ticket_closed', 'ticket_reopened'] as const;
export const TimerCancel = z.enum(TIMER_CANCELS);
export type TimerCancel = z.infer<typeof TimerCancel>;

/** What cancels a timer when the rule does not say: what its waiting is about (docs/timers.md). */
export const DEFAULT_UNLESS: Readonly<Record<TimerAnchor | 'reopen_deadline', readonly TimerCancel[]>> = {
  agent_reply: ['customer_message', 'ticket_closed'],
  customer_message: ['agent_reply', 'ticket_closed'],
  ticket_created: ['ticket_closed'],
  ticket_closed: ['ticket_reopened'],
  reopen_deadline: ['ticket_reopened'],
};

/**
 * A time trigger: the rule runs when its timer fires, at event time = due time. `after` + `since`:
 * a duration after an anchor event; `at: reopen_deadline`: when a closed ticket's reopen window ends.
 */
export const TimerTrigger = z.union([
  z
    .object({
      after: Duration,
      since: TimerAnchor,
      unless: z.array(TimerCancel).optional(),
      /** Count `after` in this calendar's business hours only (a name from `calendars`). */
      calendar: z.string().optional(),
    })
    .strict()
    .superRefine((t, ctx) => {
      const anchorAsCancel: string = t.since;
      if (t.unless?.includes(anchorAsCancel as TimerCancel) === true) {
        ctx.addIssue({
          code: 'custom',
          path: ['unless'],
          message: `\`unless\` cannot name the anchor ${t.since} itself (it restarts the timer)`,
        });
      }
    }),
  z.object({ at: z.literal('reopen_deadline'), unless: z.array(TimerCancel).optional() }).strict(),
]);
export type TimerTrigger = z.infer<typeof TimerTrigger>;

export const Once = z.enum(['per_event', 'per_reopen', 'per_ticket']);
export type Once = z.infer<typeof Once>;

export const Rule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lower-case letters, digits, dot, dash, underscore'),
    name: z.string().min(1).max(200),
    enabled: z.boolean().default(true),
    /** An event trigger, or a time trigger (docs/timers.md). */
    when: z.union([Trigger, TimerTrigger]),
    if: ConditionGroup.optional(),
    then: z.array(Action).min(1),
    stop: z.boolean().default(false),
    once: Once.default('per_event'),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;
export type RuleInput = z.input<typeof Rule>;
export type TimerRule = Rule & { when: TimerTrigger };

export const isTimerRule = (rule: Rule): rule is TimerRule => typeof rule.when !== 'string';

/** Every field a condition tree reads (`field` and `valueFrom`), with where it sits. */
function conditionFields(
  node: ConditionNode | undefined,
  path: (string | number)[],
): { path: (string | number)[]; field: string }[] {
  if (node === undefined) return [];
  if ('field' in node) {
    const found = [{ path: [...path, 'field'], field: node.field }];
    if (node.valueFrom !== undefined) found.push({ path: [...path, 'valueFrom'], field: node.valueFrom });
    return found;
  }
  return [
    ...(node.all ?? []).flatMap((n, i) => conditionFields(n, [...path, 'all', i])),
    ...(node.any ?? []).flatMap((n, i) => conditionFields(n, [...path, 'any', i])),
  ];
}

/** The response and resolution targets an SLA policy may set (docs/timers.md, SLA targets). */
export const SLA_METRICS = ['first_response', 'next_response', 'resolution'] as const;
export const SlaMetric = z.enum(SLA_METRICS);
export type SlaMetric = z.infer<typeof SlaMetric>;

const Share = z
  .string()
  .regex(/^(?:[1-9]\d?)%$/, 'a share of the target between 1% and 99%, such as 80%')
  .describe('A share of the target, 1% to 99%');

/**
 * An SLA policy: targets per channel and integration, counted in a calendar's business hours, with
 * a warning at a share of the target and a breach, each running actions as a rule's `then` does.
 */
export const SlaPolicy = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,59}$/, 'lower-case letters, digits, dash, underscore'),
    /** Which tickets it covers (at their creation): absent, any channel / any integration. */
    match: z
      .object({
        channel: z.array(Channel).min(1).optional(),
        integration: z.array(z.string().nullable()).min(1).optional(),
      })
      .strict()
      .default({}),
    /** Count targets in this calendar's open hours (a name from `calendars`); absent: round the clock. */
    calendar: z.string().optional(),
    targets: z
      .object({
        first_response: Duration.optional(),
        next_response: Duration.optional(),
        resolution: Duration.optional(),
      })
      .strict()
      .refine((t) => Object.keys(t).length > 0, 'an SLA policy needs at least one target'),
    warning: z
      .object({ at: Share, then: z.array(Action).min(1) })
      .strict()
      .optional(),
    breach: z.object({ then: z.array(Action).min(1) }).strict(),
  })
  .strict();
export type SlaPolicy = z.infer<typeof SlaPolicy>;

export const RulesFile = z
  .object({
    rules: z.array(Rule).superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.id))
          ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id ${rule.id}` });
        seen.add(rule.id);
        // A timer fires with no message: a condition on one could never hold, so it is refused here,
        // at start-up, rather than found never firing.
        if (isTimerRule(rule)) {
          for (const { path, field } of conditionFields(rule.if, ['if'])) {
            if (field.startsWith('message.')) {
              ctx.addIssue({
                code: 'custom',
                path: [i, ...path],
                message: `rule ${rule.id}: field ${field} does not exist when a timer fires (no message)`,
              });
            }
          }
        }
      });
    }),
    /** At most one auto-reply per customer in this window of event time. */
    autoReplyRateLimit: Duration.default('5m'),
    /** Replace non-GSM characters with GSM look-alikes in SMS auto-replies to save segments. */
    smsGsmLookalikes: z.boolean().default(false),
    /** Business-hours calendars by name, read by `calendar.<name>.open` conditions (docs/timers.md). */
    calendars: z
      .record(z.string().regex(/^[A-Za-z0-9_-]+$/, 'letters, digits, dash, underscore'), Calendar)
      .default({}),
    /** SLA policies, the first whose `match` covers a new ticket applies to it (docs/timers.md). */
    sla: z.array(SlaPolicy).default([]),
  })
  .strict()
  .superRefine((file, ctx) => {
    const names = new Set<string>();
    file.sla.forEach((policy, i) => {
      if (names.has(policy.name))
        ctx.addIssue({ code: 'custom', path: ['sla', i, 'name'], message: `duplicate SLA policy ${policy.name}` });
      names.add(policy.name);
      const calendar = policy.calendar === undefined ? undefined : file.calendars[policy.calendar];
      if (
        policy.calendar !== undefined &&
        (calendar === undefined || !Object.hasOwn(file.calendars, policy.calendar))
      ) {
        ctx.addIssue({
          code: 'custom',
          path: ['sla', i, 'calendar'],
          message: `SLA ${policy.name}: unknown calendar ${policy.calendar}`,
        });
      } else if (calendar !== undefined && !hasHours(calendar)) {
        ctx.addIssue({
          code: 'custom',
          path: ['sla', i, 'calendar'],
          message: `SLA ${policy.name}: calendar ${policy.calendar} has no opening hours`,
        });
      }
    });
    // The SLA's own rule ids (sla.<name>.<metric>.<stage>) are the rules' namespace too.
    file.rules.forEach((rule, i) => {
      if (rule.id.startsWith('sla.'))
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'id'],
          message: `rule ids starting with sla. are the SLA policies' own`,
        });
    });
    // A condition naming a calendar the file does not define is refused now, not when it is read.
    file.rules.forEach((rule, i) => {
      if (typeof rule.when !== 'string' && 'calendar' in rule.when && rule.when.calendar !== undefined) {
        const calendar = file.calendars[rule.when.calendar];
        if (calendar === undefined || !Object.hasOwn(file.calendars, rule.when.calendar)) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'when', 'calendar'],
            message: `rule ${rule.id}: unknown calendar ${rule.when.calendar}`,
          });
        } else if (!hasHours(calendar)) {
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, 'when', 'calendar'],
            message: `rule ${rule.id}: calendar ${rule.when.calendar} has no opening hours: the timer could never fall due`,
          });
        }
      }
      for (const { path, field } of conditionFields(rule.if, ['if'])) {
        const calendar = /^calendar\.(.+)\.open$/.exec(field)?.[1];
        if (calendar !== undefined && !Object.hasOwn(file.calendars, calendar)) {
          const known = Object.keys(file.calendars).join(', ');
          ctx.addIssue({
            code: 'custom',
            path: ['rules', i, ...path],
            message: `rule ${rule.id}: unknown calendar ${calendar} (calendars: ${known === '' ? 'none' : known})`,
          });
        }
      }
    });
  })
  .describe('Automation rules, run in file order');
export type RulesFile = z.infer<typeof RulesFile>;
export type RulesFileInput = z.input<typeof RulesFile>;
