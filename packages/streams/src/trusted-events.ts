import type { CustomerEvent, TicketEvent } from '@tickets/domain';
import type { RecordedEvent } from '@tickets/event-store';

// Events in the store were validated before they were appended: they are trusted on the way out,
// which keeps reads at the store's speed instead of re-running zod on every event.
export const asTicketEvent = (recorded: RecordedEvent): TicketEvent => recorded as unknown as TicketEvent;
export const asCustomerEvent = (recorded: RecordedEvent): CustomerEvent => recorded as unknown as CustomerEvent;
