import { z } from 'zod';
import { Duration, parseDuration } from '../shared/duration.js';
import { Channel } from '../inbound/channel.js';
import { fromMillis, toMillis } from '../shared/time.js';
import type { TicketState } from './ticket-state.js';

/** Reopen windows: by integration, then by channel, then the default. */
// Stryker disable StringLiteral: the JSON Schema's description text below, read by people only
export const ReopenPolicy = z
  .object({
    default: Duration,
    channels: z.partialRecord(Channel, Duration).optional(),
    integrations: z.record(z.string().min(1), Duration).optional(),
  })
  .strict()
  .describe('Reopen windows: looked up by integration, then channel, then default');
// Stryker restore StringLiteral
export type ReopenPolicy = z.infer<typeof ReopenPolicy>;

/** The shipped defaults (Postscript's 24 h comes from the seed guide). */
export const DEFAULT_REOPEN_POLICY: ReopenPolicy = {
  default: '7d',
  channels: { chat: '3d' },
  integrations: { postscript: '24h' },
};

/** The window that applied to one ticket, recorded in its close event so replays never recompute it. */
export const ReopenWindow = z.object({
  duration: z.string(),
  ms: z.number().int().positive(),
  source: z.enum(['integration', 'channel', 'default']),
  key: z.string().nullable(),
});
export type ReopenWindow = z.infer<typeof ReopenWindow>;

export function reopenWindowFor(
  policy: ReopenPolicy,
  ticket: { channel: Channel; integration: string | null },
): ReopenWindow {
  const byIntegration = ticket.integration === null ? undefined : policy.integrations?.[ticket.integration];
  if (byIntegration !== undefined) return window(byIntegration, 'integration', ticket.integration);
  const byChannel = policy.channels?.[ticket.channel];
  if (byChannel !== undefined) return window(byChannel, 'channel', ticket.channel);
  return window(policy.default, 'default', null);
}

function window(duration: string, source: ReopenWindow['source'], key: string | null): ReopenWindow {
  const ms = parseDuration(duration);
  // The policy schema guarantees valid durations; a bad one here is a programming error.
  if (ms === null) throw new Error(`invalid reopen window duration ${JSON.stringify(duration)}`);
  return { duration, ms, source, key };
}

/** What a close fixes, so a later policy change never moves the deadline of a closed ticket. */
export interface CloseFacts {
  readonly window: ReopenWindow;
  /** The close time plus the window: a customer message before it reopens the ticket. */
  readonly reopenDeadline: string;
}

/** The window and deadline of a ticket closing at `at` (by an agent or by a rule alike). */
export function closeFacts(
  policy: ReopenPolicy,
  ticket: { channel: Channel; integration: string | null },
  at: string,
): CloseFacts {
  const window = reopenWindowFor(policy, ticket);
  return { window, reopenDeadline: fromMillis(toMillis(at) + window.ms) };
}

/** The facts of a closed ticket that a message's routing records. */
export interface ClosedTicket {
  readonly closedAt: string;
  readonly reopenDeadline: string;
  readonly window: ReopenWindow;
}

/** Where a customer message goes when it reaches an existing ticket (`ticketId`: that ticket). */
export type MessageOnTicket =
  | { readonly kind: 'open_ticket'; readonly ticketId: string }
  /** Before the deadline (or before the close itself, delivered late): the same ticket comes back. */
  | ({ readonly kind: 'reopen'; readonly ticketId: string } & ClosedTicket)
  /** At or after the deadline: a new ticket, linked to the closed one. */
  | ({ readonly kind: 'follow_up'; readonly ticketId: string } & ClosedTicket);

/**
 * The reopen rule, on event time only: the one place it is decided. The deadline is the one fixed
 * when the ticket closed (recorded in its state), never recomputed from today's policy.
 */
export function messageOnTicket(
  ticket: Pick<TicketState, 'ticketId' | 'status' | 'closedAt' | 'reopenDeadline' | 'reopenWindow'>,
  at: string,
): MessageOnTicket {
  const { ticketId } = ticket;
  if (ticket.status === 'open') return { kind: 'open_ticket', ticketId };
  const { closedAt, reopenDeadline, reopenWindow: window } = ticket;
  // evolve sets all three with the status: a closed state without them was not folded from events.
  if (closedAt === null || reopenDeadline === null || window === null) {
    throw new Error(`closed ticket ${ticketId} has no close time, reopen deadline or window`);
  }
  const kind = toMillis(at) < toMillis(reopenDeadline) ? 'reopen' : 'follow_up';
  return { kind, ticketId, closedAt, reopenDeadline, window };
}
