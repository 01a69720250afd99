import type { TicketState } from '@tickets/domain';

/**
 * A row stored before a state field existed, read as today's state: a ticket stored before timers
 * existed had none pending (nothing could set one), so its `timers` is the empty list a rebuild gives.
 * The field stays where the fold puts it (before `version`), so the row reads like a rebuilt one.
 */
export function upgradeState(state: TicketState): TicketState {
  if ((state as Partial<TicketState>).timers !== undefined) return state;
  const { version, ...rest } = state;
  return { ...rest, timers: [], version };
}
