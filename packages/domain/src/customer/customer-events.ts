import { z } from 'zod';
import { UtcTime } from '../shared/time.js';
import { Channel } from '../inbound/channel.js';

// Events on a customer stream (`customer-<id>`): the consistency boundary for routing a customer's
// messages to one ticket per channel, and the customer's SMS consent and auto-reply history.

const customerRef = { customerId: z.string(), at: UtcTime };

/** The customer's current ticket on a channel changed (first contact, follow-up, agent-created). */
export const CustomerRouted = z.object({
  type: z.literal('CustomerRouted'),
  data: z.object({ ...customerRef, channel: Channel, ticketId: z.string() }),
});

export const CustomerOptedOut = z.object({
  type: z.literal('CustomerOptedOut'),
  data: z.object({ ...customerRef, channel: Channel, ticketId: z.string(), messageId: z.string() }),
});

export const CustomerOptedIn = z.object({
  type: z.literal('CustomerOptedIn'),
  data: z.object({ ...customerRef, channel: Channel, ticketId: z.string(), messageId: z.string() }),
});

/** An auto-reply went out to the customer: what the rate limit counts. */
export const AutoReplyRecorded = z.object({
  type: z.literal('AutoReplyRecorded'),
  data: z.object({ ...customerRef, channel: Channel, ticketId: z.string(), commandId: z.string() }),
});

/**
 * The earliest pending timer of one of the customer's tickets changed (null: it has none left): the
 * customer's due-time index, so a decision for any of their tickets fires every due timer of all of
 * them first (SPEC invariant 7), loading only the tickets that have one due.
 */
export const CustomerTimersChanged = z.object({
  type: z.literal('CustomerTimersChanged'),
  data: z.object({ ...customerRef, ticketId: z.string(), nextDueAt: UtcTime.nullable() }),
});

/**
 * The customer's personal data was erased (crypto-shredding): their keys are deleted, every value
 * sealed with them reads as `[erased]`. Routing by customer id goes on: ids are pseudonymous.
 */
export const CustomerErased = z.object({
  type: z.literal('CustomerErased'),
  data: z.object({ ...customerRef, requestedBy: z.string(), keysDeleted: z.number().int().nonnegative() }),
});

export const CustomerEvent = z.discriminatedUnion('type', [
  CustomerRouted,
  CustomerOptedOut,
  CustomerOptedIn,
  AutoReplyRecorded,
  CustomerErased,
  CustomerTimersChanged,
]);
export type CustomerEvent = z.infer<typeof CustomerEvent>;
export const CUSTOMER_EVENT_TYPES = CustomerEvent.options.map((o) => o.shape.type.value);

export const customerStream = (customerId: string): string => `customer-${customerId}`;
export const CUSTOMER_STREAM_PREFIX = 'customer-';
