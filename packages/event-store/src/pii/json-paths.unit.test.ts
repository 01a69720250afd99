import { describe, expect, it } from 'vitest';
import type { Json } from '../event-store.port.js';
import { sealedCopy, slotsAt } from './json-paths.js';

const paths = ['customer.name', 'customer.phone', 'commands[].data.to', 'tags[]', 'missing.deep'];
const data = (): Json => ({
  customer: { id: 'c1', name: 'Marie', phone: '+33' },
  commands: [{ data: { to: 'a', keep: 1 } }, { data: { keep: 2 } }, { data: { to: 'b' } }],
  tags: ['x', 'y'],
  other: { untouched: true },
});

describe('sealed copies of JSON paths', () => {
  it('takes the values in the order slotsAt finds them, and slotsAt finds the placeholders in the same places', () => {
    const { data: sealed, values } = sealedCopy(data(), paths, '#');
    expect(values).toEqual(['Marie', '+33', 'a', 'b', 'x', 'y']);
    const slots = slotsAt(sealed, paths);
    expect(slots.map((slot) => slot.holder[slot.key])).toEqual(['#', '#', '#', '#', '#', '#']);
    expect(sealed).toEqual({
      customer: { id: 'c1', name: '#', phone: '#' },
      commands: [{ data: { to: '#', keep: 1 } }, { data: { keep: 2 } }, { data: { to: '#' } }],
      tags: ['#', '#'],
      other: { untouched: true },
    });
  });

  it('never changes the original, and shares the parts no path goes through', () => {
    const original = data();
    const before = JSON.stringify(original);
    const { data: sealed } = sealedCopy(original, paths, '#');
    expect(JSON.stringify(original)).toBe(before);
    expect((sealed as { other: unknown }).other).toBe((original as { other: unknown }).other);
  });

  it('copies each node once when paths share it, and still never changes the original', () => {
    const shared = ['evaluations[].conditions[].expected', 'evaluations[].conditions[].actual', 'tags[]', 'tags[].x'];
    const original: Json = {
      evaluations: [
        { rule: 'r1', conditions: [{ expected: 'e1', actual: 'a1', op: 'eq' }, { expected: 'e2' }] },
        { rule: 'r2', conditions: [{ actual: 'a3' }] },
      ],
      tags: [{ x: 1 }, 'plain'],
    };
    const before = JSON.stringify(original);
    const { data: sealed, values } = sealedCopy(original, shared, '#');
    expect(JSON.stringify(original)).toBe(before);
    // Every expected value first, then every actual value: the order slotsAt finds them in.
    expect(values).toEqual(['e1', 'e2', 'a1', 'a3', { x: 1 }, 'plain']);
    expect(sealed).toEqual({
      evaluations: [
        { rule: 'r1', conditions: [{ expected: '#', actual: '#', op: 'eq' }, { expected: '#' }] },
        { rule: 'r2', conditions: [{ actual: '#' }] },
      ],
      tags: ['#', '#'],
    });
    expect(slotsAt(sealed, shared).map((slot) => slot.holder[slot.key])).toEqual(['#', '#', '#', '#', '#', '#']);
  });

  it('leaves data without any of the paths as it is', () => {
    expect(sealedCopy({ a: 1 }, paths, '#')).toEqual({ data: { a: 1 }, values: [] });
    expect(sealedCopy('text', paths, '#')).toEqual({ data: 'text', values: [] });
  });
});
