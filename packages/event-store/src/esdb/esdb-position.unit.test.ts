import { START } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { checkpointPosition, eventPosition, readPositionAfter } from './esdb-position.js';

const at = (commit: bigint, prepare = commit) => ({ commit, prepare });

describe('positions', () => {
  it('numbers an event by twice its commit position: strictly increasing in log order', () => {
    expect(eventPosition(at(1n))).toBe(2);
    expect(eventPosition(at(4096n))).toBe(8192);
    // Some servers report the transaction start as prepare position on stream reads: only commit counts.
    expect(eventPosition(at(4096n, 1000n))).toBe(8192);
    const offsets = [120n, 250n, 251n, 9000n, 2n ** 40n];
    const numbers = offsets.map((offset) => eventPosition(at(offset))!);
    expect([...numbers].sort((a, b) => a - b)).toEqual(numbers);
    expect(new Set(numbers).size).toBe(offsets.length);
  });

  it('reports no position where the server sent none, and refuses offsets past 2^52', () => {
    expect(eventPosition(undefined)).toBeUndefined();
    expect(eventPosition(at(2n ** 64n - 1n))).toBeUndefined();
    const largest = BigInt(Math.floor(Number.MAX_SAFE_INTEGER / 2));
    expect(Number.isSafeInteger(eventPosition(at(largest)))).toBe(true);
    expect(() => eventPosition(at(largest + 1n))).toThrow(expect.objectContaining({ code: 'EVENT_STORE.UNAVAILABLE' }));
  });

  it('reads a checkpoint at an event as that event, and one at a page boundary as just before the record there', () => {
    expect(checkpointPosition(at(500n))).toBe(1000);
    expect(checkpointPosition(at(500n, 0n))).toBe(999);
    expect(checkpointPosition(at(0n, 0n))).toBe(0);
  });

  it('takes the (2^64-1, 2^64-1) checkpoint of servers 24.2 to 24.10.4 (KDB-710) for no position rather than failing', () => {
    expect(checkpointPosition(at(2n ** 64n - 1n))).toBeUndefined();
    expect(checkpointPosition(at(2n ** 64n - 1n, 0n))).toBeUndefined();
  });

  it('resumes after an event exactly at it, after a page boundary exactly at the record there', () => {
    expect(readPositionAfter(0)).toBe(START);
    // Even: just after the event at offset 500; reads include their start, subscriptions exclude it.
    expect(readPositionAfter(1000)).toEqual(at(500n));
    // Odd: just before the record at offset 500, whose position is 1000 > 999.
    expect(readPositionAfter(999)).toEqual(at(500n, 0n));
  });

  it('round-trips: after a checkpoint or `position - 1`, the read starts where the next position is', () => {
    for (const offset of [1n, 77n, 123_456n]) {
      const position = eventPosition(at(offset))!;
      expect(readPositionAfter(position - 1)).toEqual(at(offset, 0n));
      expect(readPositionAfter(checkpointPosition(at(offset, 0n))!)).toEqual(at(offset, 0n));
      expect(readPositionAfter(checkpointPosition(at(offset))!)).toEqual(at(offset));
    }
  });
});
