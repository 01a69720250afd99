import { describe, expect, it } from 'vitest';
import { messageBytes, sizeLimitedGroups } from './size-limited-groups.js';

const message = (size: number, headers: Record<string, string> = {}) => ({
  key: 'k',
  value: Buffer.alloc(size),
  headers,
});

describe('dead letters are sent in groups the broker accepts', () => {
  it('keeps the order and puts no more than the limit in one group', () => {
    const messages = Array.from({ length: 10 }, (_, i) => message(300 + i));
    const groups = sizeLimitedGroups(messages, 1_000);
    expect(groups.flat()).toEqual(messages);
    for (const group of groups) expect(group.reduce((sum, m) => sum + messageBytes(m), 0)).toBeLessThanOrEqual(1_000);
    expect(groups.length).toBeGreaterThan(1);
  });

  it('counts headers (the dlq_* ones included), and sends a message bigger than the limit alone', () => {
    expect(messageBytes(message(10, { dlq_reasons: 'x'.repeat(500) }))).toBeGreaterThan(500);
    const groups = sizeLimitedGroups([message(10), message(5_000), message(10)], 1_000);
    expect(groups.map((g) => g.length)).toEqual([1, 1, 1]);
  });

  it('nothing to send: no group', () => {
    expect(sizeLimitedGroups([])).toEqual([]);
  });
});
