import { z } from 'zod';
import { UtcTime } from '../shared/time.js';

// The ticket's timers as its state shows them and its commands carry them (a leaf module: the
// command schema needs these, and the ticket event schema needs the command schema).

/** A pending timer as the ticket shows it (and as TimerSet records it). */
export const PendingTimer = z.object({
  timerId: z.string().describe('Derived from the rule and the event that set it'),
  ruleId: z.string(),
  /** What started the clock: an anchor (`agent_reply`, …) or `reopen_deadline`. */
  kind: z.string(),
  dueAt: UtcTime,
  /** The event time of what set it. */
  setAt: UtcTime,
  /** The domain event that set it. */
  setBy: z.string(),
  /** An SLA policy's timer (docs/timers.md): which policy, which target, warning or breach. */
  sla: z
    .object({
      name: z.string(),
      metric: z.enum(['first_response', 'next_response', 'resolution']),
      stage: z.enum(['warning', 'breach']),
    })
    .optional(),
});
export type PendingTimer = z.infer<typeof PendingTimer>;

/** Where one SLA target of the ticket stands (docs/timers.md, SLA targets). */
export const SlaStatus = z.object({
  name: z.string().describe('The SLA policy'),
  metric: z.enum(['first_response', 'next_response', 'resolution']),
  due: UtcTime.nullable().describe('When the target is breached; null while the clock is paused'),
  breached: z.boolean(),
  remainingMs: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .describe('Business time left while paused; null while running'),
});
export type SlaStatus = z.infer<typeof SlaStatus>;

/**
 * A pending timer as a command shows it: what a consumer acts on (which rule, when). Where it came
 * from (`setAt`, `setBy`, the SLA tag) stays in the ticket state and its timeline, so a command with
 * many pending timers stays small (every firing records its commands).
 */
export const CommandTimer = PendingTimer.pick({ timerId: true, ruleId: true, kind: true, dueAt: true });
export type CommandTimer = z.infer<typeof CommandTimer>;

/**
 * What a command says about its ticket as the decision that emitted it left it (Kafka contract
 * 1.3.0): its pending timers and its SLA targets as the ticket state shows them (empty: none).
 */
export const CommandTicket = z
  .object({
    timers: z.array(CommandTimer).describe('Pending timers, by due time then id'),
    sla: z.array(SlaStatus).describe('SLA targets running, paused or breached'),
  })
  .describe("The ticket's pending timers and SLA targets once the decision that emitted the command is made");
export type CommandTicket = z.infer<typeof CommandTicket>;

/** The command's view of a ticket's timers and SLA targets. */
export function commandTicket(
  timers: readonly PendingTimer[] | undefined,
  sla: readonly SlaStatus[] | undefined,
): CommandTicket {
  return {
    timers: (timers ?? []).map(({ timerId, ruleId, kind, dueAt }) => ({ timerId, ruleId, kind, dueAt })),
    sla: [...(sla ?? [])],
  };
}
