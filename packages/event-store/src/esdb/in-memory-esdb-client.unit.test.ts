import { ANY, BACKWARDS, END, NO_STREAM, START, STREAM_EXISTS, WrongExpectedVersionError, type AllStreamResolvedEvent, type EventData, type Position } from '@eventstore/db-client';
import { describe, expect, it } from 'vitest';
import { InMemoryEsdbServer } from './in-memory-esdb-client.js';

// What the fake must do like the server for the adapter's tests to mean anything.

const data = (n: number): EventData => ({ id: crypto.randomUUID(), contentType: 'application/json', type: 'T', data: { n }, metadata: undefined });

async function all<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

describe('in-memory EventStoreDB fake', () => {
  it('checks expected revisions and recognises repeats like the server', async () => {
    const client = new InMemoryEsdbServer().connect();
    const events = [data(0), data(1)];
    const first = await client.appendToStream('s', events, { expectedRevision: NO_STREAM });
    expect(first.nextExpectedRevision).toBe(1n);
    // Exact revision behind the head, same run of ids: success with the stored events, nothing written.
    expect(await client.appendToStream('s', events, { expectedRevision: NO_STREAM })).toEqual(first);
    // `any`: recognised by the first id.
    expect(await client.appendToStream('s', events, { expectedRevision: ANY })).toEqual(first);
    // Partial run: refused, with the current revision.
    const refused = await client.appendToStream('s', [events[0]!, data(9)], { expectedRevision: ANY }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WrongExpectedVersionError);
    expect(refused).toMatchObject({ actualVersion: 1n });
    await expect(client.appendToStream('t', [data(0)], { expectedRevision: STREAM_EXISTS })).rejects.toMatchObject({ actualVersion: 'no_stream' });
    await expect(client.appendToStream('s', [data(3)], { expectedRevision: 5n })).rejects.toBeInstanceOf(WrongExpectedVersionError);
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
    expect((await all(client.readAll({ fromPosition: positions[1]! }))).map((e) => e.event!.position)).toEqual(positions.slice(1));
    expect((await all(client.readAll({ fromPosition: positions[2]!, direction: BACKWARDS }))).map((e) => e.event!.position)).toEqual([positions[1], positions[0]]);
    expect((await all(client.readAll({ fromPosition: END, direction: BACKWARDS, maxCount: 1 }))).map((e) => e.event!.position)).toEqual([positions[2]]);
    await expect(all(client.readAll({ fromPosition: { commit: positions[2]!.commit - 1n, prepare: 0n } }))).rejects.toThrow(/Invalid position/);
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
      filter: { filterOn: 'streamName', prefixes: ['a-'], checkpointInterval: 1, checkpointReached: (_s, position) => void items.push(position) },
    });
    for await (const resolved of subscription as AsyncIterable<AllStreamResolvedEvent>) {
      items.push(resolved.event!.streamId);
      if (items.filter((item) => typeof item === 'string').length === 8) break;
    }
    await subscription.unsubscribe();
    // The record at the start (a-4, after the epoch record, a-0, b-1, b-2 and b-3) is excluded.
    expect(items.filter((item) => typeof item === 'string')).toEqual(['a-8', 'a-12', 'a-16', 'a-20', 'a-24', 'a-28', 'a-32', 'a-36']);
    expect(items.some((item) => typeof item !== 'string')).toBe(true);
  });
});
