import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainCheck } from '../chain/chain-check.js';
import { eventHash, type ChainedEvent } from '../chain/event-hash.js';
import { ConcurrencyError, EventStoreError, IdempotencyError } from '../errors.js';
import type {
  AppendResult,
  EventStore,
  Json,
  NewEvent,
  ReadStreamOptions,
  RecordedEvent,
} from '../event-store.port.js';
import { retryOnConflict } from '../retry-on-conflict.js';

export interface EventStoreContractFixture {
  /** An empty store. */
  readonly store: EventStore;
  /** Opens a second, independent connection to the same store, for multi-writer tests. */
  readonly openAnother?: () => Promise<EventStore>;
  /** Closes the store and removes what it stored. */
  readonly cleanup: () => Promise<void>;
}

export type EventStoreContractFactory = () => Promise<EventStoreContractFixture>;

/** Long enough for slow CI machines and networked adapters, short enough to fail rather than hang. */
const DEADLINE_MS = 15_000;
/** Tests that wait on a subscription get past its deadline, so a failure shows as a diff, not a timeout. */
const WAITING_TEST_TIMEOUT_MS = DEADLINE_MS + 5_000;
const HEAVY_TEST_TIMEOUT_MS = 60_000;

let nameCounter = 0;
/** Names never shared between tests, so the store itself may be shared by the whole suite. */
const uniqueName = (label: string): string => `${label}${++nameCounter}x${Math.random().toString(36).slice(2, 8)}-`;

const newEvent = (id: string, data: Json = { id }, type = 'ThingHappened'): NewEvent => ({ id, type, data });
const newEvents = (prefix: string, count: number): NewEvent[] =>
  Array.from({ length: count }, (_, i) => newEvent(`${prefix}${i}`));

/** The error a promise rejects with; a fulfilment fails the test. */
async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the call to fail, but it succeeded');
}

const ids = (events: readonly RecordedEvent[]): string[] => events.map((event) => event.id);

function expectStrictlyIncreasingPositions(events: readonly RecordedEvent[]): void {
  for (let i = 1; i < events.length; i++) expect(events[i]!.position).toBeGreaterThan(events[i - 1]!.position);
}

/** Read → decide → append, again on conflict: what every command handler does. */
async function appendAtEnd(
  store: EventStore,
  stream: string,
  event: NewEvent,
  onRetry?: () => void,
): Promise<AppendResult> {
  return retryOnConflict(
    async () => {
      const [last] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
      return store.append(stream, [event], { expectedVersion: last === undefined ? 'no_stream' : last.version });
    },
    { maxAttempts: 200, ...(onRetry === undefined ? {} : { onRetry }) },
  );
}

/**
 * The behaviour every EventStore adapter must show. The factory is called once for the suite (tests
 * use their own streams and positions relative to the head), and again by the few tests that need an
 * empty or a closed store.
 */
export interface EventStoreContractCapabilities {
  /** The fixture offers `openAnother` (a second, independent connection): run the multi-connection tests. */
  readonly secondConnection: boolean;
}

