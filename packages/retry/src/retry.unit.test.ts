import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { backoffDelayMs, retry } from './retry.js';

class Flaky extends Error {
  constructor(readonly retriable: boolean) {
    super(retriable ? 'try again' : 'wrong request');
  }
}
const isFlaky = (error: unknown): boolean => error instanceof Flaky && error.retriable;

/** An operation that throws `failures` in turn, then returns `value`. */
function failing<T>(failures: unknown[], value: T): ReturnType<typeof vi.fn<(attempt: number) => Promise<T>>> {
  return vi.fn(async () => {
    const failure = failures.shift();
    if (failure !== undefined) throw failure;
    return value;
  });
}

describe('backoffDelayMs', () => {
  it('doubles from the base delay up to the cap, without jitter', () => {
    const backoff = { baseDelayMs: 100, maxDelayMs: 1000, jitter: false };
    expect([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, backoff))).toEqual([100, 200, 400, 800, 1000]);
  });

  it('uses the factor given', () => {
    expect([1, 2, 3].map((n) => backoffDelayMs(n, { baseDelayMs: 10, factor: 3, jitter: false }))).toEqual([
      10, 30, 90,
    ]);
  });

  it('draws a jittered wait between half and all of the computed one', () => {
    const backoff = { baseDelayMs: 400 };
    expect(backoffDelayMs(1, backoff, () => 0)).toBe(200);
    expect(backoffDelayMs(1, backoff, () => 0.5)).toBe(300);
    expect(backoffDelayMs(1, backoff, () => 0.999_999)).toBe(400);
    expect(backoffDelayMs(3, { baseDelayMs: 400, maxDelayMs: 1000 }, () => 0)).toBe(500);
  });

  it('waits nothing by default', () => {
    expect(backoffDelayMs(5, {})).toBe(0);
  });
});

describe('retry', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('returns the first success without retrying, telling the operation its attempt', async () => {
    const operation = failing([], 'done');
    expect(await retry(operation, { attempts: 3, retriable: () => true })).toBe('done');
    expect(operation.mock.calls).toEqual([[1]]);
  });

  it('retries retriable failures, calling onRetry with the failure, the attempt that failed and the wait', async () => {
    const first = new Flaky(true);
    const second = new Flaky(true);
    const operation = failing([first, second], 42);
    const onRetry = vi.fn();
    const result = retry(operation, { attempts: 5, baseDelayMs: 100, jitter: false, retriable: isFlaky, onRetry });
    await vi.runAllTimersAsync();
    expect(await result).toBe(42);
    expect(operation.mock.calls).toEqual([[1], [2], [3]]);
    expect(onRetry.mock.calls).toEqual([
      [first, 1, 100],
      [second, 2, 200],
    ]);
  });

  it('waits the backoff between attempts, and not longer', async () => {
    const operation = failing([new Flaky(true)], 'ok');
    const result = retry(operation, { attempts: 2, baseDelayMs: 1000, jitter: false, retriable: isFlaky });
    await vi.advanceTimersByTimeAsync(999);
    expect(operation).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(await result).toBe('ok');
    expect(operation).toHaveBeenCalledTimes(2);
  });

  it('retries at once, with no timer, when the base delay is 0', async () => {
    const operation = failing([new Flaky(true), new Flaky(true)], 'ok');
    expect(await retry(operation, { attempts: 3, retriable: isFlaky })).toBe('ok');
    expect(vi.getTimerCount()).toBe(0);
  });

  it('gives up after the attempts allowed, with the last failure as it was thrown', async () => {
    const last = new Flaky(true);
    const operation = failing([new Flaky(true), new Flaky(true), last], 'never');
    const onRetry = vi.fn();
    await expect(retry(operation, { attempts: 3, retriable: isFlaky, onRetry })).rejects.toBe(last);
    expect(operation).toHaveBeenCalledTimes(3);
    expect(onRetry).toHaveBeenCalledTimes(2);
  });

  it('rethrows at once a failure the predicate refuses, and tells it which attempt failed', async () => {
    const refused = new Flaky(false);
    const operation = failing([new Flaky(true), refused], 'never');
    const retriable = vi.fn(isFlaky);
    await expect(retry(operation, { attempts: 10, retriable })).rejects.toBe(refused);
    expect(operation).toHaveBeenCalledTimes(2);
    expect(retriable.mock.calls).toEqual([
      [expect.any(Flaky), 1],
      [refused, 2],
    ]);
  });

  it('rethrows values that are not errors unchanged', async () => {
    await expect(retry(failing(['text'], 0), { attempts: 1, retriable: () => true })).rejects.toBe('text');
  });

  it('waits what the failure asks for instead of the backoff, within the cap', async () => {
    const asks = (ms: number): Error => Object.assign(new Flaky(true), { retryAfterMs: ms });
    const operation = failing([asks(3000), asks(60_000)], 'ok');
    const onRetry = vi.fn();
    const result = retry(operation, {
      attempts: 3,
      baseDelayMs: 10,
      maxDelayMs: 5000,
      retriable: isFlaky,
      requestedDelayMs: (error) => (error as { retryAfterMs?: number }).retryAfterMs,
      onRetry,
    });
    await vi.runAllTimersAsync();
    expect(await result).toBe('ok');
    expect(onRetry.mock.calls.map(([, , ms]) => ms)).toEqual([3000, 5000]);
  });

  it('ignores a requested wait that is negative or not a number', async () => {
    const onRetry = vi.fn();
    const result = retry(failing([new Flaky(true), new Flaky(true)], 'ok'), {
      attempts: 3,
      baseDelayMs: 10,
      jitter: false,
      retriable: isFlaky,
      requestedDelayMs: (() => {
        const asked = [-5, Number.NaN];
        return () => asked.shift();
      })(),
      onRetry,
    });
    await vi.runAllTimersAsync();
    expect(await result).toBe('ok');
    expect(onRetry.mock.calls.map(([, , ms]) => ms)).toEqual([10, 20]);
  });

  it('stops waiting when the signal aborts, and throws the last failure', async () => {
    const stop = new AbortController();
    const failure = new Flaky(true);
    const operation = failing([failure], 'never');
    const result = retry(operation, { attempts: 10, baseDelayMs: 60_000, retriable: isFlaky, signal: stop.signal });
    const settled = expect(result).rejects.toBe(failure);
    await vi.advanceTimersByTimeAsync(10);
    stop.abort();
    await settled;
    expect(operation).toHaveBeenCalledTimes(1);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('does not retry once the signal has aborted, even without a wait', async () => {
    const failure = new Flaky(true);
    const operation = failing([failure], 'never');
    await expect(retry(operation, { attempts: 10, retriable: isFlaky, signal: AbortSignal.abort() })).rejects.toBe(
      failure,
    );
    expect(operation).toHaveBeenCalledTimes(1);
  });

  it('refuses an attempt count below 1 or not whole', async () => {
    for (const attempts of [0, -1, 1.5, Number.NaN]) {
      await expect(retry(async () => 1, { attempts, retriable: () => true })).rejects.toBeInstanceOf(RangeError);
    }
  });
});
