import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { jsonPieces, writeJson, writeJsonObject } from './json-output.js';

const whole = (value: unknown): string => [...jsonPieces(value)].join('');

const entry = (i: number) => ({
  version: i,
  time: new Date(Date.UTC(2026, 0, 1, 0, i)).toISOString(),
  event: { body: `message "${i}"\nwith a line break`, tags: [], nested: { empty: {}, list: [i, null] } },
  changes: i % 2 === 0 ? [] : [{ field: 'status', before: null, after: 'open' }],
  skipped: undefined,
});

describe('JSON output written in pieces', () => {
  it('prints the very bytes of JSON.stringify(value, null, 2) for a timeline of thousands of entries', () => {
    const timeline = {
      ticketId: 'tk_1',
      at: null,
      entries: Array.from({ length: 2_000 }, (_, i) => entry(i)),
      state: { status: 'open', when: new Date(0) },
      page: undefined,
    };
    expect(whole(timeline)).toBe(JSON.stringify(timeline, null, 2));
  });

  it('prints arrays at the edges of a slice, empty ones, holes and undefined elements as JSON.stringify does', () => {
    for (const length of [0, 1, 7, 8, 9, 16, 17, 255, 256, 257, 512, 513]) {
      const value = { list: Array.from({ length }, (_, i) => (i % 7 === 3 ? undefined : { i })), after: 'x' };
      expect(whole(value)).toBe(JSON.stringify(value, null, 2));
    }
    const sparse = { list: new Array(600), fn: () => 1, symbol: Symbol('s') };
    expect(whole(sparse)).toBe(JSON.stringify(sparse, null, 2));
  });

  it('walks plain objects at any depth, so a large list inside one is never serialised as one piece', () => {
    // The shape of a what-if report: lists of thousands of commands two and three levels down.
    const report = {
      summary: { events: 3, ratio: 0.5, skipped: undefined },
      commands: {
        added: Array.from({ length: 5_000 }, (_, i) => entry(i)),
        removed: [],
        changed: Array.from({ length: 3_000 }, (_, i) => ({
          before: entry(i),
          after: { deeper: { list: [entry(i)] } },
        })),
        nested: {
          again: { list: Array.from({ length: 20 }, (_, i) => ({ i, text: 'a\nb' })) },
          empty: {},
          gone: () => 1,
        },
      },
      tail: 'é',
    };
    const pieces = [...jsonPieces(report)];
    expect(pieces.join('')).toBe(JSON.stringify(report, null, 2));
    expect(Math.max(...pieces.map((piece) => piece.length))).toBeLessThan(20_000);
  });

  it('prints values other than plain objects whole, and nothing for undefined', () => {
    for (const value of [null, 1, 'text', [1, [2, 3]], {}, { a: undefined }, new Date(0), { toJSON: () => 'mine' }])
      expect(whole(value)).toBe(JSON.stringify(value, null, 2));
    expect(whole(undefined)).toBe('');
  });

  it('writes the document and a final newline, waiting for the stream when it is full', async () => {
    const out = new PassThrough({ highWaterMark: 16 });
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const value = { entries: Array.from({ length: 5_000 }, (_, i) => entry(i)) };
    await writeJson(out, value);
    expect(Buffer.concat(chunks).toString()).toBe(`${JSON.stringify(value, null, 2)}\n`);
  });

  it('writes the UTF-8 of any text, pieces larger than a write included, as writing the string would', async () => {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    const value = {
      entries: Array.from({ length: 3_000 }, (_, i) => ({ i, body: `é€😀 ${i} \ud800 lone` })),
      huge: '€'.repeat(700_000),
      after: 'ñ',
    };
    await writeJson(out, value);
    expect(Buffer.concat(chunks).equals(Buffer.from(`${JSON.stringify(value, null, 2)}\n`))).toBe(true);
  });
});

describe('a JSON object written while its array is produced page by page', () => {
  async function written(properties: Parameters<typeof writeJsonObject>[1]): Promise<string> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (chunk: Buffer) => chunks.push(chunk));
    await writeJsonObject(out, properties);
    return Buffer.concat(chunks).toString();
  }
  async function* pagesOf(...pages: unknown[][]): AsyncGenerator<unknown[]> {
    for (const page of pages) yield page;
  }

  it('prints what JSON.stringify(object, null, 2) prints for the whole object, pages of any size included', async () => {
    const all = Array.from({ length: 1_300 }, (_, i) => entry(i));
    const pages = [all.slice(0, 0), all.slice(0, 1), all.slice(1, 700), [], all.slice(700)];
    let folded = 0;
    async function* counted(): AsyncGenerator<unknown[]> {
      for (const page of pages) {
        folded += page.length;
        yield page;
      }
    }
    const text = await written([
      { key: 'ticketId', value: () => 'tk_1' },
      { key: 'at', value: () => null },
      { key: 'entries', pages: counted() },
      { key: 'skipped', value: () => undefined },
      { key: 'state', value: () => ({ folded }) },
    ]);
    const expected = { ticketId: 'tk_1', at: null, entries: all, state: { folded: 1_300 } };
    expect(text).toBe(`${JSON.stringify(expected, null, 2)}\n`);
  });

  it('prints an array with no elements as [] and an object with no properties as {}', async () => {
    expect(await written([{ key: 'entries', pages: pagesOf([], []) }])).toBe(
      `${JSON.stringify({ entries: [] }, null, 2)}\n`,
    );
    expect(await written([{ key: 'gone', value: () => undefined }])).toBe('{}\n');
  });
});
