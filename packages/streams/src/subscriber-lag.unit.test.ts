import { describe, expect, it } from 'vitest';
import type { EventStore, ReadAllOptions, RecordedEvent } from '@tickets/event-store';
import { subscriberLag } from './subscriber-lag.js';

/** A store whose log holds `count` ticket events after position 0, two position units apart (as on KurrentDB). */
function storeOf(count: number): { store: EventStore; reads: ReadAllOptions[] } {
  const reads: ReadAllOptions[] = [];
  const events = Array.from({ length: count }, (_, i): RecordedEvent => ({
    id: `e${i}`,
    type: 'T',
    data: {},
    metadata: {},
    stream: 'ticket-1',
    version: i,
    position: 1000 + 2 * i,
  }));
  const store = {
    async readAll(options: ReadAllOptions = {}) {
      reads.push(options);
      return events.filter((e) => e.position > (options.after ?? 0)).slice(0, options.maxCount);
    },
    async headPosition() {
      return events.at(-1)?.position ?? 0;
    },
  } as unknown as EventStore;
  return { store, reads };
}

describe('subscriber lag', () => {
  it('counts the followed events after the checkpoint, in events, with one bounded read', async () => {
    const { store, reads } = storeOf(5);
    expect(
      await subscriberLag({ store, checkpoint: async () => 1002, streamPrefixes: ['ticket-'], exactUpTo: 10 })(),
    ).toBe(3);
    expect(reads).toEqual([{ after: 1002, maxCount: 11, streamPrefixes: ['ticket-'] }]);
  });

  it('reads a lag past the bound as the bound plus one, never as a gap in store positions', async () => {
    const { store, reads } = storeOf(50);
    expect(
      await subscriberLag({ store, checkpoint: async () => 0, streamPrefixes: ['ticket-'], exactUpTo: 10 })(),
    ).toBe(11);
    expect(reads).toHaveLength(1);
  });
});
