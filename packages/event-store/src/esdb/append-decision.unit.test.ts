import { describe, expect, it } from 'vitest';
import { checkExpectedVersion, compareRun } from './append-decision.js';

describe('expected version check', () => {
  it('any always matches; stream_exists needs a stream', () => {
    expect(checkExpectedVersion('any', -1)).toBe('matches');
    expect(checkExpectedVersion('any', 5)).toBe('matches');
    expect(checkExpectedVersion('stream_exists', -1)).toBe('conflict');
    expect(checkExpectedVersion('stream_exists', 0)).toBe('matches');
  });

  it('no_stream and revisions match exactly, see a stream that moved on, and conflict otherwise', () => {
    expect(checkExpectedVersion('no_stream', -1)).toBe('matches');
    expect(checkExpectedVersion('no_stream', 0)).toBe('moved-on');
    expect(checkExpectedVersion(-1, -1)).toBe('matches');
    expect(checkExpectedVersion(2, 2)).toBe('matches');
    expect(checkExpectedVersion(2, 4)).toBe('moved-on');
    expect(checkExpectedVersion(2, 1)).toBe('conflict');
    expect(checkExpectedVersion(0, -1)).toBe('conflict');
  });
});

describe('stored run comparison', () => {
  it('the same ids are a repeat, none a plain conflict, some an idempotency error naming the first', () => {
    expect(compareRun(['a', 'b'], ['a', 'b'])).toEqual({ kind: 'repeat' });
    expect(compareRun(['a', 'b'], ['x', 'y'])).toEqual({ kind: 'different' });
    expect(compareRun(['a', 'b'], ['a', 'y'])).toEqual({ kind: 'partial', eventId: 'a' });
    expect(compareRun(['a', 'b'], ['x', 'b'])).toEqual({ kind: 'partial', eventId: 'b' });
    expect(compareRun(['a', 'b', 'c'], ['a', 'b'])).toEqual({ kind: 'partial', eventId: 'a' });
    expect(compareRun(['a'], [])).toEqual({ kind: 'different' });
  });
});
