import { describe, expect, it } from 'vitest';
import { IdempotencyError } from './errors.js';
import { compareRun, decideAppend, isRepeatedRun } from './append-decision.js';

describe('append decision (the one rule of the SQLite, PostgreSQL and KurrentDB adapters)', () => {
  it('any writes to a new stream; stream_exists conflicts without one', () => {
    expect(decideAppend('any', -1, 2)).toEqual({ kind: 'write' });
    expect(decideAppend('any', -1, 0)).toEqual({ kind: 'unchanged' });
    expect(decideAppend('stream_exists', -1, 2)).toEqual({ kind: 'conflict' });
    expect(decideAppend('stream_exists', -1, 0)).toEqual({ kind: 'conflict' });
  });

  it('without a version, events for an existing stream are located by their first id (a retry may have stored them)', () => {
    expect(decideAppend('any', 5, 2)).toEqual({ kind: 'locate', at: 'first-id' });
    expect(decideAppend('stream_exists', 0, 1)).toEqual({ kind: 'locate', at: 'first-id' });
    expect(decideAppend('any', 5, 0)).toEqual({ kind: 'unchanged' });
    expect(decideAppend('stream_exists', 0, 0)).toEqual({ kind: 'unchanged' });
  });

  it('an exact version that holds writes, or changes nothing when there is nothing to write', () => {
    expect(decideAppend('no_stream', -1, 1)).toEqual({ kind: 'write' });
    expect(decideAppend(-1, -1, 1)).toEqual({ kind: 'write' });
    expect(decideAppend(2, 2, 3)).toEqual({ kind: 'write' });
    expect(decideAppend(2, 2, 0)).toEqual({ kind: 'unchanged' });
  });

  it('a stream past the expected version is searched right after it; behind it, or with nothing to write, it conflicts', () => {
    expect(decideAppend('no_stream', 0, 1)).toEqual({ kind: 'locate', at: 0 });
    expect(decideAppend(2, 4, 2)).toEqual({ kind: 'locate', at: 3 });
    expect(decideAppend(2, 4, 0)).toEqual({ kind: 'conflict' });
    expect(decideAppend(2, 1, 1)).toEqual({ kind: 'conflict' });
    expect(decideAppend(0, -1, 1)).toEqual({ kind: 'conflict' });
  });
});

describe('stored run comparison', () => {
  it('the same ids are a repeat, none a plain conflict, some an idempotency error naming the first', () => {
    expect(compareRun(['a', 'b'], ['a', 'b'])).toEqual({ kind: 'repeat' });
    expect(compareRun(['a', 'b'], ['x', 'y'])).toEqual({ kind: 'different' });
    expect(compareRun(['a', 'b'], ['a', 'y'])).toEqual({ kind: 'partial', eventId: 'a' });
    expect(compareRun(['a', 'b'], ['x', 'b'])).toEqual({ kind: 'partial', eventId: 'b' });
    expect(compareRun(['a', 'b', 'c'], ['a', 'b'])).toEqual({ kind: 'partial', eventId: 'a' });
    expect(compareRun(['a', 'b'], ['a', undefined])).toEqual({ kind: 'partial', eventId: 'a' });
    expect(compareRun(['a'], [])).toEqual({ kind: 'different' });
  });

  it('an empty append is no repeat of anything', () => {
    expect(compareRun([], [])).toEqual({ kind: 'different' });
  });

  it('isRepeatedRun says yes for a repeat, no for a different run, and throws IdempotencyError for part of one', () => {
    expect(isRepeatedRun('s', ['a', 'b'], ['a', 'b'])).toBe(true);
    expect(isRepeatedRun('s', ['a', 'b'], ['x', 'y'])).toBe(false);
    expect(() => isRepeatedRun('s', ['a', 'b'], ['a', 'y'])).toThrow(IdempotencyError);
  });
});
