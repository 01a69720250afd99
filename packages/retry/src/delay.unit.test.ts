import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { delay } from './delay.js';

describe('delay', () => {
  beforeEach(() => void vi.useFakeTimers());
  afterEach(() => void vi.useRealTimers());

  it('resolves after the time asked for, not before', async () => {
    let done = false;
    const waiting = delay(100).then(() => (done = true));
    await vi.advanceTimersByTimeAsync(99);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    expect(done).toBe(true);
  });

  it('resolves at once when the signal aborts, and leaves no timer or listener behind', async () => {
    const stop = new AbortController();
    const remove = vi.spyOn(stop.signal, 'removeEventListener');
    const waiting = delay(60_000, stop.signal);
    stop.abort();
    await waiting;
    expect(vi.getTimerCount()).toBe(0);
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });

  it('does not wait at all on a signal already aborted', async () => {
    await delay(60_000, AbortSignal.abort());
    expect(vi.getTimerCount()).toBe(0);
  });

  it('removes its abort listener when the time is up', async () => {
    const stop = new AbortController();
    const remove = vi.spyOn(stop.signal, 'removeEventListener');
    const waiting = delay(10, stop.signal);
    await vi.advanceTimersByTimeAsync(10);
    await waiting;
    expect(remove).toHaveBeenCalledWith('abort', expect.any(Function));
  });
});
