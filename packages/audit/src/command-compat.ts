import type { Command } from '@tickets/domain';

// Commands recorded before Kafka contract 1.3.0 carry no `data.ticket` (the ticket's pending timers
// and SLA targets); the same decision made again today adds it. That difference is the contract
// growing, not another decision: comparisons leave the field out where the record never had it.

const hasTicket = (command: unknown): boolean =>
  typeof command === 'object' &&
  command !== null &&
  typeof (command as { data?: unknown }).data === 'object' &&
  (command as { data: object | null }).data !== null &&
  'ticket' in (command as { data: object }).data;

/** `redecided` as it would have been recorded when `recorded` was: without `data.ticket` if it had none. */
export function asRecordedThen<C extends Command>(recorded: unknown, redecided: C): C {
  return hasTicket(recorded) ? redecided : withoutTicket(redecided);
}

/**
 * The command's action alone, without the ticket's timers and SLA targets it reports: what what-if
 * compares. Those follow from the decision, so another duration would otherwise show every command
 * of the ticket as changed (the nudge "changed" because the close it lists pending moved a day).
 */
export function withoutTicket<C extends Command>(command: C): C {
  if (!('ticket' in command.data)) return command;
  const { ticket: _reported, ...data } = command.data;
  return { ...command, data } as C;
}

/** A re-decided RulesEvaluated's data, its commands as they would have been recorded then. */
export function rulesEvaluatedAsRecordedThen(recorded: unknown, redecided: unknown): unknown {
  const was = (recorded as { commands?: unknown } | null)?.commands;
  const now = (redecided as { commands?: unknown } | null)?.commands;
  if (!Array.isArray(was) || !Array.isArray(now)) return redecided;
  return {
    ...(redecided as object),
    commands: now.map((command: Command, i) => asRecordedThen(was[i], command)),
  };
}
