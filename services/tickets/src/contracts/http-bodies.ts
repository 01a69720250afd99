import { z } from 'zod';
import {
  ChangeAuthor,
  Channel,
  ReopenWindow,
  RoutingKind,
  TicketEvent,
  TicketState,
  type CustomerState,
} from '@tickets/domain';
import type { IngestResult, RejectionReason } from '@tickets/ingest';
import type { ReadinessReport } from '@tickets/platform';
import type { CustomerTimeline, ErasureResult, TicketTimeline, TimelinePage } from '@tickets/streams';

// The bodies the HTTP API answers with, as zod schemas for the OpenAPI document. The routes build
// these values with the TypeScript types named beside each schema; the checks at the end of this
// file make the compiler refuse any difference between a schema and its type, so the document
// cannot describe a field the code does not send, or miss one it does.

const UtcTime = z.iso.datetime().describe('RFC 3339 UTC date-time');

export const ApiError = z
  .object({
    code: z
      .string()
      .describe(
        'Stable, namespaced code (`REQUEST.INVALID_EVENTS`, `AUTH.INVALID_SIGNATURE`, …): branch on this, not on the message',
      ),
    message: z.string().describe('For people; may change between versions'),
  })
  .describe('What went wrong');

export const ErrorBody = z.object({ error: ApiError }).describe('The one error shape of every route');

export const RejectionReasonBody = z
  .object({
    path: z.string().describe('The field at fault (`data.message.body`, `(event)` for the whole event)'),
    message: z.string(),
    code: z
      .string()
      .describe('zod issue code (`invalid_type`, `too_big`, …) or `too_deep`, `invalid_unicode`, `unknown_ticket`, …'),
  })
  .describe('One reason an event was refused');

export const InvalidEvent = z.object({
  index: z.number().int().nonnegative().describe('Position of the event in the request (0 for a single event)'),
  id: z.string().optional().describe('The event id, when it could be read'),
  reasons: z.array(RejectionReasonBody),
});

export const InvalidEventsBody = z
  .object({ error: ApiError, invalid: z.array(InvalidEvent) })
  .describe('The request was refused whole: nothing of it was stored');

const AcceptedResult = z.object({
  status: z.literal('accepted'),
  id: z.string(),
  source: z.string(),
  ticketId: z.string().describe('The ticket the event went to'),
  routing: RoutingKind.nullable().describe('For `message.received`: how it was routed; null for other types'),
});
const DuplicateResult = z
  .object({ status: z.literal('duplicate'), id: z.string(), source: z.string() })
  .describe('(source, id) was already stored: nothing changed');
const RejectedResult = z.object({
  status: z.literal('rejected'),
  id: z.string().optional(),
  reasons: z.array(RejectionReasonBody),
});

export const IngestResultBody = z
  .discriminatedUnion('status', [AcceptedResult, DuplicateResult, RejectedResult])
  .describe('What became of one event');

export const IngestResponse = z.object({
  results: z.array(IngestResultBody).describe('One per event, in request order'),
});

export const IngestRejectedBody = z
  .object({ error: ApiError, results: z.array(IngestResultBody) })
  .describe('A single event that was valid but rejected by the decision (e.g. an unknown ticket)');

export const TicketList = z.object({ tickets: z.array(TicketState).describe('Oldest first') });

const FieldChange = z.object({ field: z.string(), before: z.unknown(), after: z.unknown() });

const TicketEventData = z
  .union(TicketEvent.options.map((option) => option.shape.data))
  .describe('The recorded event, as `type` says');

export const TimelineEntry = z.object({
  position: z.number().int().nonnegative().describe('Global position in the store'),
  version: z.number().int().nonnegative().describe('Position in the ticket stream'),
  eventId: z.string(),
  type: z.enum(TicketEvent.options.map((option) => option.shape.type.value)),
  time: UtcTime.describe('Event time'),
  correlationId: z.string().nullable(),
  causationId: z.string().nullable(),
  source: z.string().nullable(),
  config: z
    .string()
    .nullable()
    .describe(
      'Hash of the configuration (rules, reopen policy) that made the decision; null before configurations were recorded',
    ),
  event: TicketEventData,
  changes: z.array(FieldChange).describe('What the event changed in the ticket state (version aside)'),
  state: TicketState.nullable(),
});

const TimelinePageLinks = z.object({
  previous: z.string().nullable().describe('The previous page (same `at` and `limit`), null on the first'),
  next: z.string().nullable().describe('The next page, null on the last'),
});

