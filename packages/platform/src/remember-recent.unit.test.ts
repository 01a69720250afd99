import { describe, expect, it } from 'vitest';
import { rememberRecent } from './remember-recent.js';

describe('rememberRecent', () => {
  it('keeps at most `limit` entries, dropping the one set least recently', () => {
    const map = new Map<string, number>();
    for (const [key, value] of [
      ['a', 1],
      ['b', 2],
      ['c', 3],
    ] as const)
      rememberRecent(map, key, value, 3);
    // Setting `a` again makes it the most recent: `b` is the oldest now.
    expect(rememberRecent(map, 'a', 10, 3)).toBe(10);
    rememberRecent(map, 'd', 4, 3);
    expect([...map]).toEqual([
      ['c', 3],
      ['a', 10],
      ['d', 4],
    ]);
  });
});
