import { describe, expect, it } from 'vitest';
import { createLogger } from '@tickets/platform';
import { createTimerScheduler } from './timer-scheduler.js';

const logger = createLogger({ level: 'silent' });

/** A due-time index in memory: customer → next due time; firing removes what is due. */
function fakeIndex(entries: Record<string, string>) {
  const index = new Map(Object.entries(entries));
  const calls: { customers: string[]; until: string }[] = [];
  return {
    calls,
    due: async (until: string, limit: number) =>
      [...index.entries()]
        .filter(([, due]) => due <= until)
        .sort((a, b) => (a[1] < b[1] ? -1 : 1))
        .slice(0, limit)
        .map(([c]) => c),
    fire: async (customers: readonly string[], until: string) => {
      calls.push({ customers: [...customers], until });
      for (const c of customers) index.delete(c);
      return customers.length;
    },
  };
}

describe('timer scheduler', () => {
  it('fires only the customers whose timers the wall clock has passed, with the clock’s time as the limit', async () => {
    const index = fakeIndex({ a: '2026-03-04T08:30:00.000Z', b: '2026-03-05T08:30:00.000Z' });
    const scheduler = createTimerScheduler({ ...index, clock: () => new Date('2026-03-04T12:00:00.000Z'), logger });
    expect(await scheduler.tick()).toBe(1);
    expect(index.calls).toEqual([{ customers: ['a'], until: '2026-03-04T12:00:00.000Z' }]);
    expect(await scheduler.tick()).toBe(0);
  });

  it('pages through a backlog in rounds of batchSize, earliest first, never all at once', async () => {
    const entries: Record<string, string> = {};
    for (let i = 0; i < 25; i++)
      entries[`c${String(i).padStart(2, '0')}`] = `2026-03-01T00:00:${String(i).padStart(2, '0')}.000Z`;
    const index = fakeIndex(entries);
    const scheduler = createTimerScheduler({
      ...index,
      clock: () => new Date('2026-03-02T00:00:00.000Z'),
      logger,
      batchSize: 10,
    });
    expect(await scheduler.tick()).toBe(25);
    expect(index.calls.map((c) => c.customers.length)).toEqual([10, 10, 5]);
    expect(index.calls[0]!.customers[0]).toBe('c00');
  });

  it('stops a round when a full page fires nothing (the index lags the store) instead of spinning', async () => {
    let queries = 0;
    const scheduler = createTimerScheduler({
      due: async () => (queries++, ['stale']),
      fire: async () => 0,
      clock: () => new Date('2026-03-02T00:00:00.000Z'),
      logger,
      batchSize: 1,
    });
    expect(await scheduler.tick()).toBe(0);
    expect(queries).toBe(1);
  });

  it('keeps running after a failed round and stops when aborted', async () => {
    let rounds = 0;
    const controller = new AbortController();
    const scheduler = createTimerScheduler({
      due: async () => {
        rounds++;
        if (rounds === 1) throw new Error('store unreachable');
        if (rounds === 3) controller.abort();
        return [];
      },
      fire: async () => 0,
      clock: () => new Date('2026-03-02T00:00:00.000Z'),
      logger,
      idleMs: 1,
    });
    await scheduler.run(controller.signal);
    expect(rounds).toBe(3);
  });
});
