import { toMillis } from '../shared/time.js';
import type { CustomerEvent } from './customer-events.js';
import { evolveCustomer, initialCustomerState, type CustomerState } from './customer-state.js';

/**
 * The customer as of an event time: consent changes and auto-replies recorded with a later event time
 * (late deliveries, decisions made since) do not count yet. What a rule decision reads, in the
 * rule-reactor and in what-if alike.
 */
export function customerAsOf(customerId: string, events: Iterable<CustomerEvent>, at: string): CustomerState {
  const limit = toMillis(at);
  let state = initialCustomerState(customerId);
  for (const event of events) {
    if (toMillis(event.data.at) <= limit) state = evolveCustomer(state, event);
  }
  return state;
}
