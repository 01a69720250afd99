import { describe, expect, it } from 'vitest';
import { directHistory, type DirectSource, type PageReader, type Plan } from './direct-history.js';
import { emptyColumns, type HistoryPage } from './recorded-history.js';
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
