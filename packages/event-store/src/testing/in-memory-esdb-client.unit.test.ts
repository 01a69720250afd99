import {
  ANY,
  BACKWARDS,
  END,
  NO_STREAM,
  START,
  STREAM_EXISTS,
  STREAM_STATE,
  WrongExpectedVersionError,
  type AllStreamResolvedEvent,
  type EventData,
  type Position,
} from '@kurrent/kurrentdb-client';
import { describe, expect, it } from 'vitest';
import { InMemoryEsdbServer } from './in-memory-esdb-client.js';

// What the fake must do like the server for the adapter's tests to mean anything.

const data = (n: number): EventData => ({
  id: crypto.randomUUID(),
  contentType: 'application/json',
  type: 'T',
  data: { n },
  metadata: undefined,
});

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('in-memory EventStoreDB fake', () => {
  it('checks expected revisions and recognises repeats like the server', async () => {
    const client = new InMemoryEsdbServer().connect();
    const events = [data(0), data(1)];
    const first = await client.appendToStream('s', events, { streamState: NO_STREAM });
    expect(first.nextExpectedRevision).toBe(1n);
    // Exact revision behind the head, same run of ids: success with the stored events, nothing written.
    expect(await client.appendToStream('s', events, { streamState: NO_STREAM })).toEqual(first);
    // `any`: recognised by the first id.
    expect(await client.appendToStream('s', events, { streamState: ANY })).toEqual(first);
    // Partial run: refused, with the current revision.
    const refused = await client
      .appendToStream('s', [events[0]!, data(9)], { streamState: ANY })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WrongExpectedVersionError);
    expect(refused).toMatchObject({ actualState: 1n });
    await expect(client.appendToStream('t', [data(0)], { streamState: STREAM_EXISTS })).rejects.toMatchObject({
      actualState: 'no_stream',
    });
    await expect(client.appendToStream('s', [data(3)], { streamState: 5n })).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    await expect(client.appendToStream('s', [{ ...data(3), id: 'not-a-uuid' }])).rejects.toThrow(/UUID/);
    expect((await all(client.readStream('s'))).map((e) => e.event?.revision)).toEqual([0n, 1n]);
  });

  it('positions events at byte offsets, each its own commit, and refuses reads from inside a record', async () => {
    const client = new InMemoryEsdbServer().connect();
    const { position } = await client.appendToStream('s', [data(0), data(1)]);
    const read = (await all(client.readAll({ fromPosition: START }))).map((e) => e.event!);
    expect(read[0]!.streamId).toBe('$epoch-information');
    const positions = read.map((e) => e.position);
    for (const p of positions) expect(p.commit).toBe(p.prepare);
    expect(positions.at(-1)).toEqual(position);
    expect(positions[2]!.commit - positions[1]!.commit).toBeGreaterThan(1n);
    // Forwards includes the start; backwards stops before it.
    expect((await all(client.readAll({ fromPosition: positions[1]! }))).map((e) => e.event!.position)).toEqual(
      positions.slice(1),
    );
    expect(
      (await all(client.readAll({ fromPosition: positions[2]!, direction: BACKWARDS }))).map((e) => e.event!.position),
    ).toEqual([positions[1], positions[0]]);
    expect(
      (await all(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }))).map(
        (e) => e.event!.position,
      ),
    ).toEqual([positions[2]]);
    await expect(
      all(client.readAll({ fromPosition: { commit: positions[2]!.commit - 1n, prepare: 0n } })),
    ).rejects.toThrow(/Invalid position/);
    await expect(all(client.readStream('missing'))).rejects.toMatchObject({ type: 'stream-not-found' });
  });

  it('subscribes after its start, filters, and sends checkpoints in order with the events', async () => {
    const server = new InMemoryEsdbServer();
    const client = server.connect();
    for (let i = 0; i < 40; i++) await client.appendToStream(i % 4 === 0 ? `a-${i}` : `b-${i}`, [data(i)]);
    const start = (await all(client.readAll({ fromPosition: START }))).map((e) => e.event!.position)[5]!;
    const items: (string | Position)[] = [];
    const subscription = client.subscribeToAll({
      fromPosition: start,
      filter: {
        filterOn: 'streamName',
        prefixes: ['a-'],
        checkpointInterval: 1,
        checkpointReached: (_s, position) => void items.push(position),
      },
    });
    for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
      items.push(resolved.event!.streamId);
      if (items.filter((item) => typeof item === 'string').length === 8) break;
    }
    await subscription.unsubscribe();
    // The record at the start (a-4, after the epoch record, a-0, b-1, b-2 and b-3) is excluded.
    expect(items.filter((item) => typeof item === 'string')).toEqual([
      'a-8',
      'a-12',
      'a-16',
      'a-20',
      'a-24',
      'a-28',
      'a-32',
      'a-36',
    ]);
    expect(items.some((item) => typeof item !== 'string')).toBe(true);
  });

  it('appendRecords writes every record or none, checks streams it does not write, and names every failing check', async () => {
    const server = new InMemoryEsdbServer();
    const client = server.connect();
    await client.appendToStream('read-only', [data(0)]);
    const records = [
      { streamName: 'a', record: data(1) },
      { streamName: 'b', record: data(2) },
      { streamName: 'a', record: data(3) },
    ];
    const checks = [
      { type: STREAM_STATE, streamName: 'read-only', expectedState: 0n },
      { type: STREAM_STATE, streamName: 'a', expectedState: NO_STREAM },
    ] as const;
    const written = await client.appendRecords(records, [...checks]);
    expect(written.responses).toEqual([
      { streamName: 'a', revision: 1n },
      { streamName: 'b', revision: 0n },
    ]);
    const log = (await all(client.readAll())).map((e) => e.event!);
    expect(log.slice(-3).map((e) => e.streamId)).toEqual(['a', 'b', 'a']);
    expect(written.position).toBe(log.at(-1)!.position.commit);

    // The same call again: a retry of a committed write, answered as a success; nothing written.
    expect(await client.appendRecords(records, [...checks])).toEqual(written);
    expect(await all(client.readAll())).toHaveLength(log.length);

    // A read-only stream moved: nothing at all is written, and every failing check is named.
    await client.appendToStream('read-only', [data(4)]);
    const refused = await client
      .appendRecords(
        [{ streamName: 'c', record: data(5) }],
        [
          { type: STREAM_STATE, streamName: 'read-only', expectedState: 0n },
          { type: STREAM_STATE, streamName: 'b', expectedState: NO_STREAM },
        ],
      )
      .catch((e: unknown) => e);
    expect(refused).toMatchObject({ type: 'append-consistency-violation' });
    expect((refused as { violations: unknown[] }).violations).toEqual([
      { checkIndex: 0, streamName: 'read-only', expectedState: 0n, actualState: 1n },
      { checkIndex: 1, streamName: 'b', expectedState: NO_STREAM, actualState: 0n },
    ]);
    await expect(all(client.readStream('c'))).rejects.toMatchObject({ type: 'stream-not-found' });
    await expect(
      client.appendRecords([{ streamName: 'c', record: { ...data(6), metadata: { n: 1 } as never } }]),
    ).rejects.toThrow(/string values/);
  });

  it('forgets ids for `any` idempotency: the oldest beyond its bound, all of them on a restart', async () => {
    const server = new InMemoryEsdbServer({ idCacheSize: 2 });
    const client = server.connect();
    const [first, second, third] = [data(0), data(1), data(2)];
    for (const event of [first, second, third]) await client.appendToStream('s', [event], { streamState: ANY });
    // `second` is still known: a repeat. `first` was forgotten: written again.
    expect((await client.appendToStream('s', [second], { streamState: ANY })).nextExpectedRevision).toBe(1n);
    expect((await client.appendToStream('s', [first], { streamState: ANY })).nextExpectedRevision).toBe(3n);
    server.restart();
    expect((await client.appendToStream('s', [third], { streamState: ANY })).nextExpectedRevision).toBe(4n);
    // An exact revision recognises a repeat by the stored run, whatever the cache holds.
    expect((await client.appendToStream('s', [second], { streamState: 0n })).nextExpectedRevision).toBe(1n);
  });
});
