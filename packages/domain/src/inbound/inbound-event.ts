import { z } from 'zod';
import { EventTime } from '../shared/time.js';
import { Channel } from './channel.js';
import { ERASED } from '../shared/erased.js';

// Limits that keep one event small enough for every store and broker; the HTTP layer adds body limits.
const Id = z.string().trim().min(1).max(256);
const TicketId = Id.describe('Ticket id');
const Tag = z.string().trim().min(1).max(100);
const Body = z.string().max(20_000);

export const Customer = z
  .object({
    id: Id,
    name: z.string().trim().min(1).max(200).optional(),
    phone: z.string().trim().min(3).max(32).optional(),
    email: z.email().max(320).optional(),
  })
  .describe('The customer; `id` equals the CloudEvent subject');
export type Customer = z.infer<typeof Customer>;

/**
 * The customer as recorded in events and ticket states: after an erasure each personal field reads
 * as `[erased]` (no longer an e-mail address, hence the union).
 */
export const RecordedCustomer = Customer.extend({
  email: z.union([z.email().max(320), z.literal(ERASED)]).optional(),
}).describe('The customer; `name`, `phone`, `email` read "[erased]" once the customer was erased');

export const Actor = z.object({
  type: z.enum(['agent', 'automation', 'system']),
  id: Id.optional(),
});

export const MessageReceivedData = z.object({
  channel: Channel,
  integration: Id.optional(),
  customer: Customer,
  message: z.object({ id: Id, body: Body }),
  ticketId: TicketId.optional(),
});

export const MessageSentData = z.object({
  ticketId: TicketId,
  message: z.object({ id: Id, body: Body }),
  author: z.object({ type: z.enum(['agent', 'automation']), id: Id.optional() }),
});

export const TicketCreatedData = z.object({
  ticketId: TicketId,
  channel: Channel,
  integration: Id.optional(),
  customer: Customer,
  subject: z.string().trim().min(1).max(500).optional(),
});

export const TicketClosedData = z.object({
  ticketId: TicketId,
  closedBy: Actor.optional(),
});

export const TicketTaggedData = z
  .object({
    ticketId: TicketId,
    add: z.array(Tag).max(50).optional(),
    remove: z.array(Tag).max(50).optional(),
  })
  .refine((d) => (d.add?.length ?? 0) + (d.remove?.length ?? 0) > 0, {
    message: 'ticket.tagged needs at least one tag in `add` or `remove`',
    path: ['add'],
  });

export const TicketAssignedData = z
  .object({
    ticketId: TicketId,
    team: z.string().trim().min(1).max(200).nullable().optional(),
    agent: Id.nullable().optional(),
  })
  .refine((d) => d.team !== undefined || d.agent !== undefined, {
    message: 'ticket.assigned needs `team` or `agent` (null to unassign)',
    path: ['team'],
  });

const envelope = {
  specversion: z.literal('1.0'),
  id: Id.describe('Unique per source; (source, id) deduplicates'),
  source: z.string().trim().min(1).max(1024).describe('URI-reference of the integration that produced the event'),
  time: EventTime,
  subject: Id.describe('Customer id (also the Kafka message key)'),
  datacontenttype: z.string().optional(),
  dataschema: z.string().optional(),
};

export const INBOUND_TYPES = [
  'message.received',
  'message.sent',
  'ticket.created',
  'ticket.closed',
  'ticket.tagged',
  'ticket.assigned',
] as const;

const withCustomerSubject = <T extends { subject: string; data: { customer: { id: string } } }>(
  event: T,
  ctx: z.RefinementCtx,
) => {
  if (event.data.customer.id !== event.subject) {
    ctx.addIssue({
      code: 'custom',
      path: ['data', 'customer', 'id'],
      message: `must equal the CloudEvent subject (${JSON.stringify(event.subject)})`,
    });
  }
};

export const MessageReceivedEvent = z
  .object({ ...envelope, type: z.literal('message.received'), data: MessageReceivedData })
  .superRefine(withCustomerSubject);
export const MessageSentEvent = z.object({ ...envelope, type: z.literal('message.sent'), data: MessageSentData });
export const TicketCreatedEvent = z
  .object({ ...envelope, type: z.literal('ticket.created'), data: TicketCreatedData })
  .superRefine(withCustomerSubject);
export const TicketClosedEvent = z.object({ ...envelope, type: z.literal('ticket.closed'), data: TicketClosedData });
export const TicketTaggedEvent = z.object({ ...envelope, type: z.literal('ticket.tagged'), data: TicketTaggedData });
export const TicketAssignedEvent = z.object({
  ...envelope,
  type: z.literal('ticket.assigned'),
  data: TicketAssignedData,
});

/** An inbound CloudEvent 1.0 (structured JSON) as published by a channel integration. */
export const InboundEvent = z
  .discriminatedUnion('type', [
    MessageReceivedEvent,
    MessageSentEvent,
    TicketCreatedEvent,
    TicketClosedEvent,
    TicketTaggedEvent,
    TicketAssignedEvent,
  ])
  .describe('Inbound CloudEvent 1.0 published by a channel integration');
export type InboundEvent = z.infer<typeof InboundEvent>;
export type InboundEventInput = z.input<typeof InboundEvent>;
export type InboundType = InboundEvent['type'];
export type InboundOf<T extends InboundType> = Extract<InboundEvent, { type: T }>;
