import { delay } from './delay.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

export interface Backoff {
  /** Wait before the first retry. 0 (the default) retries at once: right for optimistic-concurrency conflicts. */
  readonly baseDelayMs?: number;
  /** Each further retry waits this many times longer than the one before (default 2). */
  readonly factor?: number;
  /** No wait is longer than this, a server's own request included (default: no cap). */
  readonly maxDelayMs?: number;
  /**
   * Draw each wait at random between half and all of the computed one (default true), so that
   * clients that failed together (a broker restart, a conflict between two writers) do not all ask
   * again at the same instant. The half kept fixed still gives a restarting server its time.
   */
  readonly jitter?: boolean;
}

export interface RetryOptions extends Backoff {
  /** Attempts in all, the first included (1 means no retry). */
  readonly attempts: number;
  /**
   * Whether a failure may pass if the operation runs again; `attempt` is the one that failed (1 for
   * the first). Only operations that are safe to repeat belong here; anything else is rethrown at once.
   */
  readonly retriable: (error: unknown, attempt: number) => boolean;
  /** A wait the failure itself asks for (an HTTP `Retry-After`), used instead of the backoff, within `maxDelayMs`. */
  readonly requestedDelayMs?: (error: unknown) => number | undefined;
  /** Called before each wait, e.g. to log or to drop a cache that the failure showed stale. */
  readonly onRetry?: (error: unknown, attempt: number, delayMs: number) => void;
  /**
   * Stops the retrying (the process is shutting down): a wait ends early and the last failure is
   * thrown. An attempt already running is not interrupted; hand the operation the signal for that.
   */
  readonly signal?: AbortSignal;
}

/**
 * The wait before retry `retry` (1 for the first retry): `baseDelayMs · factor^(retry−1)`, capped, and
 * with jitter drawn from `random` (a number in [0, 1), as `Math.random` gives).
 */
export function backoffDelayMs(retry: number, backoff: Backoff, random: () => number = Math.random): number {
  const { baseDelayMs = 0, factor = 2, maxDelayMs = Number.POSITIVE_INFINITY, jitter = true } = backoff;
  const full = Math.min(maxDelayMs, baseDelayMs * factor ** (retry - 1));
  return jitter ? Math.round(full / 2 + (random() * full) / 2) : full;
}

/**
 * Runs `operation` until it succeeds, fails with an error `retriable` refuses, runs out of
 * attempts, or `signal` aborts; then rethrows the last failure as it was. `operation` is told
 * which attempt it is (1 for the first).
 */
export async function retry<T>(operation: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const { attempts, retriable, requestedDelayMs, onRetry, signal } = options;
  if (!Number.isInteger(attempts) || attempts < 1)
    throw new RangeError(`attempts must be a whole number of at least 1, got ${attempts}`);
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      if (attempt >= attempts || signal?.aborted || !retriable(error, attempt)) throw error;
      const requested = requestedDelayMs?.(error);
      const wanted =
        requested !== undefined && requested >= 0
          ? Math.min(requested, options.maxDelayMs ?? Infinity)
          : backoffDelayMs(attempt, options);
      // setTimeout fires at once, with a warning, past 2^31 − 1 ms: a wait that long is a wrong setting anyway.
      const delayMs = Math.min(wanted, MAX_TIMER_MS);
      onRetry?.(error, attempt, delayMs);
      // No timer for no wait: a conflict retried at once stays on this turn of the event loop.
      if (delayMs > 0) await delay(delayMs, signal);
      if (signal?.aborted) throw error;
    }
  }
}
