import { z } from 'zod';
import { Duration } from '../shared/duration.js';

export const TRIGGERS = ['ticket.created', 'message.received', 'ticket.reopened', 'ticket.closed', 'ticket.updated'] as const;
export const Trigger = z.enum(TRIGGERS);
export type Trigger = z.infer<typeof Trigger>;

export const OPERATORS = ['eq', 'neq', 'in', 'contains', 'not_contains', 'matches', 'exists', 'not_exists', 'gt', 'lt'] as const;
export const Operator = z.enum(OPERATORS, {
  // Zod's own message lists the options but never says what was written, nor that it was missing.
  error: (issue) =>
    issue.input === undefined
      ? `a condition needs \`op\`: one of ${OPERATORS.join(', ')}`
      : `unknown operator ${JSON.stringify(issue.input)} in \`op\`: use one of ${OPERATORS.join(', ')}`,
});
export type Operator = z.infer<typeof Operator>;

/** Fields a condition may read: the ticket before and after the event, the customer and the message. */
export const FIELD_PATTERN =
  /^(previous|ticket)\.(status|channel|integration|tags|subject|team|followUpOf|reopenCount|messageCount|customer\.(id|name|phone|email))$|^customer\.(id|name|phone|email)$|^message\.(body|intent|channel)$/;
export const Field = z.string({ error: (issue) => (issue.input === undefined ? 'a condition needs `field`: the value it tests, e.g. ticket.channel' : undefined) }).regex(FIELD_PATTERN, {
  message:
    'unknown field: use previous.<f> or ticket.<f> (status, channel, integration, tags, subject, team, followUpOf, reopenCount, messageCount), customer.<id|name|phone|email>, message.<body|intent|channel>',
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

export const Once = z.enum(['per_event', 'per_reopen', 'per_ticket']);
export type Once = z.infer<typeof Once>;

export const Rule = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,99}$/, 'lower-case letters, digits, dot, dash, underscore'),
    name: z.string().min(1).max(200),
    enabled: z.boolean().default(true),
    when: Trigger,
    if: ConditionGroup.optional(),
    then: z.array(Action).min(1),
    stop: z.boolean().default(false),
    once: Once.default('per_event'),
  })
  .strict();
export type Rule = z.infer<typeof Rule>;
export type RuleInput = z.input<typeof Rule>;

export const RulesFile = z
  .object({
    rules: z.array(Rule).superRefine((rules, ctx) => {
      const seen = new Set<string>();
      rules.forEach((rule, i) => {
        if (seen.has(rule.id)) ctx.addIssue({ code: 'custom', path: [i, 'id'], message: `duplicate rule id ${rule.id}` });
        seen.add(rule.id);
      });
    }),
    /** At most one auto-reply per customer in this window of event time. */
    autoReplyRateLimit: Duration.default('5m'),
    /** Replace non-GSM characters with GSM look-alikes in SMS auto-replies to save segments. */
    smsGsmLookalikes: z.boolean().default(false),
  })
  .strict()
  .describe('Automation rules, run in file order');
export type RulesFile = z.infer<typeof RulesFile>;
export type RulesFileInput = z.input<typeof RulesFile>;
