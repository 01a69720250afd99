import { toMillis } from '../shared/time.js';
import { customerAsOf } from './customer-as-of.js';
import type { CustomerEvent } from './customer-events.js';
import { evolveCustomer, initialCustomerState, type CustomerState } from './customer-state.js';

/**
 * A customer's stream as a decision needs it: the folded state, and the events themselves, because
 * rules read the customer as of the trigger's event time (a late delivery must not see an opt-out or
 * an auto-reply recorded with a later time). Immutable: callers keep the one they read until their
 * append commits.
 */
export interface CustomerHistory {
  readonly state: CustomerState;
  readonly events: readonly CustomerEvent[];
  /** The latest event time among `events`: a trigger at or after it reads `state` as it is. */
  readonly latestMs: number;
}

export const emptyCustomerHistory = (customerId: string): CustomerHistory => ({
  state: initialCustomerState(customerId),
  events: [],
  latestMs: Number.NEGATIVE_INFINITY,
});

/** The history with more events of the same customer, in stream order. */
export function extendCustomerHistory(history: CustomerHistory, events: readonly CustomerEvent[]): CustomerHistory {
  if (events.length === 0) return history;
  let { state, latestMs } = history;
  for (const event of events) {
    state = evolveCustomer(state, event);
    latestMs = Math.max(latestMs, toMillis(event.data.at));
  }
  return { state, events: [...history.events, ...events], latestMs };
}

/** The customer as of an event time (see `customerAsOf`), without a fold when nothing is later. */
export const customerAt = (history: CustomerHistory, at: string): CustomerState =>
  history.latestMs <= toMillis(at) ? history.state : customerAsOf(history.state.customerId, history.events, at);
