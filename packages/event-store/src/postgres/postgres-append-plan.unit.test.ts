import { describe, expect, it } from 'vitest';
import { eventHash } from '../chain/event-hash.js';
import { ConcurrencyError, IdempotencyError } from '../errors.js';
import type { ExpectedVersion } from '../event-store.port.js';
import { needsStoredIds, planAppends, prepareAppend } from './postgres-append-plan.js';
import type { StoredId, StreamHead } from './postgres-append-plan.js';

const append = (stream: string, ids: string[], expected?: ExpectedVersion) =>
  prepareAppend(
    stream,
    ids.map((id) => ({ id, type: 'T', data: { id } })),
    expected,
  );

describe('planAppends', () => {
  it('numbers new rows after the head, and later appends of the call after earlier ones', () => {
    const heads = new Map<string, StreamHead>([['s', { version: 4, position: 40, hash: null }]]);
    const plan = planAppends(
      [append('s', ['a'], 4), append('t', ['b', 'c'], 'no_stream'), append('s', ['d'], 5)],
      heads,
      new Map(),
    );
    expect(plan.rows.map((row) => [row.stream, row.version, row.id])).toEqual([
      ['s', 5, 'a'],
      ['t', 0, 'b'],
      ['t', 1, 'c'],
      ['s', 6, 'd'],
    ]);
    expect(plan.results).toEqual([
      { stream: 's', nextExpectedVersion: 5, duplicate: false, position: { row: 0 } },
      { stream: 't', nextExpectedVersion: 1, duplicate: false, position: { row: 2 } },
      { stream: 's', nextExpectedVersion: 6, duplicate: false, position: { row: 3 } },
    ]);
  });

  it('chains each row to the stored head hash, and later rows of a stream to the earlier ones of the call', () => {
    const head = 'a'.repeat(64);
    const heads = new Map<string, StreamHead>([['s', { version: 4, position: 40, hash: head }]]);
    const plan = planAppends(
      [append('s', ['a'], 4), append('t', ['b'], 'no_stream'), append('s', ['d'], 5)],
      heads,
      new Map(),
    );
    const [a, b, d] = plan.rows;
    expect(a!.hash).toBe(eventHash(head, a!));
    expect(b!.hash).toBe(eventHash(null, b!));
    expect(d!.hash).toBe(eventHash(a!.hash, d!));
  });

  it('takes a repeat of an earlier append of the same call as a duplicate of its rows', () => {
    const plan = planAppends(
      [append('s', ['a', 'b'], 'no_stream'), append('s', ['a', 'b'], 'no_stream'), append('s', ['b'], 'any')],
      new Map(),
      new Map(),
    );
    expect(plan.rows).toHaveLength(2);
    expect(plan.results.map((result) => [result.duplicate, result.nextExpectedVersion, result.position])).toEqual([
      [false, 1, { row: 1 }],
      [true, 1, { row: 1 }],
      [true, 1, { row: 1 }],
    ]);
  });

  it('tells a stored repeat, a partial match and a conflict apart, from the stored ids it was given', () => {
    const heads = new Map<string, StreamHead>([['s', { version: 2, position: 30, hash: null }]]);
    const stored = (rows: StoredId[]) => new Map([[0, rows]]);
    const repeat = append('s', ['b', 'c'], 0);
    expect(needsStoredIds(repeat, heads.get('s'))).toBe(true);
    expect(
      planAppends(
        [repeat],
        heads,
        stored([
          { id: 'b', version: 1, position: 20 },
          { id: 'c', version: 2, position: 30 },
        ]),
      ).results,
    ).toEqual([{ stream: 's', nextExpectedVersion: 2, duplicate: true, position: { stored: 30 } }]);
    expect(() => planAppends([repeat], heads, stored([{ id: 'b', version: 1, position: 20 }]))).toThrow(
      IdempotencyError,
    );
    expect(() => planAppends([repeat], heads, stored([]))).toThrow(ConcurrencyError);
    expect(() => planAppends([append('s', ['x'], 'any')], heads, new Map())).toThrow(/stored ids/);
  });

  it('an empty append only checks, and reports the head it found', () => {
    const heads = new Map<string, StreamHead>([['s', { version: 2, position: 30, hash: null }]]);
    expect(planAppends([append('s', [], 2), append('u', [], 'no_stream')], heads, new Map())).toEqual({
      rows: [],
      results: [
        { stream: 's', nextExpectedVersion: 2, duplicate: false, position: { stored: 30 } },
        { stream: 'u', nextExpectedVersion: -1, duplicate: false, position: { stored: 0 } },
      ],
    });
    expect(() => planAppends([append('s', [], 1)], heads, new Map())).toThrow(ConcurrencyError);
    expect(needsStoredIds(append('s', [], 1), heads.get('s'))).toBe(false);
  });
});
