import { KurrentDBClient, UnavailableError, UnknownError } from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreError, IdempotencyError } from '../errors.js';
import type { NewEvent, RecordedEvent } from '../event-store.port.js';
import type { EventStoreDBClientLike } from './esdb-client.port.js';
import { createEsdbEventStore, type EsdbEventStore } from './esdb-event-store.js';
import { EVENT_ID_METADATA_KEY, eventTexts, toEventData } from './event-mapping.js';
import { eventUuid } from './event-uuid.js';
import { InMemoryEsdbServer } from '../testing/in-memory-esdb-client.js';

const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const DEADLINE_MS = 3000;

const event = (id: string, data: NewEvent['data'] = { id }): NewEvent => ({ id, type: 'ThingHappened', data });
const ids = (events: readonly RecordedEvent[]): string[] => events.map((e) => e.id);
const writes = (server: InMemoryEsdbServer): string[] =>
  server.calls
    .filter((call) => call.operation === 'appendToStream' || call.operation === 'appendRecords')
    .map((call) => call.operation);

function open(
  server = new InMemoryEsdbServer(),
  options: { namespace?: string; client?: EventStoreDBClientLike } = {},
): { server: InMemoryEsdbServer; store: EsdbEventStore } {
  const store = createEsdbEventStore({
    connectionString: 'esdb://in-memory',
    client: options.client ?? server.connect(),
    retry: FAST,
    reconnect: FAST,
    ...(options.namespace === undefined ? {} : { namespace: options.namespace }),
  });
  return { server, store };
}

/** Collects batches until `count` events arrived, then stops the subscription. */
async function collectEvents(
  store: EsdbEventStore,
  count: number,
  options: { after?: number; streamPrefixes?: string[]; batchSize?: number; onBatch?: (seen: number) => void } = {},
): Promise<{ events: RecordedEvent[]; batches: number[] }> {
  const stop = new AbortController();
  const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(DEADLINE_MS)]);
  const events: RecordedEvent[] = [];
  const batches: number[] = [];
  const { onBatch, ...subscribe } = options;
  for await (const batch of store.subscribeToAll({ ...subscribe, signal })) {
    events.push(...batch);
    batches.push(batch.length);
    onBatch?.(events.length);
    if (events.length >= count) stop.abort();
  }
  return { events, batches };
}

const expectIncreasing = (events: readonly RecordedEvent[]): void => {
  for (let i = 1; i < events.length; i++) expect(events[i]!.position).toBeGreaterThan(events[i - 1]!.position);
};

