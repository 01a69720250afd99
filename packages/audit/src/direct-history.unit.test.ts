import { describe, expect, it } from 'vitest';
import type { Json, PiiEventStore, RecordedEvent } from '@tickets/event-store';
import { directHistory, pageOfSealedRows, type DirectSource, type PageReader, type Plan } from './direct-history.js';
import { emptyColumns, type HistoryPage } from './recorded-history.js';
import type { EventRow } from './sqlite-stored.js';
import type { CustomerReach } from './what-if-reach.js';

const page = (lastPosition: number): HistoryPage => ({
  inbound: emptyColumns(),
  commands: [],
  skipped: [],
  outsideCommands: [],
  lastPosition,
});

/** A source whose reach is one customer and whose plan reads `pages` pages of one row; `reader` reads them. */
function sourceOf(pages: number, reader: PageReader): DirectSource {
  const reach: CustomerReach & { all: false } = { all: false, reason: 'one customer', customers: new Set(['c1']) };
  const plan: Plan = {
    positions: Float64Array.from({ length: pages }, (_, i) => i + 1),
    records: pages,
    skipped: new Float64Array(0),
    outsideCommands: new Float64Array(0),
  };
  return {
    head: pages,
    configurations: () => Promise.reject(new Error('not asked: findReach is given')),
    unnarrowable: () => Promise.resolve(null),
    index: () => Promise.resolve([]),
    findReach: () => Promise.resolve({ reach, plan }),
    everything: () => {
      throw new Error('not asked: the reach is narrowed');
    },
    pageReader: () => reader,
    pageRows: 1,
    close: () => Promise.resolve(),
  };
}

describe('a narrowed history read in pages', () => {
  it('hands the pages on in order, the next one asked for before this one is handed on', async () => {
    const asked: number[] = [];
    let closed = false;
    const history = directHistory(
      sourceOf(3, {
        read: (positions) => {
          asked.push(...positions);
          return Promise.resolve(page(positions.at(-1)!));
        },
        close: async () => {
          closed = true;
        },
      }),
    );
    const reach = await history.reach!({} as never, 1);
    const seen: { position: number; askedBefore: number }[] = [];
    for await (const next of history.pages(reach))
      seen.push({ position: next.lastPosition, askedBefore: asked.length });

    expect(seen).toEqual([
      { position: 1, askedBefore: 2 },
      { position: 2, askedBefore: 3 },
      { position: 3, askedBefore: 3 },
    ]);
    expect(closed).toBe(true);
  });

  it('a page that fails while the one before it is decided fails the read there, not the process', async () => {
    // Without a handler on the page asked ahead, its rejection while the caller decides the first page
    // would be unhandled: vitest fails the run on one, and a CLI process would end with it.
    const history = directHistory(
      sourceOf(2, {
        read: (positions) =>
          positions[0] === 1 ? Promise.resolve(page(1)) : Promise.reject(new Error('reader stopped')),
        close: () => Promise.resolve(),
      }),
    );
    const reach = await history.reach!({} as never, 1);
    const decided: number[] = [];
    const reading = (async () => {
      for await (const next of history.pages(reach)) {
        // Deciding takes a while: the failure of the page asked ahead lands meanwhile.
        await new Promise((resolve) => setTimeout(resolve, 20));
        decided.push(next.lastPosition);
      }
    })();

    await expect(reading).rejects.toThrow('reader stopped');
    expect(decided).toEqual([1]);
  });
});

describe('a sealed page opened through the codec', () => {
  // Inbound records and decisions as stored, their personal data marked as the codec leaves it; the
  // fake codec "opens" an event by putting the customer's text back, and notes each call's size.
  const rowOf = (position: number): EventRow => {
    const inbound = position % 2 === 1;
    const data = inbound
      ? { event: { subject: ` cus_${position} `, data: '[encrypted]' }, ticketId: `tk_${position}`, routing: 'new' }
      : { commands: [{ id: `cmd_${position}`, data: { body: '[encrypted]' } }] };
    return [
      position,
      inbound ? `inbound-in_${position}` : `ticket-tk_${position}`,
      0,
      `ev_${position}`,
      inbound ? 'InboundAccepted' : 'RulesEvaluated',
      '{}',
      JSON.stringify(data),
    ];
  };
  const rows = Array.from({ length: 9 }, (_, i) => rowOf(i + 1));
  const codec = (calls: number[]) =>
    ({
      openRecorded: (events: readonly RecordedEvent[]) => {
        calls.push(events.length);
        return Promise.resolve(
          events.map((event) => ({
            ...event,
            data: JSON.parse(JSON.stringify(event.data).replaceAll('[encrypted]', `text of ${event.id}`)) as Json,
          })),
        );
      },
    }) as unknown as PiiEventStore;

  it('opens the rows a slice at a time, and the page is the same whatever the slice', async () => {
    const calls: number[] = [];
    const sliced = await pageOfSealedRows(rows, codec(calls), { slice: 4 });
    expect(calls).toEqual([4, 4, 1]);
    const whole = await pageOfSealedRows(rows, codec([]), { slice: 100 });
    expect(sliced).toEqual(whole);
    expect(sliced.inbound.positions).toEqual([1, 3, 5, 7, 9]);
    expect(sliced.inbound.subjects[0]).toBe('cus_1');
    expect(sliced.inbound.records[0]).toEqual({
      event: { subject: ' cus_1 ', data: 'text of ev_1' },
      ticketId: 'tk_1',
      routing: 'new',
    });
    expect(sliced.commands.map((c) => c.position)).toEqual([2, 4, 6, 8]);
    expect(sliced.commands[0]!.commands).toEqual([{ id: 'cmd_2', data: { body: 'text of ev_2' } }]);
    expect(sliced.lastPosition).toBe(9);
    // A slice of less than one row is one row: the page still ends.
    const one: number[] = [];
    expect(await pageOfSealedRows(rows, codec(one), { slice: 0 })).toEqual(whole);
    expect(one).toEqual(Array.from({ length: 9 }, () => 1));
  });

  it('keeps the opened inbound records as JSON text for a page posted to another thread', async () => {
    const asObjects = await pageOfSealedRows(rows, codec([]));
    const asText = await pageOfSealedRows(rows, codec([]), { recordsAsText: true });
    expect(asText.inbound.records.every((record) => typeof record === 'string')).toBe(true);
    expect(asText.inbound.records.map((record) => JSON.parse(record as string) as unknown)).toEqual(
      asObjects.inbound.records,
    );
    expect(asText.commands).toEqual(asObjects.commands);
  });
});
