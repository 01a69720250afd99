import type { Channel } from '../inbound/channel.js';
import type { CustomerEvent } from './customer-events.js';

export interface CustomerState {
  readonly customerId: string;
  /** The ticket new messages on a channel go to (unless they name another). */
  readonly routes: Readonly<Partial<Record<Channel, string>>>;
  /** Opted out of SMS (and WhatsApp: same number) since this event time. */
  readonly optedOutAt: string | null;
  readonly lastAutoReplyAt: string | null;
  /** The next due time of each of the customer's tickets that has a pending timer. */
  readonly timers?: Readonly<Record<string, string>>;
}

export const initialCustomerState = (customerId: string): CustomerState => ({
  customerId,
  routes: {},
  optedOutAt: null,
  lastAutoReplyAt: null,
  timers: {},
});

export function evolveCustomer(state: CustomerState, event: CustomerEvent): CustomerState {
  switch (event.type) {
    case 'CustomerRouted':
      return { ...state, routes: { ...state.routes, [event.data.channel]: event.data.ticketId } };
    case 'CustomerOptedOut':
      return { ...state, optedOutAt: event.data.at };
    case 'CustomerOptedIn':
      return { ...state, optedOutAt: null };
    case 'AutoReplyRecorded':
      return { ...state, lastAutoReplyAt: event.data.at };
    case 'CustomerTimersChanged': {
      const { [event.data.ticketId]: _, ...others } = state.timers ?? {};
      return {
        ...state,
        timers: event.data.nextDueAt === null ? others : { ...others, [event.data.ticketId]: event.data.nextDueAt },
      };
    }
    case 'CustomerErased':
      // Erasure removes personal data, not the routing: the customer's next message finds their ticket.
      return state;
    default: {
      const unexpected: never = event;
      throw new Error(`unknown customer event ${JSON.stringify(unexpected)}`);
    }
  }
}

export const foldCustomer = (customerId: string, events: Iterable<CustomerEvent>): CustomerState => {
  let state = initialCustomerState(customerId);
  for (const event of events) state = evolveCustomer(state, event);
  return state;
};
