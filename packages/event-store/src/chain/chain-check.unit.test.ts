import { describe, expect, it } from 'vitest';
import { ChainCheck, HeadHash, headProof, mergeChainReports, parseHeadProof } from './chain-check.js';
import { chainHashes, type ChainedEvent } from './event-hash.js';

/** A log of chained events: per stream, the given ids in order, interleaved as listed. */
function log(entries: readonly [stream: string, id: string][], options: { unchained?: number } = {}): ChainedEvent[] {
  const versions = new Map<string, number>();
  const previous = new Map<string, string | null>();
  return entries.map(([stream, id], i) => {
    const version = (versions.get(stream) ?? -1) + 1;
    versions.set(stream, version);
    const content = { stream, version, id, type: 'T', metadata: '{}', data: JSON.stringify({ id }) };
    const legacy = i < (options.unchained ?? 0);
    const hash = legacy ? null : chainHashes(previous.get(stream) ?? null, [content])[0]!;
    previous.set(stream, hash);
    return { ...content, position: i + 1, hash };
  });
}

const check = (events: readonly ChainedEvent[], proofs = [] as { events: number; hash: string }[]) => {
  const chain = new ChainCheck(proofs);
  for (const event of events) chain.accept(event);
  return chain.finish();
};

const sample = log([
  ['ticket-1', 'a'],
  ['inbound-x', 'x'],
  ['ticket-1', 'b'],
  ['ticket-2', 'c'],
  ['ticket-1', 'd'],
]);

describe('ChainCheck', () => {
  it('passes an untouched log and gives the same head for the same log', () => {
    const report = check(sample);
    expect(report).toMatchObject({
      ok: true,
      events: 5,
      streams: 3,
      problemCount: 0,
      head: { events: 5, position: 5, unchained: 0 },
    });
    expect(check(log([['ticket-1', 'a']])).head.hash).not.toBe(report.head.hash);
    expect(check([...sample]).head).toEqual(report.head);
  });

  it('names an edited event once, and not the ones after it', () => {
    const edited = sample.map((event) => (event.id === 'b' ? { ...event, data: '{"id":"B"}' } : event));
    expect(check(edited).problems).toEqual([expect.objectContaining({ stream: 'ticket-1', version: 1, id: 'b' })]);
  });

  it('names a deleted event by the gap it leaves, and a deleted-and-renumbered one by its successor', () => {
    const deleted = sample.filter((event) => event.id !== 'b');
    expect(check(deleted).problems).toEqual([
      expect.objectContaining({
        stream: 'ticket-1',
        version: 2,
        message: expect.stringContaining('follows revision 0'),
      }),
    ]);
    const renumbered = deleted.map((event) => (event.id === 'd' ? { ...event, version: 1 } : event));
    expect(check(renumbered).problems).toEqual([expect.objectContaining({ stream: 'ticket-1', version: 1, id: 'd' })]);
  });

  it('names two events of a stream swapped, and a hash removed', () => {
    const [a, x, b, c, d] = sample;
    const swapped = check([a!, x!, { ...d!, version: 1 }, c!, { ...b!, version: 2 }]);
    expect(swapped.ok).toBe(false);
    expect(swapped.problems[0]).toMatchObject({ stream: 'ticket-1', version: 1, id: 'd' });
    expect(check(sample.map((event) => (event.id === 'd' ? { ...event, hash: null } : event))).problems).toEqual([
      expect.objectContaining({ id: 'd', message: expect.stringContaining('hash was removed') }),
    ]);
  });

  it('verifies a store written before the chain, saying how much of it is outside the chain', () => {
    const mixed = log(
      [
        ['ticket-1', 'a'],
        ['ticket-2', 'b'],
        ['ticket-1', 'c'],
        ['ticket-3', 'd'],
      ],
      { unchained: 2 },
    );
    expect(check(mixed)).toMatchObject({
      ok: true,
      unchained: 2,
      lastUnchainedPosition: 2,
      chainsStartingLate: 1,
      head: { events: 2, unchained: 2 },
    });
  });

  it('proves a published head while history up to it is unchanged, and fails once anything before it changed', () => {
    const published = check(sample.slice(0, 3)).head;
    expect(check(sample, [parseHeadProof(headProof(published))])).toMatchObject({ ok: true, proofs: [{ ok: true }] });
    // A whole stream deleted: every remaining chain is whole, but the published head is not reached again.
    const withoutInbound = log([
      ['ticket-1', 'a'],
      ['ticket-1', 'b'],
      ['ticket-2', 'c'],
      ['ticket-1', 'd'],
    ]);
    const report = check(withoutInbound, [published]);
    expect(report).toMatchObject({ ok: false, problemCount: 0, proofs: [{ ok: false }] });
    expect(check(sample.slice(0, 2), [published]).proofs).toEqual([
      { proof: { events: 3, hash: published.hash }, found: null, ok: false },
    ]);
  });

  it('refuses a malformed head to prove, naming the expected form', () => {
    expect(() => parseHeadProof('abc')).toThrow(/<events>:<sha-256 hex>/);
    expect(parseHeadProof(` 12:${'A'.repeat(64)} `)).toEqual({ events: 12, hash: 'a'.repeat(64) });
  });

  it('finds the same, split by stream and merged with the head of the whole log, as one pass over it', () => {
    const mixed = log(
      [
        ['ticket-1', 'a'],
        ['inbound-x', 'x'],
        ['ticket-1', 'b'],
        ['ticket-2', 'c'],
        ['inbound-y', 'y'],
        ['ticket-1', 'd'],
        ['ticket-2', 'e'],
      ],
      { unchained: 1 },
    );
    const published = check(mixed.slice(0, 4)).head;
    const tampered = mixed
      .map((event) => (event.id === 'e' ? { ...event, data: '{"id":"E"}' } : event))
      .filter((event) => event.id !== 'b');
    const whole = check(tampered, [published]);
    expect(whole.problemCount).toBe(2);
    const parts = [
      (e: ChainedEvent) => e.stream.startsWith('ticket-'),
      (e: ChainedEvent) => !e.stream.startsWith('ticket-'),
    ];
    const head = new HeadHash([published]);
    for (const event of tampered) head.accept(event.position, event.hash);
    expect(
      mergeChainReports(
        parts.map((part) => check(tampered.filter(part))),
        head,
      ),
    ).toEqual(whole);
  });
});
