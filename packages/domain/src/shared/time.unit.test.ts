import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { toMillis, toUtc } from './time.js';

// toMillis reads canonical times without Date's parser: it must agree with Date on every string.
const canonical = fc
  .date({ min: new Date('1000-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59.999Z'), noInvalidDate: true })
  .map((d) => d.toISOString());
const nearCanonical = fc
  .tuple(
    fc.integer({ min: 0, max: 9999 }),
    fc.integer({ min: 0, max: 13 }),
    fc.integer({ min: 0, max: 32 }),
    fc.integer({ min: 0, max: 25 }),
    fc.integer({ min: 0, max: 61 }),
    fc.integer({ min: 0, max: 61 }),
    fc.integer({ min: 0, max: 999 }),
  )
  .map(([y, mo, d, h, mi, s, ms]) => {
    const p = (n: number, w = 2) => String(n).padStart(w, '0');
    return `${p(y, 4)}-${p(mo)}-${p(d)}T${p(h)}:${p(mi)}:${p(s)}.${p(ms, 3)}Z`;
  });
const same = (a: number, b: number) => (Number.isNaN(a) ? Number.isNaN(b) : a === b);

describe('event times', () => {
  it('toMillis agrees with Date.parse on canonical, near-canonical and other times', () => {
    fc.assert(
      fc.property(fc.oneof(canonical, nearCanonical, fc.string(), fc.constant('2026-03-02T09:00:00+01:00')), (time) => {
        expect(same(toMillis(time), Date.parse(time))).toBe(true);
      }),
      { numRuns: 5_000 },
    );
  });

  it('toUtc gives what Date gives for valid times, leaving canonical ones as they are', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          canonical,
          fc.constantFrom('2026-03-02T09:00:00+01:00', '2026-02-29T23:00:00Z', '2026-03-02T09:00:00.5Z'),
        ),
        (time) => {
          expect(toUtc(time)).toBe(new Date(time).toISOString());
        },
      ),
      { numRuns: 2_000 },
    );
  });
});
