import { describe, expect, it } from 'vitest';
import { readAhead } from './read-ahead.js';

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('reading ahead', () => {
  it('hands on every read in order, with `depth` reads under way while the caller works', async () => {
    const started: number[] = [];
    const underWay: number[] = [];
    const read = (i: number) => {
      if (i >= 6) return null;
      started.push(i);
      // Later reads finish first: the order handed on is still the order asked.
      return new Promise<number>((resolve) => setTimeout(() => resolve(i), 12 - 2 * i));
    };
    const seen: number[] = [];
    for await (const value of readAhead(read, 3)) {
      underWay.push(started.length - value - 1);
      seen.push(value);
    }
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(underWay).toEqual([3, 3, 3, 2, 1, 0]);
  });

  it('asks for nothing when the first read is past the end', async () => {
    const seen: unknown[] = [];
    for await (const value of readAhead(() => null)) seen.push(value);
    expect(seen).toEqual([]);
  });

  it('a read that fails while the caller works on an earlier one fails the iteration at its turn, not the process', async () => {
    // Unhandled, the rejection would land while the caller is busy: vitest fails the run on one, and
    // a CLI process would end with it.
    const read = (i: number) =>
      i === 0 ? Promise.resolve(0) : i === 1 ? Promise.reject(new Error('server gone')) : null;
    const seen: number[] = [];
    const reading = (async () => {
      for await (const value of readAhead(read)) {
        await tick();
        seen.push(value);
      }
    })();
    await expect(reading).rejects.toThrow('server gone');
    expect(seen).toEqual([0]);
  });

  it('a caller that stops early gets control back once the reads under way have ended, failed or not', async () => {
    const ended: number[] = [];
    const read = (i: number) =>
      new Promise<number>((resolve, reject) =>
        setTimeout(() => {
          ended.push(i);
          if (i === 2) reject(new Error('nobody waits for this one'));
          else resolve(i);
        }, 5),
      );
    for await (const value of readAhead(read, 2)) if (value === 0) break;
    expect(ended.sort()).toEqual([0, 1, 2]);
  });
});
