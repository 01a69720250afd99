import { z } from 'zod';
import { UtcTime } from '../shared/time.js';
import { Channel } from '../inbound/channel.js';
import { RecordedCustomer } from '../inbound/inbound-event.js';
import { ReopenWindow } from './reopen-policy.js';
import { PendingTimer, SlaStatus } from './ticket-timers.js';

/** How often a rule fired on this ticket, and at which reopen count last: what `once` needs. */
export const RuleFirings = z.record(
  z.string(),
  z.object({ count: z.number().int(), lastReopenCount: z.number().int() }),
);

export { SlaStatus } from './ticket-timers.js';

/** The ticket read model: a pure fold of the ticket's events (binding field names). */
export const TicketState = z
  .object({
    ticketId: z.string(),
    status: z.enum(['open', 'closed']),
    channel: Channel,
    integration: z.string().nullable(),
    customer: RecordedCustomer,
    subject: z.string().describe('"[erased]" once the customer was erased (it may contain their name)'),
    tags: z.array(z.string()).describe('Sorted'),
    team: z.string().nullable(),
    agent: z.string().nullable(),
    createdAt: UtcTime,
    closedAt: UtcTime.nullable(),
    reopenDeadline: UtcTime.nullable().describe('closedAt + the reopen window fixed at close'),
    reopenWindow: ReopenWindow.nullable(),
    reopenCount: z.number().int().nonnegative(),
    followUpOf: z.string().nullable(),
    messageCount: z.number().int().nonnegative(),
    lastMessageAt: UtcTime.nullable(),
    ruleFirings: RuleFirings,
    // Optional in the contract (added in HTTP 1.2.0 / Kafka 1.1.0, and absent from states stored before
    // timers existed); every state folded today has it.
    timers: z
      .array(PendingTimer)
      .optional()
      .describe('Pending timers, by due time then id (docs/timers.md); absent: none'),
    // Optional like `timers`: absent from states stored before SLA policies existed.
    sla: z
      .array(SlaStatus)
      .optional()
      .describe('SLA targets running, paused or breached (docs/timers.md); absent: none'),
    /** Number of events in the ticket's stream folded into this state. */
    version: z.number().int().nonnegative(),
  })
  .describe('Ticket state (projection)');
export type TicketState = z.infer<typeof TicketState>;
