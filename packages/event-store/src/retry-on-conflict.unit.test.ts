import { describe, expect, it, vi } from 'vitest';
import { ConcurrencyError, EventStoreError } from './errors.js';
import { retryOnConflict } from './retry-on-conflict.js';

const conflict = (): ConcurrencyError => new ConcurrencyError('ticket-1', '0', 1);

describe('retryOnConflict', () => {
  it('returns the first success without retrying', async () => {
    const attempt = vi.fn(async () => 'done');
    expect(await retryOnConflict(attempt)).toBe('done');
    expect(attempt).toHaveBeenCalledTimes(1);
  });

  it('retries concurrency conflicts, calling onRetry with the error and the attempt that failed', async () => {
    const errors = [conflict(), conflict()];
    const attempt = vi.fn(async () => {
      const error = errors.shift();
      if (error) throw error;
      return 42;
    });
    const onRetry = vi.fn();
    expect(await retryOnConflict(attempt, { onRetry })).toBe(42);
    expect(attempt).toHaveBeenCalledTimes(3);
    expect(onRetry.mock.calls.map(([error, n]) => [error instanceof ConcurrencyError, n])).toEqual([
      [true, 1],
      [true, 2],
    ]);
  });

  it('gives up after maxAttempts with the last conflict', async () => {
    const last = conflict();
    let calls = 0;
    const attempt = async (): Promise<never> => {
      calls++;
      throw calls === 3 ? last : conflict();
    };
    const onRetry = vi.fn();
    await expect(retryOnConflict(attempt, { maxAttempts: 3, onRetry })).rejects.toBe(last);
    expect(calls).toBe(3);
    expect(onRetry).toHaveBeenCalledTimes(2);
  });

  it('makes 10 attempts by default', async () => {
    const attempt = vi.fn(async () => {
      throw conflict();
    });
    await expect(retryOnConflict(attempt)).rejects.toBeInstanceOf(ConcurrencyError);
    expect(attempt).toHaveBeenCalledTimes(10);
  });

  it('never retries other errors, retriable or not', async () => {
    for (const error of [new EventStoreError('EVENT_STORE.UNAVAILABLE', 'locked', true), new Error('boom')]) {
      const attempt = vi.fn(async () => {
        throw error;
      });
      const onRetry = vi.fn();
      await expect(retryOnConflict(attempt, { onRetry })).rejects.toBe(error);
      expect(attempt).toHaveBeenCalledTimes(1);
      expect(onRetry).not.toHaveBeenCalled();
    }
  });
});
