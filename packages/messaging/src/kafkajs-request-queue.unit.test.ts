import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';

// kafkajs 2.2.4 armed a timer after every response even with nothing queued, at
// `throttledUntil − Date.now()`: about −1.8e12 ms when never throttled. Node 24 warns
// (TimeoutNegativeWarning) and runs it after 1 ms, and it arms the next one: a 1 ms loop per broker
// connection for the life of the client. patches/kafkajs+2.2.4.patch (applied by `npm ci`)
// schedules a check only when a request waits or a throttle is on. These tests fail without it.
interface RequestQueue {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  scheduleCheckPendingRequests(): void;
  destroy(): void;
}
const require = createRequire(import.meta.url);
const RequestQueue = require('kafkajs/src/network/requestQueue/index.js') as new (options: object) => RequestQueue;
const silent = { debug() {}, info() {}, warn() {}, error() {} };

describe('kafkajs request queue (patched)', () => {
  let queue: RequestQueue | undefined;
  afterEach(() => {
    queue?.destroy();
    vi.restoreAllMocks();
  });
  const newQueue = (): RequestQueue =>
    (queue = new RequestQueue({
      maxInFlightRequests: null,
      requestTimeout: 30_000,
      clientId: 'test',
      broker: 'b:9092',
      logger: silent,
    }));

  it('arms no timer when nothing waits and no throttle is on', () => {
    const timer = vi.spyOn(globalThis, 'setTimeout');
    const idle = newQueue();
    idle.scheduleCheckPendingRequests();
    expect(timer).not.toHaveBeenCalled();
    expect(idle.throttleCheckTimeoutId).toBeNull();
  });

  it('still checks again soon when a request waits', () => {
    const timer = vi.spyOn(globalThis, 'setTimeout');
    const busy = newQueue();
    busy.pending.push({});
    busy.scheduleCheckPendingRequests();
    expect(timer).toHaveBeenCalledWith(expect.any(Function), 10);
  });

  it('still checks when a broker-asked throttle ends', () => {
    const timer = vi.spyOn(globalThis, 'setTimeout');
    const throttled = newQueue();
    throttled.throttledUntil = Date.now() + 500;
    throttled.scheduleCheckPendingRequests();
    const [[, delayMs]] = timer.mock.calls as [[unknown, number]];
    expect(delayMs).toBeGreaterThan(0);
    expect(delayMs).toBeLessThanOrEqual(500);
  });
});
