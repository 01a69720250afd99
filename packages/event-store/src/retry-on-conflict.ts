import { isConcurrencyError } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number;
  /** Called before each retry, e.g. to log or drop a cache. */
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs read → decide → append again when another writer got there first. Only concurrency
 * conflicts are retried: any other error is not ours to hide.
 */
export async function retryOnConflict<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (!isConcurrencyError(error) || n >= maxAttempts) throw error;
      options.onRetry?.(error, n);
    }
  }
}
