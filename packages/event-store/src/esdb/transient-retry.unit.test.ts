import { UnavailableError, WrongExpectedVersionError } from '@kurrent/kurrentdb-client';
import { describe, expect, it, vi } from 'vitest';
import { retryTransient } from './transient-retry.js';

const policy = { maxAttempts: 4, baseDelayMs: 1, maxDelayMs: 3 };

describe('retryTransient', () => {
  it('retries transient failures until one succeeds', async () => {
    const operation = vi
      .fn()
      .mockRejectedValueOnce(new UnavailableError())
      .mockRejectedValueOnce(new UnavailableError())
      .mockResolvedValue('ok');
    expect(await retryTransient(operation, policy)).toBe('ok');
    expect(operation).toHaveBeenCalledTimes(3);
  });

  it('gives up after maxAttempts with the last failure, and never retries other errors', async () => {
    const down = vi.fn().mockRejectedValue(new UnavailableError(undefined, 'down'));
    await expect(retryTransient(down, policy)).rejects.toThrow('down');
    expect(down).toHaveBeenCalledTimes(4);
    const refused = vi
      .fn()
      .mockRejectedValue(new WrongExpectedVersionError(undefined, { streamName: 's', expected: 0n, current: 1n }));
    await expect(retryTransient(refused, policy)).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(refused).toHaveBeenCalledTimes(1);
  });

  it('stops retrying once its signal aborts', async () => {
    const stop = new AbortController();
    const operation = vi.fn(async () => {
      stop.abort();
      throw new UnavailableError();
    });
    await expect(
      retryTransient(operation, { maxAttempts: 10, baseDelayMs: 10_000, maxDelayMs: 10_000 }, stop.signal),
    ).rejects.toBeInstanceOf(UnavailableError);
    expect(operation).toHaveBeenCalledTimes(1);
  });
});
