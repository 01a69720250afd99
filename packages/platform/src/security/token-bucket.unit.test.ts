import { describe, expect, it } from 'vitest';
import { createRateLimiter } from './token-bucket.js';
import { createSeenWebhookIds } from './seen-webhook-ids.js';

const movableClock = (start: number) => {
  let now = start;
  return { clock: () => new Date(now), advance: (ms: number) => (now += ms) };
};

describe('token bucket per key', () => {
  const limits = { perSecond: 10, burst: 20 };

  it('lets a burst through, refuses beyond it with the wait, and refills with time', () => {
    const time = movableClock(0);
    const limiter = createRateLimiter(time.clock);
    expect(limiter.take('postscript', limits, 20)).toEqual({ ok: true, remaining: 0, fullInSeconds: 2 });
    expect(limiter.take('postscript', limits, 5)).toEqual({
      ok: false,
      remaining: 0,
      retryAfterSeconds: 1,
      fullInSeconds: 2,
    });
    time.advance(500);
    expect(limiter.take('postscript', limits, 5)).toMatchObject({ ok: true, remaining: 0 });
    time.advance(10_000);
    expect(limiter.take('postscript', limits, 1)).toMatchObject({ ok: true, remaining: 19 });
  });

  it('keeps one bucket per key', () => {
    const limiter = createRateLimiter(movableClock(0).clock);
    expect(limiter.take('a', limits, 20).ok).toBe(true);
    expect(limiter.take('b', limits, 20).ok).toBe(true);
    expect(limiter.take('a', limits, 1).ok).toBe(false);
  });

  it('says how long a request larger than what is left must wait', () => {
    const limiter = createRateLimiter(movableClock(0).clock);
    limiter.take('a', limits, 20);
    expect(limiter.take('a', limits, 15)).toMatchObject({ ok: false, retryAfterSeconds: 2 });
  });
});

describe('seen webhook ids', () => {
  it('tells a first delivery, a retry of the same body and a reuse for another body apart, until the entry expires', () => {
    const time = movableClock(1_000_000);
    const seen = createSeenWebhookIds(time.clock);
    const expires = 1_000_000 + 300_000;
    expect(seen.check('postscript', 'msg_1', 'digest-a', expires)).toBe('first');
    expect(seen.check('postscript', 'msg_1', 'digest-a', expires)).toBe('same_request');
    expect(seen.check('postscript', 'msg_1', 'digest-b', expires)).toBe('different_request');
    expect(seen.check('helpdesk', 'msg_1', 'digest-b', expires)).toBe('first');
    time.advance(300_001);
    expect(seen.check('postscript', 'msg_1', 'digest-b', expires + 300_001)).toBe('first');
  });

  it('forgets expired entries and never holds more than its bound', () => {
    const time = movableClock(0);
    const seen = createSeenWebhookIds(time.clock, 100);
    for (let i = 0; i < 250; i++) seen.check('i', `msg_${i}`, 'd', 1_000);
    expect(seen.size).toBe(100);
    time.advance(2_000);
    seen.check('i', 'late', 'd', 10_000);
    expect(seen.size).toBe(1);
  });
});
