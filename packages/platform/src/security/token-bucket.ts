import type { Clock } from '../clock.js';

export interface TokenBucketLimits {
  /** Tokens added per second. */
  readonly perSecond: number;
  /** Bucket size: the largest burst taken at once. */
  readonly burst: number;
}

export type TakeResult =
  | { readonly ok: true; readonly remaining: number; readonly fullInSeconds: number }
  | {
      readonly ok: false;
      readonly remaining: number;
      readonly retryAfterSeconds: number;
      readonly fullInSeconds: number;
    };

interface Bucket {
  tokens: number;
  at: number;
}

export interface RateLimiter {
  /** Takes `count` tokens from `key`'s bucket, or none when there are not enough. */
  take(key: string, limits: TokenBucketLimits, count: number): TakeResult;
}

/**
 * One token bucket per key (an integration), refilled continuously from the injected clock. Small
 * enough to write here: the fastify rate-limit plugin counts fixed windows per request, where we
 * count events (a batch of 500 costs 500) and the key is known only once the signature is checked.
 */
export function createRateLimiter(clock: Clock): RateLimiter {
  const buckets = new Map<string, Bucket>();
  return {
    take(key, limits, count) {
      const now = clock().getTime();
      const bucket = buckets.get(key) ?? { tokens: limits.burst, at: now };
      const elapsed = Math.max(0, now - bucket.at) / 1000;
      bucket.tokens = Math.min(limits.burst, bucket.tokens + elapsed * limits.perSecond);
      bucket.at = now;
      buckets.set(key, bucket);
      const fullIn = (tokens: number) => Math.ceil((limits.burst - tokens) / limits.perSecond);
      if (bucket.tokens >= count) {
        bucket.tokens -= count;
        return { ok: true, remaining: Math.floor(bucket.tokens), fullInSeconds: fullIn(bucket.tokens) };
      }
      const retryAfterSeconds = Math.max(1, Math.ceil((count - bucket.tokens) / limits.perSecond));
      return {
        ok: false,
        remaining: Math.floor(bucket.tokens),
        retryAfterSeconds,
        fullInSeconds: fullIn(bucket.tokens),
      };
    },
  };
}
