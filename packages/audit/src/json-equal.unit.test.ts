import { describe, expect, it } from 'vitest';
import { jsonDifferences } from './json-equal.js';

describe('jsonDifferences: where a stored event and the same event decided again part', () => {
  it('names each differing leaf by its path, with both values', () => {
    const stored = {
      type: 'TicketClosed',
      data: { window: { duration: '48h', ms: 172_800_000 }, closedBy: { type: 'agent' } },
    };
    const redecided = {
      type: 'TicketClosed',
      data: { window: { duration: '24h', ms: 86_400_000 }, closedBy: { type: 'agent' } },
    };
    expect(jsonDifferences(stored, redecided)).toEqual([
      { path: 'data.window.duration', stored: '48h', redecided: '24h' },
      { path: 'data.window.ms', stored: 172_800_000, redecided: 86_400_000 },
    ]);
  });

  it('goes into arrays of the same length, and stops at arrays of different lengths', () => {
    expect(
      jsonDifferences({ commands: [{ body: 'a' }, { body: 'b' }] }, { commands: [{ body: 'a' }, { body: 'c' }] }),
    ).toEqual([{ path: 'commands[1].body', stored: 'b', redecided: 'c' }]);
    expect(jsonDifferences({ tags: ['a'] }, { tags: ['a', 'b'] })).toEqual([
      { path: 'tags', stored: ['a'], redecided: ['a', 'b'] },
    ]);
  });

  it('ignores key order and undefined members (JSON drops them), and reports a member present on one side only (absent shows as null)', () => {
    expect(jsonDifferences({ a: 1, b: 2 }, { b: 2, a: 1, c: undefined })).toEqual([]);
    expect(jsonDifferences({ a: 1 }, { a: 1, 'odd key': 'x' })).toEqual([
      { path: '["odd key"]', stored: null, redecided: 'x' },
    ]);
  });
});
