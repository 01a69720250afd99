import { z } from 'zod';
import { Duration, parseDuration } from '../shared/duration.js';
import { Channel } from '../inbound/channel.js';

/** Reopen windows: by integration, then by channel, then the default. */
export const ReopenPolicy = z
  .object({
    default: Duration,
    channels: z.partialRecord(Channel, Duration).optional(),
    integrations: z.record(z.string().min(1), Duration).optional(),
  })
  .strict()
  .describe('Reopen windows: looked up by integration, then channel, then default');
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

export function reopenWindowFor(policy: ReopenPolicy, ticket: { channel: Channel; integration: string | null }): ReopenWindow {
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
