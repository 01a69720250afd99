import { describe, expect, it } from 'vitest';
import { newKeyId } from './pii-cipher.js';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('key ids', () => {
  it('are version-7 UUIDs that sort by creation time', () => {
    const earlier = newKeyId(new Date('2026-12-06T22:00:00.000Z'));
    const later = newKeyId(new Date('2026-12-06T22:00:00.001Z'));
    expect(earlier).toMatch(UUID_V7);
    expect(later).toMatch(UUID_V7);
    expect(earlier < later).toBe(true);
    // 2026-12-06T22:00:00.000Z is 0x01a24d5efb00 ms since 1970.
    expect(earlier.slice(0, 13)).toBe('01a24d5e-fb00');
  });

  it('differ when made in the same millisecond', () => {
    const now = new Date('2026-12-06T22:00:00.000Z');
    const ids = new Set(Array.from({ length: 1000 }, () => newKeyId(now)));
    expect(ids.size).toBe(1000);
  });
});
