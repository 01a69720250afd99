import { toMillis } from '../shared/time.js';
import type { CustomerEvent } from './customer-events.js';
import { evolveCustomer, initialCustomerState, type CustomerState } from './customer-state.js';

/** The events whose time matters to a decision made as of an earlier time: consent and auto-replies. */
type TimedEvent = Extract<CustomerEvent, { type: 'CustomerOptedOut' | 'CustomerOptedIn' | 'AutoReplyRecorded' }>;
const isTimed = (event: CustomerEvent): event is TimedEvent =>
  event.type === 'CustomerOptedOut' || event.type === 'CustomerOptedIn' || event.type === 'AutoReplyRecorded';

/**
 * A customer's stream as a decision needs it: the folded state, and the consent and auto-reply events
 * themselves, because rules read the customer as of the trigger's event time (a late delivery must not
 * see an opt-out or an auto-reply recorded with a later time). Routing events are folded into `state`
 * only: nothing is decided on where a customer was routed in the past. Immutable: callers keep the
 * one they read until their append commits.
 */
export interface CustomerHistory {
  readonly state: CustomerState;
  readonly timed: readonly TimedEvent[];
  /** The latest event time among `timed`: a decision at or after it reads `state` as it is. */
  readonly latestMs: number;
}

export const emptyCustomerHistory = (customerId: string): CustomerHistory => ({
  state: initialCustomerState(customerId),
  timed: [],
  latestMs: Number.NEGATIVE_INFINITY,
});

/** The history with more events of the same customer, in stream order. */
export function extendCustomerHistory(history: CustomerHistory, events: readonly CustomerEvent[]): CustomerHistory {
  if (events.length === 0) return history;
  let { state, latestMs } = history;
  const timed = events.filter(isTimed);
  for (const event of events) state = evolveCustomer(state, event);
  for (const event of timed) latestMs = Math.max(latestMs, toMillis(event.data.at));
  return { state, timed: timed.length === 0 ? history.timed : [...history.timed, ...timed], latestMs };
}

/**
 * The customer as a rule decision at event time `at` sees them: consent and last auto-reply as of
 * `at` (events recorded with a later time, from late deliveries or decisions made since, do not count
 * yet — as `customerAsOf` folds them), the routes as they are now.
 */
export function customerAt(history: CustomerHistory, at: string): CustomerState {
  if (history.latestMs <= toMillis(at)) return history.state;
  const limit = toMillis(at);
  let state: CustomerState = {
    ...initialCustomerState(history.state.customerId),
    routes: history.state.routes,
    timers: history.state.timers,
  };
  for (const event of history.timed) if (toMillis(event.data.at) <= limit) state = evolveCustomer(state, event);
  return state;
}
