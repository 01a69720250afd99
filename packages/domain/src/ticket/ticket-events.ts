import { z } from 'zod';
import { UtcTime } from '../shared/time.js';
import { Channel } from '../inbound/channel.js';
import { RecordedCustomer } from '../inbound/inbound-event.js';
import { ReopenWindow } from './reopen-policy.js';
import { RuleEvaluation } from '../rules/rule-evaluation.js';
import { Command } from '../commands/command.js';
import { PendingTimer } from './ticket-timers.js';

// Events on a ticket stream (`ticket-<id>`). Past tense; the `type` string equals the name.

/** Who made a change: agents and integrations through inbound events, or one of our rules. */
export const ChangeAuthor = z.object({
  type: z.enum(['agent', 'automation', 'system', 'rule']),
  id: z.string().optional(),
});
export type ChangeAuthor = z.infer<typeof ChangeAuthor>;

export const RoutingKind = z.enum(['new_ticket', 'open_ticket', 'reopen', 'follow_up']);
export type RoutingKind = z.infer<typeof RoutingKind>;

/** Why a customer message landed on its ticket: recorded so replays read it instead of recomputing. */
export const Routing = z.object({
  kind: RoutingKind,
  reason: z.string(),
  /** A `ticketId` the message named. */
  requestedTicketId: z.string().optional(),
  /** True when the named ticket is unknown (or another customer's): the message was routed by channel + customer. */
  requestedTicketUnknown: z.boolean().optional(),
  /** For reopen and follow_up: the closed ticket and its window. */
  previousTicketId: z.string().optional(),
  closedAt: UtcTime.optional(),
  reopenDeadline: UtcTime.optional(),
  window: ReopenWindow.optional(),
});
export type Routing = z.infer<typeof Routing>;

const ticketRef = { ticketId: z.string(), at: UtcTime };

export const TicketCreated = z.object({
  type: z.literal('TicketCreated'),
  data: z.object({
    ...ticketRef,
    channel: Channel,
    integration: z.string().nullable(),
    customer: RecordedCustomer,
    subject: z.string(),
    origin: z.enum(['customer', 'agent']),
    followUpOf: z.string().nullable(),
  }),
});

export const MessageReceived = z.object({
  type: z.literal('MessageReceived'),
  data: z.object({
    ...ticketRef,
    messageId: z.string(),
    body: z.string(),
    intent: z.enum(['gratitude', 'opt_out', 'opt_in', 'other']),
    customer: RecordedCustomer,
    routing: Routing,
  }),
});

export const MessageSent = z.object({
  type: z.literal('MessageSent'),
  data: z.object({
    ...ticketRef,
    messageId: z.string(),
    body: z.string(),
    author: z.object({ type: z.enum(['agent', 'automation']), id: z.string().optional() }),
  }),
});

export const TicketReopened = z.object({
  type: z.literal('TicketReopened'),
  data: z.object({ ...ticketRef, closedAt: UtcTime, reopenDeadline: UtcTime, window: ReopenWindow }),
});

export const TicketClosed = z.object({
  type: z.literal('TicketClosed'),
  data: z.object({ ...ticketRef, closedBy: ChangeAuthor, window: ReopenWindow, reopenDeadline: UtcTime }),
});

export const TagsChanged = z.object({
  type: z.literal('TagsChanged'),
  data: z.object({ ...ticketRef, added: z.array(z.string()), removed: z.array(z.string()), by: ChangeAuthor }),
});

export const TicketAssigned = z.object({
  type: z.literal('TicketAssigned'),
  data: z.object({
    ...ticketRef,
    team: z.string().nullable().optional(),
    agent: z.string().nullable().optional(),
    by: ChangeAuthor,
  }),
});

/** The rule-reactor's record for one trigger: every rule considered, what fired, what was suppressed. */
export const RulesEvaluated = z.object({
  type: z.literal('RulesEvaluated'),
  data: z.object({
    ...ticketRef,
    trigger: z.object({ type: z.string(), eventId: z.string(), version: z.number().int() }),
    /** The reopen cycle the trigger belongs to (what `once: per_reopen` counts against). */
    reopenCount: z.number().int().nonnegative(),
    evaluations: z.array(RuleEvaluation),
    commands: z.array(Command),
  }),
});

// Defined beside SlaStatus in a leaf module: commands carry both, and ticket-events imports commands.
export { PendingTimer } from './ticket-timers.js';

/** A decision started a timer (its due time from the event time of what set it, never the clock). */
export const TimerSet = z.object({
  type: z.literal('TimerSet'),
  data: z.object({ ...ticketRef, ...PendingTimer.shape }),
});

/** A pending timer will not fire: what it waited for happened, or the same anchor restarted it. */
export const TimerCancelled = z.object({
  type: z.literal('TimerCancelled'),
  data: z.object({
    ...ticketRef,
    timerId: z.string(),
    ruleId: z.string(),
    reason: z.string().describe('The happening that cancelled it (`customer_message`, …) or `restarted`'),
    causedBy: z.string().describe('The domain event that cancelled it'),
    /** An SLA clock paused (`reason: paused`): the business time it had left, in milliseconds. */
    remainingMs: z.number().int().nonnegative().optional(),
  }),
});

/**
 * A timer fired: a decision at event time `at` = its due time, made before any later event of the
 * ticket's customer. Its rule's decision (RulesEvaluated) follows it.
 */
export const TimerFired = z.object({
  type: z.literal('TimerFired'),
  data: z.object({
    ...ticketRef,
    timerId: z.string(),
    ruleId: z.string(),
    kind: z.string(),
    dueAt: UtcTime,
    setAt: UtcTime,
  }),
});

export const TicketEvent = z.discriminatedUnion('type', [
  TicketCreated,
  MessageReceived,
  MessageSent,
  TicketReopened,
  TicketClosed,
  TagsChanged,
  TicketAssigned,
  RulesEvaluated,
  TimerSet,
  TimerCancelled,
  TimerFired,
]);
export type TicketEvent = z.infer<typeof TicketEvent>;
export type TicketEventType = TicketEvent['type'];
export type TicketEventOf<T extends TicketEventType> = Extract<TicketEvent, { type: T }>;
export const TICKET_EVENT_TYPES = TicketEvent.options.map((o) => o.shape.type.value);

export { ticketStream } from './ticket-stream.js';
export const TICKET_STREAM_PREFIX = 'ticket-';
