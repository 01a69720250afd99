import { retry } from '@tickets/retry';
import { isConcurrencyError } from './errors.js';

export interface RetryOptions {
  /** Attempts in all, the first included. */
  readonly maxAttempts?: number;
  /** Called before each retry, e.g. to log or drop a cache. */
  readonly onRetry?: (error: unknown, attempt: number) => void;
}

/**
 * Runs read → decide → append again when another writer got there first. Only concurrency
 * conflicts are retried: any other error is not ours to hide. The retry is immediate: a conflict
 * means the other writer has committed, so reading again sees what it wrote.
 */
export function retryOnConflict<T>(attempt: () => Promise<T>, options: RetryOptions = {}): Promise<T> {
  return retry(() => attempt(), {
    attempts: options.maxAttempts ?? 10,
    retriable: isConcurrencyError,
    onRetry: options.onRetry,
  });
}
