import type { Clock } from '../clock.js';

export type SeenResult = 'first' | 'same_request' | 'different_request';

export interface SeenWebhookIds {
  /**
   * Remembers `(integration, webhookId)` with a digest of what was signed until `expiresAtMs` (the
   * signature's own timestamp + tolerance: after that the signature is refused as stale anyway).
   */
  check(integration: string, webhookId: string, digest: string, expiresAtMs: number): SeenResult;
  readonly size: number;
}

/**
 * The webhook ids seen within the signature tolerance window, bounded in time (entries expire with
 * their signature) and in count (the oldest go first when `maxEntries` is reached, so a flood of
 * signed requests cannot exhaust memory).
 */
export function createSeenWebhookIds(clock: Clock, maxEntries = 200_000): SeenWebhookIds {
  const seen = new Map<string, { digest: string; expiresAt: number }>();
  let nextSweep = 0;
  const sweep = (now: number): void => {
    if (now < nextSweep) return;
    for (const [key, entry] of seen) if (entry.expiresAt <= now) seen.delete(key);
    // At most one full sweep a second keeps the cost per request constant.
    nextSweep = now + 1_000;
  };
  return {
    check(integration, webhookId, digest, expiresAtMs) {
      const now = clock().getTime();
      sweep(now);
      const key = `${integration}\u0000${webhookId}`;
      const entry = seen.get(key);
      if (entry !== undefined && entry.expiresAt > now)
        return entry.digest === digest ? 'same_request' : 'different_request';
      if (seen.size >= maxEntries) {
        const oldest = seen.keys().next();
        if (oldest.done !== true) seen.delete(oldest.value);
      }
      seen.set(key, { digest, expiresAt: expiresAtMs });
      return 'first';
    },
    get size() {
      return seen.size;
    },
  };
}