export function describeEventStoreContract(
  name: string,
  factory: EventStoreContractFactory,
  capabilities: EventStoreContractCapabilities = { secondConnection: true },
): void {
  // Tests an adapter cannot run are not registered at all, rather than counted as skipped.
  const itWithSecondConnection = capabilities.secondConnection ? it : () => undefined;
  describe(`${name} (event store contract)`, () => {
    let fixture: EventStoreContractFixture;
    let store: EventStore;

    beforeAll(async () => {
      fixture = await factory();
      store = fixture.store;
    });
    afterAll(async () => {
      await fixture?.cleanup();
    });

    describe('append with an expected version', () => {
      it('no_stream creates the stream, then conflicts with a typed ConcurrencyError', async () => {
        const stream = uniqueName('ticket-');
        const first = await store.append(stream, [newEvent(`${stream}a`)], { expectedVersion: 'no_stream' });
        expect(first).toMatchObject({ stream, nextExpectedVersion: 0, duplicate: false });
        expect(first.position).toBeGreaterThan(0);

        const error = await rejectionOf(
          store.append(stream, [newEvent(`${stream}b`)], { expectedVersion: 'no_stream' }),
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({
          code: 'EVENT_STORE.CONCURRENCY',
          retriable: true,
          stream,
          expected: 'no_stream',
          actual: 0,
        });
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('an exact revision appends after it and conflicts when the stream has moved on', async () => {
        const stream = uniqueName('ticket-');
        expect(await store.append(stream, newEvents(stream, 2), { expectedVersion: 'no_stream' })).toMatchObject({
          nextExpectedVersion: 1,
        });
        expect(await store.append(stream, [newEvent(`${stream}c`)], { expectedVersion: 1 })).toMatchObject({
          nextExpectedVersion: 2,
        });

        const stale = await rejectionOf(store.append(stream, [newEvent(`${stream}d`)], { expectedVersion: 1 }));
        expect(stale).toBeInstanceOf(ConcurrencyError);
        expect(stale).toMatchObject({ stream, expected: '1', actual: 2 });

        const missing = await rejectionOf(
          store.append(uniqueName('ticket-'), [newEvent(`${stream}e`)], { expectedVersion: 0 }),
        );
        expect(missing).toMatchObject({ code: 'EVENT_STORE.CONCURRENCY', expected: '0', actual: -1 });
        expect(ids(await store.readStream(stream))).toEqual([`${stream}0`, `${stream}1`, `${stream}c`]);
      });

      it('stream_exists requires the stream to exist', async () => {
        const stream = uniqueName('ticket-');
        const error = await rejectionOf(
          store.append(stream, [newEvent(`${stream}a`)], { expectedVersion: 'stream_exists' }),
        );
        expect(error).toMatchObject({ code: 'EVENT_STORE.CONCURRENCY', stream, expected: 'stream_exists', actual: -1 });

        await store.append(stream, [newEvent(`${stream}a`)], { expectedVersion: 'no_stream' });
        expect(
          await store.append(stream, [newEvent(`${stream}b`)], { expectedVersion: 'stream_exists' }),
        ).toMatchObject({ nextExpectedVersion: 1 });
      });

      it('any (the default) appends whatever the stream holds', async () => {
        const stream = uniqueName('ticket-');
        expect(await store.append(stream, [newEvent(`${stream}a`)], { expectedVersion: 'any' })).toMatchObject({
          nextExpectedVersion: 0,
        });
        expect(await store.append(stream, [newEvent(`${stream}b`)])).toMatchObject({ nextExpectedVersion: 1 });
        expect(await store.append(stream, newEvents(stream, 2), { expectedVersion: 'any' })).toMatchObject({
          nextExpectedVersion: 3,
        });
      });

      it('an empty event list only checks the expected version', async () => {
        const stream = uniqueName('ticket-');
        const head = await store.headPosition();
        expect(await store.append(stream, [], { expectedVersion: 'no_stream' })).toMatchObject({
          nextExpectedVersion: -1,
          duplicate: false,
        });
        expect(await store.headPosition()).toBe(head);

        await store.append(stream, [newEvent(`${stream}a`)], { expectedVersion: 'no_stream' });
        expect(await store.append(stream, [], { expectedVersion: 0 })).toMatchObject({
          nextExpectedVersion: 0,
          duplicate: false,
        });
        expect(await rejectionOf(store.append(stream, [], { expectedVersion: 3 }))).toMatchObject({
          code: 'EVENT_STORE.CONCURRENCY',
          actual: 0,
        });
        expect(await store.readStream(stream)).toHaveLength(1);
      });

      it('records what was appended, with 0-based versions and the last position in the result', async () => {
        const stream = uniqueName('ticket-');
        const event: NewEvent = {
          id: `${stream}a`,
          type: 'TicketOpened',
          data: { subject: 'Printer jam', tags: ['hardware'], priority: 2, urgent: false, note: null },
          metadata: { correlationId: 'in-1', causationId: 'in-1', actor: 'ingest' },
        };
        const result = await store.append(stream, [event, newEvent(`${stream}b`)], { expectedVersion: 'no_stream' });
        const [first, second] = await store.readStream(stream);
        // Positions only increase: EventStoreDB's are log offsets, not consecutive numbers.
        expect(first).toEqual({ ...event, stream, version: 0, position: expect.any(Number) });
        expect(first!.position).toBeLessThan(result.position);
        expect(second).toEqual({
          id: `${stream}b`,
          type: 'ThingHappened',
          data: { id: `${stream}b` },
          metadata: {},
          stream,
          version: 1,
          position: result.position,
        });
      });
    });

    describe('appendMany', () => {
      it('appends to several streams in one call, with results in the order given', async () => {
        const [a, b, c] = [uniqueName('ticket-'), uniqueName('customer-'), uniqueName('inbound-')];
        const results = await store.appendMany([
          { stream: a, events: newEvents(a, 2), expectedVersion: 'no_stream' },
          { stream: b, events: [newEvent(`${b}0`)] },
          { stream: c, events: [newEvent(`${c}0`)], expectedVersion: 'no_stream' },
        ]);
        expect(results.map((r) => [r.stream, r.nextExpectedVersion, r.duplicate])).toEqual([
          [a, 1, false],
          [b, 0, false],
          [c, 0, false],
        ]);
        expect(results[1]!.position).toBeGreaterThan(results[0]!.position);
        expect(results[2]!.position).toBeGreaterThan(results[1]!.position);
        expect(ids(await store.readStream(a))).toEqual([`${a}0`, `${a}1`]);
      });

      it('writes nothing at all when one of its appends conflicts', async () => {
        const [fresh, existing] = [uniqueName('ticket-'), uniqueName('ticket-')];
        await store.append(existing, [newEvent(`${existing}0`)], { expectedVersion: 'no_stream' });
        const head = await store.headPosition();

        const error = await rejectionOf(
          store.appendMany([
            { stream: fresh, events: newEvents(fresh, 3), expectedVersion: 'no_stream' },
            { stream: existing, events: [newEvent(`${existing}1`)], expectedVersion: 'no_stream' },
          ]),
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ stream: existing, expected: 'no_stream', actual: 0 });
        expect(await store.readStream(fresh)).toEqual([]);
        expect(await store.readStream(existing)).toHaveLength(1);
        expect(await store.headPosition()).toBe(head);
      });

      it('writes nothing when a stream the call only checks (no events) has moved: a decision on stale state', async () => {
        const [fresh, read] = [uniqueName('ticket-'), uniqueName('customer-')];
        await store.append(read, [newEvent(`${read}0`)], { expectedVersion: 'no_stream' });
        await store.append(read, [newEvent(`${read}1`)], { expectedVersion: 0 });
        const head = await store.headPosition();

        const error = await rejectionOf(
          store.appendMany([
            { stream: fresh, events: newEvents(fresh, 2), expectedVersion: 'no_stream' },
            { stream: read, events: [], expectedVersion: 0 },
          ]),
        );
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ stream: read, expected: '0', actual: 1 });
        expect(await store.readStream(fresh)).toEqual([]);
        expect(await store.headPosition()).toBe(head);
      });

      it('lets later appends of the same call build on earlier ones to the same stream', async () => {
        const stream = uniqueName('ticket-');
        const results = await store.appendMany([
          { stream, events: [newEvent(`${stream}a`)], expectedVersion: 'no_stream' },
          { stream, events: [newEvent(`${stream}b`)], expectedVersion: 0 },
        ]);
        expect(results.map((r) => r.nextExpectedVersion)).toEqual([0, 1]);
        expect(ids(await store.readStream(stream))).toEqual([`${stream}a`, `${stream}b`]);
      });
    });

    describe('idempotency', () => {
      it('a repeated append writes nothing and reports duplicate, even after the stream moved on', async () => {
        const stream = uniqueName('inbound-');
        const events = newEvents(stream, 2);
        const original = await store.append(stream, events, { expectedVersion: 'no_stream' });
        const head = await store.headPosition();

        const again = await store.append(stream, events, { expectedVersion: 'no_stream' });
        expect(again).toEqual({ ...original, duplicate: true });
        expect(await store.headPosition()).toBe(head);

        const next = await store.append(stream, [newEvent(`${stream}c`)], { expectedVersion: 1 });
        expect(await store.append(stream, events, { expectedVersion: 'no_stream' })).toEqual({
          ...original,
          duplicate: true,
        });
        expect(await store.append(stream, events, { expectedVersion: 'any' })).toEqual({
          ...original,
          duplicate: true,
        });
        expect(await store.append(stream, [newEvent(`${stream}c`)], { expectedVersion: 1 })).toEqual({
          ...next,
          duplicate: true,
        });
        expect(await store.append(stream, [newEvent(`${stream}c`)], { expectedVersion: 'stream_exists' })).toEqual({
          ...next,
          duplicate: true,
        });
        expect(ids(await store.readStream(stream))).toEqual([`${stream}0`, `${stream}1`, `${stream}c`]);
      });

      it('a partial match of the stored ids is an IdempotencyError and writes nothing', async () => {
        const stream = uniqueName('ticket-');
        await store.append(stream, newEvents(stream, 2), { expectedVersion: 'no_stream' });
        const changed = [newEvent(`${stream}0`), newEvent(`${stream}other`)];

        const error = await rejectionOf(store.append(stream, changed, { expectedVersion: 'no_stream' }));
        expect(error).toBeInstanceOf(IdempotencyError);
        expect(error).toMatchObject({
          code: 'EVENT_STORE.IDEMPOTENCY',
          retriable: false,
          stream,
          eventId: `${stream}0`,
        });
        expect(await rejectionOf(store.append(stream, changed, { expectedVersion: 'any' }))).toBeInstanceOf(
          IdempotencyError,
        );
        const longer = [...newEvents(stream, 2), newEvent(`${stream}2`)];
        expect(await rejectionOf(store.append(stream, longer, { expectedVersion: 'no_stream' }))).toBeInstanceOf(
          IdempotencyError,
        );
        expect(ids(await store.readStream(stream))).toEqual([`${stream}0`, `${stream}1`]);
      });

      it('appendMany skips the duplicate appends and writes the others in the same commit', async () => {
        const [seen, fresh] = [uniqueName('inbound-'), uniqueName('inbound-')];
        const original = await store.append(seen, [newEvent(`${seen}0`)], { expectedVersion: 'no_stream' });
        const results = await store.appendMany([
          { stream: seen, events: [newEvent(`${seen}0`)], expectedVersion: 'no_stream' },
          { stream: fresh, events: [newEvent(`${fresh}0`)], expectedVersion: 'no_stream' },
        ]);
        expect(results[0]).toEqual({ ...original, duplicate: true });
        expect(results[1]).toMatchObject({ stream: fresh, nextExpectedVersion: 0, duplicate: false });
        expect(await store.readStream(seen)).toHaveLength(1);
        expect(ids(await store.readStream(fresh))).toEqual([`${fresh}0`]);
      });
    });

    describe('readStream', () => {
      it('reads forwards and backwards from a version, up to maxCount', async () => {
        const stream = uniqueName('ticket-');
        await store.append(stream, newEvents(stream, 6), { expectedVersion: 'no_stream' });
        const versions = (events: readonly RecordedEvent[]): number[] => events.map((e) => e.version);

        expect(versions(await store.readStream(stream))).toEqual([0, 1, 2, 3, 4, 5]);
        expect(versions(await store.readStream(stream, { fromVersion: 2, maxCount: 3 }))).toEqual([2, 3, 4]);
        expect(versions(await store.readStream(stream, { direction: 'backwards' }))).toEqual([5, 4, 3, 2, 1, 0]);
        expect(
          versions(await store.readStream(stream, { direction: 'backwards', fromVersion: 3, maxCount: 2 })),
        ).toEqual([3, 2]);
        expect(versions(await store.readStream(stream, { direction: 'backwards', maxCount: 1 }))).toEqual([5]);
        expect(await store.readStream(stream, { fromVersion: 6 })).toEqual([]);
        expect(await store.readStream(uniqueName('ticket-'))).toEqual([]);
      });
    });

    describe('readAll and headPosition', () => {
      it('reads every stream in global order from an exclusive position, page by page', async () => {
        const [a, b] = [uniqueName('ticket-'), uniqueName('customer-')];
        const start = await store.headPosition();
        const written: string[] = [];
        for (let i = 0; i < 6; i++) {
          for (const stream of [a, b]) {
            await store.append(stream, [newEvent(`${stream}${i}`)]);
            written.push(`${stream}${i}`);
          }
        }
        const pages: RecordedEvent[][] = [];
        for (let after = start; ;) {
          const page = await store.readAll({ after, maxCount: 5 });
          if (page.length === 0) break;
          expect(page.length).toBeLessThanOrEqual(5);
          pages.push(page);
          after = page.at(-1)!.position;
        }
        const all = pages.flat();
        expect(pages.map((page) => page.length)).toEqual([5, 5, 2]);
        expect(ids(all)).toEqual(written);
        expectStrictlyIncreasingPositions(all);
        expect(await store.headPosition()).toBe(all.at(-1)!.position);
        expect(await store.readAll({ after: await store.headPosition() })).toEqual([]);
      });

      it('keeps only the streams that start with one of the given prefixes', async () => {
        const prefix = uniqueName('p');
        const start = await store.headPosition();
        for (const kind of ['ticket', 'customer', 'inbound', 'ticket', 'inbound', 'customer']) {
          const stream = `${prefix}${kind}-1`;
          await store.append(stream, [newEvent(`${stream}${Math.random()}`)]);
        }
        const filtered = await store.readAll({
          after: start,
          streamPrefixes: [`${prefix}ticket-`, `${prefix}inbound-`],
        });
        expect(filtered.map((e) => e.stream)).toEqual([
          `${prefix}ticket-1`,
          `${prefix}inbound-1`,
          `${prefix}ticket-1`,
          `${prefix}inbound-1`,
        ]);
        expectStrictlyIncreasingPositions(filtered);
        const paged = await store.readAll({
          after: filtered[1]!.position,
          maxCount: 1,
          streamPrefixes: [`${prefix}ticket-`, `${prefix}inbound-`],
        });
        expect(paged).toEqual([filtered[2]]);
      });

      it('headPosition is 0 on an empty store, then the last committed position', async () => {
        const empty = await factory();
        try {
          expect(await empty.store.headPosition()).toBe(0);
          expect(await empty.store.readAll()).toEqual([]);
          const result = await empty.store.append('ticket-1', newEvents('e', 3));
          expect(await empty.store.headPosition()).toBe(result.position);
          const all = await empty.store.readAll();
          expect(ids(all)).toEqual(['e0', 'e1', 'e2']);
          expect(all[0]!.position).toBeGreaterThanOrEqual(1);
          expectStrictlyIncreasingPositions(all);
          expect(all[2]!.position).toBe(result.position);
        } finally {
          await empty.cleanup();
        }
      });
    });

    describe('hash chain', () => {
      /** Every chained event of the log after `after`, through `readChain`, page by page. */
      const chainAfter = async (on: EventStore, after: number): Promise<ChainedEvent[]> => {
        const all: ChainedEvent[] = [];
        for (let from = after; ;) {
          const page = await on.readChain({ after: from, maxCount: 7 });
          if (page.length === 0) return all;
          all.push(...page);
          from = page.at(-1)!.position;
        }
      };
      const checked = (events: readonly ChainedEvent[], prefix: string) => {
        const check = new ChainCheck();
        for (const event of events) if (event.stream.startsWith(prefix)) check.accept(event);
        return check.finish();
      };

      it('chains every event to the previous one of its stream, over its metadata and data as stored', async () => {
        const prefix = uniqueName('chain');
        const [a, b] = [`${prefix}ticket-1`, `${prefix}inbound-1`];
        const start = await store.headPosition();
        await store.append(a, [newEvent(`${a}0`, { text: 'é\n"x"', n: 1.5 }), newEvent(`${a}1`)], {
          expectedVersion: 'no_stream',
        });
        await store.appendMany([
          {
            stream: b,
            events: [
              { id: `${b}0`, type: 'Recorded', data: [1, null, { z: 1, a: 2 }], metadata: { correlationId: 'c' } },
            ],
            expectedVersion: 'no_stream',
          },
          { stream: a, events: [newEvent(`${a}2`)], expectedVersion: 1 },
          { stream: a, events: [newEvent(`${a}3`)] },
        ]);
        const chained = (await chainAfter(store, start)).filter((event) => event.stream.startsWith(prefix));
        expect(chained.map((event) => [event.stream, event.version])).toEqual([
          [a, 0],
          [a, 1],
          [b, 0],
          [a, 2],
          [a, 3],
        ]);
        const previous = new Map<string, string | null>();
        for (const event of chained) {
          expect(event.hash).toBe(eventHash(previous.get(event.stream) ?? null, event));
          previous.set(event.stream, event.hash);
        }
        // The texts are the events as read: what readAll hands over, before any decoding.
        const recorded = (await store.readAll({ after: start, streamPrefixes: [prefix] })).map((event) => [
          event.id,
          event.data,
          event.metadata,
        ]);
        expect(chained.map((event) => [event.id, JSON.parse(event.data), JSON.parse(event.metadata)])).toEqual(
          recorded,
        );
        const report = checked(chained, prefix);
        expect(report).toMatchObject({ ok: true, events: 5, streams: 2, unchained: 0, problemCount: 0 });
        expect(report.head.events).toBe(5);
        expect(report.head.position).toBe(chained.at(-1)!.position);
      });

      it('a repeated append adds nothing to the chain, and the stream goes on from its head', async () => {
        const stream = uniqueName('chain-ticket-');
        const start = await store.headPosition();
        const events = newEvents(stream, 2);
        await store.append(stream, events, { expectedVersion: 'no_stream' });
        await store.append(stream, events, { expectedVersion: 'no_stream' });
        await store.append(stream, events, { expectedVersion: 'any' });
        await store.append(stream, [newEvent(`${stream}c`)], { expectedVersion: 1 });
        await store.append(stream, [newEvent(`${stream}d`)]);
        const chained = (await chainAfter(store, start)).filter((event) => event.stream === stream);
        expect(chained.map((event) => event.version)).toEqual([0, 1, 2, 3]);
        expect(checked(chained, stream)).toMatchObject({ ok: true, problemCount: 0 });
      });

      it('writers racing on a few streams leave every chain whole', { timeout: HEAVY_TEST_TIMEOUT_MS }, async () => {
        const prefix = uniqueName('chainrace');
        const streams = Array.from({ length: 3 }, (_, i) => `${prefix}ticket-${i}`);
        const start = await store.headPosition();
        await Promise.all(
          Array.from({ length: 6 }, async (_, w) => {
            for (let i = 0; i < 8; i++)
              await appendAtEnd(store, streams[(w + i) % streams.length]!, newEvent(`${prefix}w${w}-${i}`));
          }),
        );
        const report = checked(await chainAfter(store, start), prefix);
        expect(report).toMatchObject({ ok: true, events: 48, streams: 3, problemCount: 0 });
      });

      it('an event that is not the hash of its content after its predecessor is named, with the head it changes', async () => {
        const stream = uniqueName('chain-ticket-');
        const start = await store.headPosition();
        await store.append(stream, newEvents(stream, 3), { expectedVersion: 'no_stream' });
        const chained = (await chainAfter(store, start)).filter((event) => event.stream === stream);
        const before = checked(chained, stream);
        // What a reader of an edited store would get: the middle event's data changed, its hash kept.
        const edited = chained.map((event, i) => (i === 1 ? { ...event, data: '{"id":"forged"}' } : event));
        const after = checked(edited, stream);
        expect(after.ok).toBe(false);
        expect(after.problems).toEqual([expect.objectContaining({ stream, version: 1, id: `${stream}1` })]);
        // The same edit with the hashes made again from it passes the chain, but not the published head.
        const rehashed: ChainedEvent[] = [];
        let previous: string | null = null;
        for (const event of edited) rehashed.push({ ...event, hash: (previous = eventHash(previous, event)) });
        const forged = new ChainCheck([{ events: before.head.events, hash: before.head.hash }]);
        for (const event of rehashed) forged.accept(event);
        expect(forged.finish()).toMatchObject({
          ok: false,
          problemCount: 0,
          proofs: [expect.objectContaining({ ok: false })],
        });
      });
    });

    describe('streamVersions', () => {
      it('gives the last revision of each existing stream and leaves out the others', async () => {
        const one = uniqueName('ticket-');
        const three = uniqueName('ticket-');
        const missing = uniqueName('ticket-');
        await store.append(one, newEvents(one, 1));
        await store.append(three, newEvents(three, 3));
        const versions = await store.streamVersions([one, missing, three]);
        expect(versions).toEqual(
          new Map([
            [one, 0],
            [three, 2],
          ]),
        );
        expect(await store.streamVersions([])).toEqual(new Map());
      });
    });

    describe('subscribeToAll', { timeout: WAITING_TEST_TIMEOUT_MS }, () => {
      it('catches up in batches, then follows live appends, in global order', async () => {
        const prefix = uniqueName('sub');
        const streams = [`${prefix}ticket-1`, `${prefix}ticket-2`, `${prefix}customer-1`];
        const start = await store.headPosition();
        const expected: string[] = [];
        const appendSome = async (count: number): Promise<void> => {
          for (let i = 0; i < count; i++) {
            const stream = streams[expected.length % streams.length]!;
            const id = `${stream}-${expected.length}`;
            expected.push(id);
            await store.append(stream, [newEvent(id)]);
          }
        };
        await appendSome(25);
        // Events of other tests' streams must not show through the filter.
        await store.append(uniqueName('ticket-'), [newEvent(uniqueName('noise'))]);

        const stop = new AbortController();
        const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(DEADLINE_MS)]);
        const seen: RecordedEvent[] = [];
        let live: Promise<void> | undefined;
        for await (const batch of store.subscribeToAll({
          after: start,
          streamPrefixes: [prefix],
          batchSize: 10,
          signal,
        })) {
          expect(batch.length).toBeGreaterThan(0);
          expect(batch.length).toBeLessThanOrEqual(10);
          seen.push(...batch);
          // Once caught up, append from outside the loop while the subscription waits.
          if (seen.length === 25) live = new Promise((resolve) => setTimeout(resolve, 20)).then(() => appendSome(7));
          if (seen.length >= 32) stop.abort();
        }
        await live;
        expect(ids(seen)).toEqual(expected);
        expectStrictlyIncreasingPositions(seen);
      });

      it('ends without error when its signal aborts while it waits', async () => {
        const stop = new AbortController();
        const began = Date.now();
        setTimeout(() => stop.abort(), 50);
        const batches: unknown[] = [];
        for await (const batch of store.subscribeToAll({
          after: await store.headPosition(),
          streamPrefixes: [uniqueName('none')],
          signal: stop.signal,
        })) {
          batches.push(batch);
        }
        expect(batches).toEqual([]);
        expect(Date.now() - began).toBeLessThan(DEADLINE_MS);
      });

      it('yields nothing when the signal is already aborted', async () => {
        await store.append(uniqueName('ticket-'), [newEvent(uniqueName('e'))]);
        const batches: unknown[] = [];
        for await (const batch of store.subscribeToAll({ signal: AbortSignal.abort() })) batches.push(batch);
        expect(batches).toEqual([]);
      });

      it('ends without error when the store closes', async () => {
        const own = await factory();
        try {
          await own.store.append('ticket-1', newEvents('e', 2));
          setTimeout(() => void own.store.close(), 50);
          const seen: RecordedEvent[] = [];
          const signal = AbortSignal.timeout(DEADLINE_MS);
          for await (const batch of own.store.subscribeToAll({ signal })) seen.push(...batch);
          expect(signal.aborted).toBe(false);
          expect(ids(seen)).toEqual(['e0', 'e1']);
        } finally {
          await own.cleanup();
        }
      });

      it('resumes from a saved checkpoint with no gap and no repeat', async () => {
        const prefix = uniqueName('resume');
        const start = await store.headPosition();
        const expected: string[] = [];
        const appendSome = async (count: number): Promise<void> => {
          for (let i = 0; i < count; i++) {
            const stream = `${prefix}ticket-${expected.length % 4}`;
            expected.push(`${stream}-${expected.length}`);
            await store.append(stream, [newEvent(expected.at(-1)!)]);
          }
        };
        await appendSome(10);

        // First run: handles two batches, saves its checkpoint after each, then stops.
        let checkpoint = start;
        const handled: string[] = [];
        let batchesHandled = 0;
        for await (const batch of store.subscribeToAll({
          after: checkpoint,
          streamPrefixes: [prefix],
          batchSize: 3,
          signal: AbortSignal.timeout(DEADLINE_MS),
        })) {
          handled.push(...ids(batch));
          checkpoint = batch.at(-1)!.position;
          if (++batchesHandled === 2) break;
        }
        expect(handled).toEqual(expected.slice(0, 6));

        await appendSome(5);
        const stop = new AbortController();
        const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(DEADLINE_MS)]);
        for await (const batch of store.subscribeToAll({
          after: checkpoint,
          streamPrefixes: [prefix],
          batchSize: 3,
          signal,
        })) {
          handled.push(...ids(batch));
          if (handled.length >= expected.length) stop.abort();
        }
        expect(handled).toEqual(expected);
      });

      itWithSecondConnection('sees appends made through another connection', async () => {
        const other = await openAnother(fixture);
        try {
          const prefix = uniqueName('other');
          const stop = new AbortController();
          const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(DEADLINE_MS)]);
          setTimeout(() => {
            void (async () => {
              for (let i = 0; i < 3; i++) await other.append(`${prefix}ticket-1`, [newEvent(`${prefix}${i}`)]);
            })();
          }, 20);
          const seen: RecordedEvent[] = [];
          for await (const batch of store.subscribeToAll({
            after: await store.headPosition(),
            streamPrefixes: [prefix],
            signal,
          })) {
            seen.push(...batch);
            if (seen.length >= 3) stop.abort();
          }
          expect(ids(seen)).toEqual([`${prefix}0`, `${prefix}1`, `${prefix}2`]);
        } finally {
          await other.close();
        }
      });
    });

    describe('sizes', () => {
      it('stores and reads back a 1 MiB event', async () => {
        const stream = uniqueName('ticket-');
        const data = { body: 'x'.repeat(1024 * 1024), lines: Array.from({ length: 100 }, (_, i) => `line ${i} é ✓`) };
        const { position } = await store.append(stream, [newEvent(`${stream}big`, data)], {
          expectedVersion: 'no_stream',
        });
        const [read] = await store.readStream(stream);
        expect(read?.data).toEqual(data);
        const [fromAll] = await store.readAll({ after: position - 1, maxCount: 1 });
        expect(fromAll?.id).toBe(`${stream}big`);
      });

      it(
        'holds a 10k-event stream',
        async () => {
          const stream = uniqueName('ticket-');
          for (let batch = 0; batch < 10; batch++) {
            const events = Array.from({ length: 1000 }, (_, i) =>
              newEvent(`${stream}${batch * 1000 + i}`, { n: batch * 1000 + i }),
            );
            await store.append(stream, events, { expectedVersion: batch === 0 ? 'no_stream' : batch * 1000 - 1 });
          }
          const all = await store.readStream(stream);
          expect(all).toHaveLength(10_000);
          expect(all.every((event, i) => event.version === i && event.id === `${stream}${i}`)).toBe(true);
          expectStrictlyIncreasingPositions(all);
          expect((await store.readStream(stream, { fromVersion: 9990 })).map((e) => e.version)).toEqual(
            Array.from({ length: 10 }, (_, i) => 9990 + i),
          );
          expect(
            (await store.readStream(stream, { direction: 'backwards', maxCount: 2 })).map((e) => e.version),
          ).toEqual([9999, 9998]);
          // `any` looks for a repeat by id: the search must hold up on a long stream.
          expect(await store.append(stream, [newEvent(`${stream}9999`)], { expectedVersion: 'any' })).toMatchObject({
            duplicate: true,
            nextExpectedVersion: 9999,
          });
          expect(await store.append(stream, [newEvent(`${stream}last`)], { expectedVersion: 'any' })).toMatchObject({
            duplicate: false,
            nextExpectedVersion: 10_000,
          });
        },
        HEAVY_TEST_TIMEOUT_MS,
      );
    });

    describe('concurrent writers', () => {
      it(
        'writers racing on one stream each land once, at versions 0..N-1',
        async () => {
          const stream = uniqueName('ticket-');
          const writers = 12;
          let retries = 0;
          await Promise.all(
            Array.from({ length: writers }, (_, w) =>
              appendAtEnd(store, stream, newEvent(`${stream}w${w}`), () => retries++),
            ),
          );
          const events = await store.readStream(stream);
          expect(events.map((e) => e.version)).toEqual(Array.from({ length: writers }, (_, i) => i));
          expect(new Set(ids(events))).toEqual(new Set(Array.from({ length: writers }, (_, w) => `${stream}w${w}`)));
          expect(retries).toBeGreaterThan(0);
        },
        HEAVY_TEST_TIMEOUT_MS,
      );

      it(
        'writers racing on many streams lose nothing and duplicate nothing',
        async () => {
          const prefix = uniqueName('many');
          const streams = Array.from({ length: 5 }, (_, i) => `${prefix}ticket-${i}`);
          const start = await store.headPosition();
          const writers = 8;
          const perWriter = 25;
          await Promise.all(
            Array.from({ length: writers }, async (_, w) => {
              for (let i = 0; i < perWriter; i++)
                await appendAtEnd(store, streams[(w + i) % streams.length]!, newEvent(`${prefix}w${w}-${i}`));
            }),
          );
          for (const stream of streams) {
            const events = await store.readStream(stream);
            expect(events.map((e) => e.version)).toEqual(Array.from({ length: events.length }, (_, i) => i));
          }
          const all: RecordedEvent[] = [];
          for (let after = start; ;) {
            const page = await store.readAll({ after, streamPrefixes: [prefix], maxCount: 100 });
            if (page.length === 0) break;
            all.push(...page);
            after = page.at(-1)!.position;
          }
          expect(all).toHaveLength(writers * perWriter);
          expect(new Set(ids(all)).size).toBe(writers * perWriter);
          expectStrictlyIncreasingPositions(all);
        },
        HEAVY_TEST_TIMEOUT_MS,
      );

      itWithSecondConnection(
        'two connections: the first append at a version wins, the other gets a ConcurrencyError',
        async () => {
          const other = await openAnother(fixture);
          try {
            const stream = uniqueName('ticket-');
            await store.append(stream, [newEvent(`${stream}0`)], { expectedVersion: 'no_stream' });
            const [mine] = await store.readStream(stream, { direction: 'backwards', maxCount: 1 });
            const [theirs] = await other.readStream(stream, { direction: 'backwards', maxCount: 1 });
            expect(theirs).toEqual(mine);

            await other.append(stream, [newEvent(`${stream}other`)], { expectedVersion: theirs!.version });
            const error = await rejectionOf(
              store.append(stream, [newEvent(`${stream}mine`)], { expectedVersion: mine!.version }),
            );
            expect(error).toBeInstanceOf(ConcurrencyError);
            expect(error).toMatchObject({ stream, expected: '0', actual: 1 });
            expect(ids(await store.readStream(stream))).toEqual([`${stream}0`, `${stream}other`]);
          } finally {
            await other.close();
          }
        },
      );

      itWithSecondConnection(
        'two connections appending to one stream concurrently: one wins per version, the other retries',
        async () => {
          const other = await openAnother(fixture);
          try {
            const stream = uniqueName('ticket-');
            const perWriter = 20;
            const run = async (writer: EventStore, name: string): Promise<void> => {
              for (let i = 0; i < perWriter; i++) await appendAtEnd(writer, stream, newEvent(`${stream}${name}${i}`));
            };
            await Promise.all([run(store, 'a'), run(other, 'b')]);
            for (const reader of [store, other]) {
              const events = await reader.readStream(stream);
              expect(events.map((e) => e.version)).toEqual(Array.from({ length: 2 * perWriter }, (_, i) => i));
              expect(new Set(ids(events)).size).toBe(2 * perWriter);
            }
          } finally {
            await other.close();
          }
        },
        HEAVY_TEST_TIMEOUT_MS,
      );
    });

    describe('arguments and lifecycle', () => {
      it('rejects an empty stream name, an event without id or type, and duplicate ids in one append', async () => {
        const stream = uniqueName('ticket-');
        const invalid = { code: 'EVENT_STORE.INVALID_ARGUMENT', retriable: false };
        expect(await rejectionOf(store.append('', [newEvent('a')]))).toMatchObject(invalid);
        expect(await rejectionOf(store.append(stream, [{ type: 'T', data: {} } as unknown as NewEvent]))).toMatchObject(
          invalid,
        );
        expect(await rejectionOf(store.append(stream, [{ id: 'a', type: '', data: {} }]))).toMatchObject(invalid);
        expect(await rejectionOf(store.append(stream, [newEvent('a'), newEvent('a')]))).toMatchObject(invalid);
        expect(await rejectionOf(store.appendMany([{ stream: '', events: [] }]))).toMatchObject(invalid);
        expect(await rejectionOf(store.append(stream, [newEvent('a')], { expectedVersion: -2 }))).toMatchObject(
          invalid,
        );
        expect(await rejectionOf(store.readStream(''))).toMatchObject(invalid);
        expect(await rejectionOf(store.readAll({ after: -1 }))).toMatchObject(invalid);
        expect(await store.readStream(stream)).toEqual([]);
      });

      it('rejects read options out of range, naming the option, whichever store it is', async () => {
        const stream = uniqueName('ticket-');
        await store.append(stream, [newEvent('a')]);
        const refusal = async (read: Promise<unknown>) => {
          const error = await rejectionOf(read);
          expect(error).toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT', retriable: false });
          return (error as Error).message;
        };
        const sideways = { direction: 'sideways' } as unknown as ReadStreamOptions;
        expect(await refusal(store.readStream(stream, sideways))).toMatch(/direction/);
        expect(await refusal(store.readStream(stream, { maxCount: -1 }))).toMatch(/maxCount/);
        expect(await refusal(store.readStream(stream, { fromVersion: 1.5 }))).toMatch(/fromVersion/);
        expect(await refusal(store.readAll({ maxCount: Number.NaN }))).toMatch(/maxCount/);
        expect(await refusal(store.readChain({ after: -1 }))).toMatch(/after/);
        // In range, the same reads answer.
        expect(await store.readStream(stream, { direction: 'backwards', maxCount: 0 })).toEqual([]);
        expect(await store.readStream(stream, { direction: 'forwards', fromVersion: 0 })).toHaveLength(1);
      });

      it('refuses every call once closed, and closing twice is harmless', async () => {
        const own = await factory();
        try {
          await own.store.close();
          await own.store.close();
          const closed = { code: 'EVENT_STORE.CLOSED' };
          expect(await rejectionOf(own.store.append('ticket-1', [newEvent('a')]))).toMatchObject(closed);
          expect(await rejectionOf(own.store.appendMany([]))).toMatchObject(closed);
          expect(await rejectionOf(own.store.readStream('ticket-1'))).toMatchObject(closed);
          expect(await rejectionOf(own.store.readAll())).toMatchObject(closed);
          expect(await rejectionOf(own.store.headPosition())).toMatchObject(closed);
          expect(await rejectionOf(own.store.append('ticket-1', []))).toBeInstanceOf(EventStoreError);
        } finally {
          await own.cleanup();
        }
      });
    });
  });
}

async function openAnother(fixture: EventStoreContractFixture): Promise<EventStore> {
  if (fixture.openAnother === undefined)
    throw new Error('the suite was told the adapter has a second connection, but the fixture has no openAnother');
  return fixture.openAnother();
}