export const TicketTimelineBody = z.object({
  ticketId: z.string(),
  at: UtcTime.nullable().describe('The `at` bound, when one was given'),
  entries: z.array(TimelineEntry).describe("The page's events"),
  state: TicketState.nullable().describe('The ticket state at `at` (or now), whatever the page'),
  page: z
    .object({
      from: z.number().int().nonnegative().describe("The first event's index (0-based: its version)"),
      limit: z.number().int().positive(),
      total: z.number().int().nonnegative().describe('Events in the whole timeline (up to `at`)'),
      links: TimelinePageLinks,
    })
    .optional()
    .describe('Which page this is; the HTTP API always sends it'),
});

const RoutingDecision = z.object({
  time: UtcTime,
  version: z.number().int().nonnegative(),
  position: z.number().int().nonnegative(),
  correlationId: z.string().nullable(),
  config: z
    .string()
    .nullable()
    .describe('Hash of the configuration the routing was decided under; null before configurations were recorded'),
  messageId: z.string(),
  intent: z.string(),
  kind: RoutingKind,
  reason: z.string(),
  previousTicketId: z.string().nullable(),
  closedAt: UtcTime.nullable(),
  reopenDeadline: UtcTime.nullable(),
  window: ReopenWindow.nullable(),
  unknownRequestedTicketId: z.string().nullable(),
});

const TicketClose = z.object({
  time: UtcTime,
  version: z.number().int().nonnegative(),
  position: z.number().int().nonnegative(),
  closedBy: ChangeAuthor,
  window: ReopenWindow,
  reopenDeadline: UtcTime,
});

const CustomerTicket = z.object({
  ticketId: z.string(),
  channel: Channel,
  integration: z.string().nullable(),
  subject: z.string(),
  createdAt: UtcTime,
  origin: z.enum(['customer', 'agent']),
  followUpOf: z.string().nullable(),
  routing: z.array(RoutingDecision),
  closes: z.array(TicketClose),
  status: z.enum(['open', 'closed']),
  reopenCount: z.number().int().nonnegative(),
  reopenDeadline: UtcTime.nullable(),
  tags: z.array(z.string()),
});

const CustomerStateBody = z.object({
  customerId: z.string(),
  routes: z.partialRecord(Channel, z.string()).describe('The ticket new messages on each channel go to'),
  optedOutAt: UtcTime.nullable(),
  lastAutoReplyAt: UtcTime.nullable(),
  timers: z
    .record(z.string(), UtcTime)
    .optional()
    .describe(
      "The next due time of each of the customer's tickets with a pending timer (docs/timers.md); absent: none",
    ),
});

export const CustomerTimelineBody = z.object({
  customerId: z.string(),
  at: UtcTime.nullable(),
  tickets: z.array(CustomerTicket).describe('Oldest first'),
  customer: CustomerStateBody.describe('Consent and the last auto-reply, as of `at`'),
});

export const ErasureResultBody = z.object({
  customerId: z.string(),
  erasedAt: UtcTime,
  keysDeleted: z.number().int().nonnegative(),
  eventId: z.string().describe('The `CustomerErased` event recorded on the customer stream'),
});

export const ErasureInvalidBody = z.object({
  error: ApiError.extend({ reasons: z.array(z.object({ path: z.string(), message: z.string() })) }),
});

export const HealthBody = z.object({ status: z.literal('ok') });

export const ReadinessBody = z.object({
  status: z.enum(['ready', 'not_ready']),
  checks: z.array(
    z.object({ name: z.string(), ok: z.boolean(), reason: z.string().optional().describe('Why the check failed') }),
  ),
});

// Compile-time equality of each schema with the type its route sends (readonly aside).
type Writable<T> = T extends readonly (infer U)[]
  ? Writable<U>[]
  : T extends object
    ? { -readonly [K in keyof T]: Writable<T[K]> }
    : T;
type Same<A, B> = [Writable<A>] extends [Writable<B>] ? ([Writable<B>] extends [Writable<A>] ? true : false) : false;
const same = <A, B>(proof: Same<A, B>): Same<A, B> => proof;
export const TYPE_CHECKS = [
  same<z.infer<typeof IngestResultBody>, IngestResult>(true),
  same<z.infer<typeof RejectionReasonBody>, RejectionReason>(true),
  // The route adds the links to the neighbouring pages to the timeline's page.
  same<
    z.infer<typeof TicketTimelineBody>,
    Omit<TicketTimeline, 'page'> & { page?: TimelinePage & { links: { previous: string | null; next: string | null } } }
  >(true),
  same<z.infer<typeof CustomerTimelineBody>, CustomerTimeline>(true),
  same<z.infer<typeof CustomerStateBody>, CustomerState>(true),
  same<z.infer<typeof ErasureResultBody>, ErasureResult>(true),
  same<Omit<z.infer<typeof ReadinessBody>, 'status'>, Omit<ReadinessReport, 'ready'>>(true),
] as const;