describe('EventStoreDB event store over the in-memory fake client', () => {
  describe('appends', () => {
    it('sends UUIDs derived from our ids and our id in the properties, in one appendRecords call', async () => {
      const { server, store } = open();
      await store.append('ticket-1', [event('in-1:0'), event('in-1:1')], { expectedVersion: 'no_stream' });
      const raw = [];
      for await (const { event: stored } of server.connect().readStream('ticket-1')) raw.push(stored!);
      expect(raw.map((e) => e.id)).toEqual([eventUuid('in-1:0'), eventUuid('in-1:1')]);
      expect(raw.map((e) => (e.metadata as Record<string, unknown>)[EVENT_ID_METADATA_KEY])).toEqual([
        'in-1:0',
        'in-1:1',
      ]);
      expect(ids(await store.readStream('ticket-1'))).toEqual(['in-1:0', 'in-1:1']);
      expect(writes(server)).toEqual(['appendRecords']);
    });

    it('a repeated append is reported as duplicate, by the check before writing or by the server', async () => {
      const { server, store } = open();
      const original = await store.append('inbound-1', [event('a'), event('b')], { expectedVersion: 'no_stream' });
      await store.append('inbound-1', [event('c')], { expectedVersion: 1 });
      const before = writes(server).length;

      // An exact revision behind the head: the stored run is read and compared; nothing is sent.
      expect(await store.append('inbound-1', [event('a'), event('b')], { expectedVersion: 'no_stream' })).toEqual({
        ...original,
        duplicate: true,
      });
      expect(writes(server)).toHaveLength(before);
      // `any`: the server recognises the first id (its recent-ids cache) and answers with the stored revision.
      expect(await store.append('inbound-1', [event('a'), event('b')], { expectedVersion: 'any' })).toEqual({
        ...original,
        duplicate: true,
      });
      expect(writes(server)).toHaveLength(before + 1);
      expect(ids(await store.readStream('inbound-1'))).toEqual(['a', 'b', 'c']);
    });

    it('retries a transient failure; a lost reply does not write the events twice and is no duplicate', async () => {
      const { server, store } = open();
      server.failNext('appendRecords', { afterEffect: true });
      const result = await store.append('ticket-1', [event('a')], { expectedVersion: 'no_stream' });
      expect(result).toMatchObject({ nextExpectedVersion: 0, duplicate: false });
      expect(ids(await store.readStream('ticket-1'))).toEqual(['a']);
      expect(writes(server)).toHaveLength(2);
    });

    it('retries an `any` append after a lost reply and a leader change with the exact revision: no duplicate though the server forgot the ids', async () => {
      const { server, store } = open();
      await store.append('customer-1', [event('c0')]);
      // The write happens, the reply is lost, and the node that answers next never saw the ids.
      const failover = new UnavailableError(undefined, '14 UNAVAILABLE: leader lost');
      for (const operation of ['appendRecords', 'appendToStream'] as const)
        server.failNext(operation, { afterEffect: true, error: failover, then: () => server.restart() });
      const result = await store.append('customer-1', [event('erased')], { expectedVersion: 'any' });
      expect(ids(await store.readStream('customer-1'))).toEqual(['c0', 'erased']);
      expect(result).toMatchObject({ nextExpectedVersion: 1, duplicate: false });
    });

    it('retries INTERNAL (13) and DATA_LOSS (15), which a node answers while it loses leadership', async () => {
      const { server, store } = open();
      // The shape older clients give them: an UnknownError carrying the gRPC code.
      const internal = Object.assign(new UnknownError(undefined, '13 INTERNAL: leader lost'), { code: 13 });
      const dataLoss = Object.assign(new UnknownError(undefined, '15 DATA_LOSS'), { code: 15 });
      server.failNext('appendRecords', { afterEffect: true, error: internal });
      server.failNext('readStream', { error: dataLoss });
      await store.append('ticket-1', [event('a')], { expectedVersion: 'no_stream' });
      expect(ids(await store.readStream('ticket-1'))).toEqual(['a']);
    });

    it('reports a lasting outage as a retriable UNAVAILABLE after the retry policy', async () => {
      const { server, store } = open();
      await store.headPosition();
      server.failNext('appendRecords', { times: FAST.maxAttempts });
      const error = await store.append('ticket-1', [event('a')]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreError);
      expect(error).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
      expect(await store.readStream('ticket-1')).toEqual([]);
    });

    it('another writer between the check and the write: the server refuses, the call is checked again', async () => {
      const server = new InMemoryEsdbServer();
      const { store } = open(server);
      await store.append('ticket-1', [event('a')], { expectedVersion: 'no_stream' });
      const theirs = (id: string) => toEventData(event(id), eventTexts('ticket-1', event(id)), 'f'.repeat(64));

      // Our decision was made at revision 0: a stale decision is the caller's ConcurrencyError.
      server.beforeNextWrite(() => void server.append('ticket-1', [theirs('theirs')], 0n));
      const conflict = await store.append('ticket-1', [event('mine')], { expectedVersion: 0 }).catch((e: unknown) => e);
      expect(conflict).toBeInstanceOf(ConcurrencyError);
      expect(conflict).toMatchObject({ stream: 'ticket-1', expected: '0', actual: 1 });

      // The other writer stores our exact events first: the server takes ours as a repeat and writes
      // nothing. Its answer is the one a lost reply's retry gets: known limitation, such a race is
      // reported as `duplicate: false`.
      server.beforeNextWrite(() => void server.append('ticket-1', [theirs('x'), theirs('y')], 1n));
      expect(await store.append('ticket-1', [event('x'), event('y')], { expectedVersion: 1 })).toMatchObject({
        nextExpectedVersion: 3,
        duplicate: false,
      });

      // `any`: nothing for the caller to decide again; written after the other writer's event.
      server.beforeNextWrite(() => void server.append('ticket-1', [theirs('z')], 3n));
      expect(await store.append('ticket-1', [event('p')], { expectedVersion: 'any' })).toMatchObject({
        nextExpectedVersion: 5,
        duplicate: false,
      });
      expect(ids(await store.readStream('ticket-1'))).toEqual(['a', 'theirs', 'x', 'y', 'z', 'p']);
    });

    it('an `any` append whose first event is stored and the others not is an IdempotencyError', async () => {
      const { store } = open();
      await store.append('ticket-1', [event('p')]);
      const partial = await store
        .append('ticket-1', [event('p'), event('q')], { expectedVersion: 'any' })
        .catch((e: unknown) => e);
      expect(partial).toBeInstanceOf(IdempotencyError);
      expect(partial).toMatchObject({ eventId: 'p' });
    });
  });

  describe('appendMany', () => {
    it('checks every stream, then writes everything in one atomic call that checks the read-only streams too', async () => {
      const { server, store } = open();
      await store.append('customer-1', [event('c0')]);
      await store.append('customer-2', [event('d0')]);
      server.calls.length = 0;
      const results = await store.appendMany([
        { stream: 'ticket-1', events: [event('t0')], expectedVersion: 'no_stream' },
        { stream: 'customer-2', events: [], expectedVersion: 0 },
        { stream: 'customer-1', events: [], expectedVersion: 0 },
        { stream: 'customer-1', events: [event('c1')], expectedVersion: 0 },
        { stream: 'inbound-1', events: [event('i0')], expectedVersion: 'no_stream' },
      ]);
      expect(writes(server)).toEqual(['appendRecords']);
      expect(results.map((r) => [r.stream, r.nextExpectedVersion, r.duplicate])).toEqual([
        ['ticket-1', 0, false],
        ['customer-2', 0, false],
        ['customer-1', 0, false],
        ['customer-1', 1, false],
        ['inbound-1', 0, false],
      ]);
      expect(results[4]!.position).toBeGreaterThan(results[3]!.position);
      expect(results[3]!.position).toBeGreaterThan(results[0]!.position);
      const all = await store.readAll();
      expect(results[0]!.position).toBe(all.find((e) => e.id === 't0')!.position);
      expect(results[3]!.position).toBe(all.find((e) => e.id === 'c1')!.position);
      expect(results[1]!.position).toBe(all.find((e) => e.id === 'd0')!.position);
    });

    it('writes nothing when the check finds a conflict, even in the last append', async () => {
      const { server, store } = open();
      await store.append('inbound-1', [event('i0')]);
      const head = await store.headPosition();
      const before = writes(server).length;
      const error = await store
        .appendMany([
          { stream: 'ticket-1', events: [event('t0')], expectedVersion: 'no_stream' },
          { stream: 'inbound-1', events: [], expectedVersion: 'no_stream' },
        ])
        .catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'EVENT_STORE.CONCURRENCY', stream: 'inbound-1', actual: 0 });
      expect(await store.headPosition()).toBe(head);
      expect(writes(server)).toHaveLength(before);
    });

    it('is atomic: a stream read but not written that another writer moved before the write stops every append', async () => {
      const server = new InMemoryEsdbServer();
      const { store } = open(server);
      await store.append('customer-1', [event('c0')]);
      const head = await store.headPosition();
      // The decision read customer-1 at revision 0; the rule reactor appends to it before the commit.
      server.beforeNextWrite(
        () =>
          void server.append(
            'customer-1',
            [{ id: crypto.randomUUID(), contentType: 'application/json', type: 'T', data: {}, metadata: undefined }],
            0n,
          ),
      );
      const error = await store
        .appendMany([
          { stream: 'ticket-1', events: [event('t0'), event('t1')], expectedVersion: 'no_stream' },
          { stream: 'customer-1', events: [], expectedVersion: 0 },
          { stream: 'inbound-1', events: [event('i0')], expectedVersion: 'no_stream' },
        ])
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ stream: 'customer-1', expected: '0', actual: 1 });
      expect(await store.readStream('ticket-1')).toEqual([]);
      expect(await store.readStream('inbound-1')).toEqual([]);
      expect((await store.readAll({ after: head })).map((e) => e.stream)).toEqual(['customer-1']);
    });

    it('a lasting outage writes nothing at all; repeating the call writes everything once', async () => {
      const { server, store } = open();
      const appends = [
        { stream: 'ticket-1', events: [event('t0'), event('t1')], expectedVersion: 'no_stream' as const },
        { stream: 'customer-1', events: [event('c0')], expectedVersion: 'no_stream' as const },
        { stream: 'inbound-1', events: [event('i0')], expectedVersion: 'no_stream' as const },
      ];
      await store.headPosition();
      server.failNext('appendRecords', { times: FAST.maxAttempts });
      await expect(store.appendMany(appends)).rejects.toMatchObject({
        code: 'EVENT_STORE.UNAVAILABLE',
        retriable: true,
      });
      expect(await store.readAll()).toEqual([]);

      const results = await store.appendMany(appends);
      expect(results.map((r) => r.duplicate)).toEqual([false, false, false]);
      expect(ids(await store.readAll())).toEqual(['t0', 't1', 'c0', 'i0']);
      expect((await store.appendMany(appends)).map((r) => r.duplicate)).toEqual([true, true, true]);
    });

    it('compares a repeat against appends of the same call once they are written', async () => {
      const { store } = open();
      const results = await store.appendMany([
        { stream: 'ticket-1', events: [event('a')], expectedVersion: 'no_stream' },
        { stream: 'ticket-1', events: [event('a')], expectedVersion: 'no_stream' },
      ]);
      expect(results.map((r) => r.duplicate)).toEqual([false, true]);
      expect(results[1]).toEqual({ ...results[0], duplicate: true });
      await expect(
        store.appendMany([
          { stream: 'ticket-2', events: [event('b')], expectedVersion: 'no_stream' },
          { stream: 'ticket-2', events: [event('c')], expectedVersion: 'no_stream' },
        ]),
      ).rejects.toBeInstanceOf(ConcurrencyError);
    });
  });

  describe('server versions', () => {
    it('refuses, on first use, a server older than 26.1, naming its version and the minimum', async () => {
      for (const version of ['22.10.3', '23.6.0', '24.10.4', '25.1.4', '26.0.3', 'unknown']) {
        const { store } = open(new InMemoryEsdbServer({ version }));
        const error = await store.headPosition().catch((e: unknown) => e);
        expect(error).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: false });
        expect((error as Error).message).toContain(`KurrentDB ${version}`);
        expect((error as Error).message).toContain('26.1.0 or later');
        await expect(collectEvents(store, 1)).rejects.toMatchObject({
          code: 'EVENT_STORE.UNAVAILABLE',
          retriable: false,
        });
      }
      for (const version of ['26.1.0', '26.2.0-alpha.1', '27.0.0']) {
        const { store } = open(new InMemoryEsdbServer({ version }));
        expect(await store.headPosition()).toBe(0);
      }
    });
  });

  describe('reads', () => {
    it('retries transient read failures within the policy, then reports a retriable UNAVAILABLE', async () => {
      const { server, store } = open();
      await store.append('ticket-1', [event('a')]);
      server.failNext('readStream', { times: FAST.maxAttempts - 1 });
      expect(ids(await store.readStream('ticket-1'))).toEqual(['a']);
      server.failNext('readAll', { times: FAST.maxAttempts });
      await expect(store.readAll()).rejects.toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
      server.failNext('readStream', { error: new UnknownError(undefined, 'boom') });
      await expect(store.streamVersions(['ticket-1'])).rejects.toThrow('boom');
    });

    it('leaves out system streams, checkpoint streams and other namespaces', async () => {
      const server = new InMemoryEsdbServer();
      const mine = open(server, { namespace: 'a_' }).store;
      const theirs = open(server, { namespace: 'b_' }).store;
      expect(await mine.headPosition()).toBe(0);
      await mine.append('ticket-1', [event('m0')]);
      await theirs.append('ticket-1', [event('t0')]);
      server.writeSystemEvent('$stats-node', '$statsCollected');
      await mine.append('customer-1', [event('m1')]);
      server.writeSystemEvent('$stats-node', '$statsCollected');
      await theirs.append('ticket-2', [event('t1')]);

      const all = await mine.readAll();
      expect(all.map((e) => [e.stream, e.id])).toEqual([
        ['ticket-1', 'm0'],
        ['customer-1', 'm1'],
      ]);
      expect(await mine.headPosition()).toBe(all[1]!.position);
      expect(ids(await mine.readAll({ streamPrefixes: ['customer-'] }))).toEqual(['m1']);
      expect(ids(await theirs.readAll())).toEqual(['t0', 't1']);
      expect(await mine.streamVersions(['ticket-1', 'ticket-2'])).toEqual(new Map([['ticket-1', 0]]));
    });

    it('reads from `after` exclusively, also from one before an event, and pages past many other events', async () => {
      const { server, store } = open();
      for (let i = 0; i < 300; i++) await store.append(`customer-${i}`, [event(`noise${i}`)]);
      const { position } = await store.append('ticket-1', [event('wanted')]);
      for (let i = 0; i < 10; i++) server.writeSystemEvent('$stats-node', '$statsCollected');
      expect(ids(await store.readAll({ after: position - 1, maxCount: 1 }))).toEqual(['wanted']);
      expect(await store.readAll({ after: position })).toEqual([]);
      expect(ids(await store.readAll({ streamPrefixes: ['ticket-'] }))).toEqual(['wanted']);
      const paged: RecordedEvent[] = [];
      for (let after = 0; ;) {
        const page = await store.readAll({ after, maxCount: 64 });
        if (page.length === 0) break;
        paged.push(...page);
        after = page.at(-1)!.position;
      }
      expect(paged).toHaveLength(301);
      expectIncreasing(paged);
    });

    it('lets the server filter: the head and a page of one category are one read each, past thousands of other events', async () => {
      const server = new InMemoryEsdbServer();
      const { store } = open(server, { namespace: 'a_' });
      const other = open(server, { namespace: 'b_' }).store;
      await store.append('ticket-1', [event('t0')]);
      for (let i = 0; i < 3000; i++) server.writeSystemEvent('$stats-node', '$statsCollected');
      await other.append('ticket-1', [event('theirs')]);
      const reads = (): number => server.calls.filter((call) => call.operation === 'readAll').length;
      const before = reads();
      const head = await store.headPosition();
      expect(ids(await store.readAll({ streamPrefixes: ['ticket-'] }))).toEqual(['t0']);
      expect(reads() - before).toBe(2);
      expect(head).toBe((await store.readStream('ticket-1'))[0]!.position);
    });

    it('refuses to read from an offset inside a record, as the server does', async () => {
      const { store } = open();
      const { position } = await store.append('ticket-1', [event('a')]);
      await expect(store.readAll({ after: position - 3 })).rejects.toThrow(/Invalid position/);
    });
  });

  describe('subscribeToAll', () => {
    it('resubscribes after a dropped subscription from the last position: no gap, no repeat', async () => {
      const { server, store } = open();
      const expected: string[] = [];
      const appendSome = async (count: number): Promise<void> => {
        for (let i = 0; i < count; i++) {
          expected.push(`e${expected.length}`);
          await store.append(`ticket-${expected.length % 3}`, [event(expected.at(-1)!)]);
        }
      };
      await appendSome(20);
      let dropped = 0;
      const { events } = await collectEvents(store, 40, {
        batchSize: 7,
        onBatch: (seen) => {
          // Drop twice: once while catching up, once while live, with appends in between.
          if ((seen >= 7 && dropped === 0) || (seen >= 20 && dropped === 1)) {
            dropped++;
            server.dropSubscriptions();
            void appendSome(10);
          }
        },
      });
      expect(dropped).toBe(2);
      expect(ids(events)).toEqual(expected);
      expectIncreasing(events);
      expect(server.calls.filter((call) => call.operation === 'subscribeToAll')).toHaveLength(3);
      expect(server.openSubscriptions).toBe(0);
    });

    it('survives the (2^64-1) checkpoint that servers 24.2 to 24.10.4 send a filtered subscription from the start (KDB-710)', async () => {
      const { store } = open(new InMemoryEsdbServer({ maxPositionCheckpoint: true }));
      // A fresh database: the follower subscribes before anything is written.
      const following = collectEvents(store, 1, { streamPrefixes: ['ticket-'] });
      await new Promise((resolve) => setTimeout(resolve, 50));
      await store.append('ticket-1', [event('t0')]);
      expect(ids((await following).events)).toEqual(['t0']);
    });

    it('hands over the event a going-live checkpoint named before sending it (servers 22.6 to 22.10.3, 23.6)', async () => {
      const { store } = open(new InMemoryEsdbServer({ earlyLiveCheckpoint: true }));
      for (let i = 0; i < 3; i++) await store.append(`ticket-${i}`, [event(`t${i}`)]);
      const checkpoints: number[] = [];
      const stop = new AbortController();
      const seen: RecordedEvent[] = [];
      const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(DEADLINE_MS)]);
      for await (const batch of store.subscribeToAll({
        streamPrefixes: ['ticket-'],
        signal,
        onCheckpoint: (position) => void checkpoints.push(position),
      })) {
        seen.push(...batch);
        if (seen.length >= 3) stop.abort();
      }
      expect(ids(seen)).toEqual(['t0', 't1', 't2']);
      expect(checkpoints).toEqual([seen[2]!.position]);
    });

    it('gives up with a retriable UNAVAILABLE when resubscribing keeps failing', async () => {
      const { server, store } = open();
      server.failNext('subscribeToAll', { times: FAST.maxAttempts });
      const error = await collectEvents(store, 1).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
    });

    it('ends with any other failure as it is', async () => {
      const { server, store } = open();
      await store.append('ticket-1', [event('a')]);
      server.failNext('subscribeToAll', { error: new UnknownError(undefined, 'boom') });
      await expect(collectEvents(store, 1)).rejects.toThrow('boom');
    });

    it('hands over checkpoints through long stretches of filtered-out events; resuming from one skips nothing', async () => {
      const { store } = open();
      for (let i = 0; i < 100; i++) await store.append(`customer-${i}`, [event(`c${i}`)]);
      const head = await store.headPosition();
      const checkpoints: number[] = [];
      const stop = new AbortController();
      const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(DEADLINE_MS)]);
      const batches: unknown[] = [];
      for await (const batch of store.subscribeToAll({
        streamPrefixes: ['ticket-'],
        signal,
        onCheckpoint: (position) => {
          checkpoints.push(position);
          // Caught up: the subscription has passed every customer event.
          if (position >= head) stop.abort();
        },
      })) {
        batches.push(batch);
      }
      expect(stop.signal.aborted).toBe(true);
      expect(batches).toEqual([]);
      expect([...checkpoints].sort((a, b) => a - b)).toEqual(checkpoints);
      const last = checkpoints.at(-1)!;
      await store.append('ticket-1', [event('t0')]);
      const { events } = await collectEvents(store, 1, { after: last, streamPrefixes: ['ticket-'] });
      expect(ids(events)).toEqual(['t0']);
      expect(ids(await store.readAll({ after: last }))).toEqual(['t0']);
    });

    it('hands over a checkpoint only once the events before it were handed over', async () => {
      const { store } = open();
      const expected: string[] = [];
      for (let i = 0; i < 200; i++) {
        const stream = i % 10 === 0 ? `ticket-${i}` : `customer-${i}`;
        await store.append(stream, [event(`e${i}`)]);
        if (stream.startsWith('ticket-')) expected.push(`e${i}`);
      }
      const head = await store.headPosition();
      const handed: { kind: 'batch' | 'checkpoint'; position: number }[] = [];
      const stop = new AbortController();
      const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(DEADLINE_MS)]);
      const seen: RecordedEvent[] = [];
      for await (const batch of store.subscribeToAll({
        streamPrefixes: ['ticket-'],
        batchSize: 3,
        signal,
        onCheckpoint: (position) => {
          handed.push({ kind: 'checkpoint', position });
          if (position >= head) stop.abort();
        },
      })) {
        seen.push(...batch);
        handed.push({ kind: 'batch', position: batch.at(-1)!.position });
        // A slow subscriber: checkpoints arrive while batches wait.
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
      expect(ids(seen)).toEqual(expected);
      // Whatever was handed over, in the order handed over, only moves forward.
      const positions = handed.map((h) => h.position);
      expect([...positions].sort((a, b) => a - b)).toEqual(positions);
      expect(handed.some((h) => h.kind === 'checkpoint')).toBe(true);
    });

    it('validates its options and ends at once when the store closes', async () => {
      const { server, store } = open();
      await expect(collectEvents(store, 1, { batchSize: 0 })).rejects.toMatchObject({
        code: 'EVENT_STORE.INVALID_ARGUMENT',
      });
      setTimeout(() => void store.close(), 30);
      const { events } = await collectEvents(store, 1);
      expect(events).toEqual([]);
      expect(server.openSubscriptions).toBe(0);
    });
  });

  describe('lifecycle', () => {
    it('leaves a client it was given open, and disposes one it opened', async () => {
      const server = new InMemoryEsdbServer();
      const client = server.connect();
      const { store } = open(server, { client });
      await store.close();
      expect(store.closed).toBe(true);
      expect(client.disposed).toBe(false);
      await expect(store.readAll()).rejects.toMatchObject({ code: 'EVENT_STORE.CLOSED' });

      // Opening a real client does not connect; closing disposes it.
      const owned = createEsdbEventStore({ connectionString: 'kurrentdb://127.0.0.1:1?tls=false' });
      await owned.close();
      expect(owned.closed).toBe(true);
    });

    it('the real client satisfies the narrow interface as it is', () => {
      // Compile-time: this assignment fails the typecheck if the client's signatures drift.
      const asPort = (client: KurrentDBClient): EventStoreDBClientLike => client;
      expect(typeof asPort).toBe('function');
    });
  });
});
