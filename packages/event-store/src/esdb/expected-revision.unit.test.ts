import { ANY, NO_STREAM, STREAM_EXISTS } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { fromCurrentRevision, toExpectedRevision } from './expected-revision.js';

describe('expected revision mapping', () => {
  it('maps each expected version to the same check on the server', () => {
    expect(toExpectedRevision('no_stream')).toBe(NO_STREAM);
    expect(toExpectedRevision('stream_exists')).toBe(STREAM_EXISTS);
    expect(toExpectedRevision('any')).toBe(ANY);
    expect(toExpectedRevision(0)).toBe(0n);
    expect(toExpectedRevision(41)).toBe(41n);
    expect(toExpectedRevision(-1)).toBe(NO_STREAM);
    expect(toExpectedRevision(Number.MAX_SAFE_INTEGER)).toBe(9007199254740991n);
  });

  it('reads the revision the server reports back as our version, -1 for no stream', () => {
    expect(fromCurrentRevision(NO_STREAM)).toBe(-1);
    expect(fromCurrentRevision(0n)).toBe(0);
    expect(fromCurrentRevision(12n)).toBe(12);
  });
});
