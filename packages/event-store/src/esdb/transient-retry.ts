import { retry } from '@tickets/retry';
import { isTransientEsdbError } from './esdb-error.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  readonly maxAttempts: number;
  /** Wait before the first retry; each further retry waits twice as long, up to `maxDelayMs`. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

/** About six seconds of waiting in all: long enough for a leader election or a node restart. */
export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 100, maxDelayMs: 2000 };

/**
 * Runs `operation` again after a transient failure (server unavailable, deadline exceeded), within
 * the policy's attempts. Callers pass only operations that are safe to repeat: reads, and appends
 * whose event ids and expected revision make a repeat a no-op on the server. Stops retrying once
 * `signal` aborts (the store is closing) and reports the last failure.
 */
export function retryTransient<T>(operation: () => Promise<T>, policy: RetryPolicy, signal?: AbortSignal): Promise<T> {
  return retry(() => operation(), {
    attempts: policy.maxAttempts,
    baseDelayMs: policy.baseDelayMs,
    maxDelayMs: policy.maxDelayMs,
    jitter: false,
    retriable: isTransientEsdbError,
    signal,
  });
}
