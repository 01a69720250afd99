import { z } from 'zod';

/** One condition's outcome, kept so an engineer can see why a rule did or did not fire. */
export const ConditionOutcome = z.object({
  /** Where the condition sits in the `if` tree, e.g. `all[1]` or `any[0].all[2]`. */
  path: z.string(),
  field: z.string(),
  op: z.string(),
  /** The literal compared with, or the value read from `valueFrom`. */
  expected: z.unknown().optional(),
  valueFrom: z.string().optional(),
  actual: z.unknown().optional(),
  passed: z.boolean(),
});
export type ConditionOutcome = z.infer<typeof ConditionOutcome>;

export const SuppressionReason = z.enum(['rate_limited', 'opted_out', 'no_recipient', 'no_change']);
export type SuppressionReason = z.infer<typeof SuppressionReason>;

export const ActionOutcome = z.object({
  index: z.number().int().nonnegative(),
  type: z.string(),
  status: z.enum(['emitted', 'suppressed']),
  commandId: z.string().optional(),
  reason: SuppressionReason.optional(),
  detail: z.string().optional(),
});
export type ActionOutcome = z.infer<typeof ActionOutcome>;

export const RuleOutcome = z.enum([
  'fired',
  'not_matched',
  'disabled',
  /** `once` already satisfied (per_reopen / per_ticket). */
  'skipped_once',
  /** An earlier rule with `stop` fired for this trigger. */
  'skipped_stop',
]);
export type RuleOutcome = z.infer<typeof RuleOutcome>;

export const RuleEvaluation = z.object({
  ruleId: z.string(),
  outcome: RuleOutcome,
  conditions: z.array(ConditionOutcome),
  actions: z.array(ActionOutcome),
  /** The rule that stopped evaluation, for `skipped_stop`. */
  stoppedBy: z.string().optional(),
});
export type RuleEvaluation = z.infer<typeof RuleEvaluation>;
