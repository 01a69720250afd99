import { describe, expect, it } from 'vitest';
import { gatherConcurrent } from './gather-concurrent.js';

describe('gatherConcurrent: the partitions of one fetch go to the ingest in one call', () => {
  it('calls made in the same turn become one call, each caller getting its own results in its order', async () => {
    const calls: number[][] = [];
    const gathered = gatherConcurrent(async (items: readonly number[]) => {
      calls.push([...items]);
      return items.map((n) => n * 10);
    });
    const [a, b, c] = await Promise.all([gathered([1, 2]), gathered([3]), gathered([4, 5, 6])]);
    expect(calls).toEqual([[1, 2, 3, 4, 5, 6]]);
    expect([a, b, c]).toEqual([[10, 20], [30], [40, 50, 60]]);
  });

  it('calls made after the gathered call started go in a later call', async () => {
    const calls: number[][] = [];
    const gathered = gatherConcurrent(async (items: readonly number[]) => {
      calls.push([...items]);
      return items;
    });
    const first = gathered([1]);
    await new Promise((resolve) => setImmediate(resolve));
    const second = gathered([2]);
    expect(await Promise.all([first, second])).toEqual([[1], [2]]);
    expect(calls).toEqual([[1], [2]]);
  });

  it('a failure fails every caller of that call (none commits its offsets), and the next call starts afresh', async () => {
    let fail = true;
    const gathered = gatherConcurrent(async (items: readonly number[]) => {
      if (fail) throw new Error('append failed');
      return items;
    });
    const results = await Promise.allSettled([gathered([1]), gathered([2])]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect(await gathered([3])).toEqual([3]);
  });

  it('a handler that returns a wrong number of results fails its callers instead of misattributing outcomes', async () => {
    const gathered = gatherConcurrent(async (items: readonly number[]) => items.slice(1));
    const results = await Promise.allSettled([gathered([1]), gathered([2])]);
    expect(results.every((r) => r.status === 'rejected')).toBe(true);
  });
});
