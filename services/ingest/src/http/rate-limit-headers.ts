import type { TakeResult, TokenBucketLimits } from '@tickets/platform';

/**
 * The IETF draft's RateLimit-Policy / RateLimit fields (draft-ietf-httpapi-ratelimit-headers):
 * quota `q` in events, window `w` the seconds a drained bucket takes to refill; `r` what is left,
 * `t` the seconds until the bucket is full again.
 */
export function rateLimitHeaders(limits: TokenBucketLimits, result: TakeResult): Record<string, string> {
  const window = Math.ceil(limits.burst / limits.perSecond);
  const headers: Record<string, string> = {
    'ratelimit-policy': `"events";q=${limits.burst};w=${window}`,
    ratelimit: `"events";r=${result.remaining};t=${result.fullInSeconds}`,
  };
  if (!result.ok) headers['retry-after'] = String(result.retryAfterSeconds);
  return headers;
}
