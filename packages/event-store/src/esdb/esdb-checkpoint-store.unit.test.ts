import { describe, expect, it } from 'vitest';
import { createEsdbCheckpointStore } from './esdb-checkpoint-store.js';
import { createEsdbEventStore } from './esdb-event-store.js';
import { InMemoryEsdbServer } from '../testing/in-memory-esdb-client.js';

const FAST = { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
const openCheckpoints = (server: InMemoryEsdbServer, namespace?: string) =>
  createEsdbCheckpointStore({
    connectionString: 'esdb://in-memory',
    client: server.connect(),
    retry: FAST,
    ...(namespace === undefined ? {} : { namespace }),
  });

describe('EventStoreDB checkpoint store over the in-memory fake client', () => {
  it('loads 0 for a new subscriber, then the last saved position, per subscriber and across instances', async () => {
    const server = new InMemoryEsdbServer();
    const checkpoints = openCheckpoints(server);
    expect(await checkpoints.load('projector')).toBe(0);
    await checkpoints.save('projector', 10);
    await checkpoints.save('projector', 24);
    await checkpoints.save('rule-reactor', 6);
    await checkpoints.close();

    const reopened = openCheckpoints(server);
    expect(await reopened.load('projector')).toBe(24);
    expect(await reopened.load('rule-reactor')).toBe(6);
    await reopened.save('projector', 30);
    expect(await reopened.load('projector')).toBe(30);
  });

  it('keeps one stream per subscriber whose $maxCount of 1 is set once, however many instances save', async () => {
    const server = new InMemoryEsdbServer();
    const first = openCheckpoints(server);
    const second = openCheckpoints(server);
    for (const position of [1, 2, 3]) await first.save('projector', position);
    await second.save('projector', 4);
    const metadataWrites = server.calls.filter((call) => call.operation === 'setStreamMetadata');
    // One attempt per instance; the second finds it set (refused expected revision) and goes on.
    expect(metadataWrites).toEqual([
      { operation: 'setStreamMetadata', stream: 'checkpoint-projector' },
      { operation: 'setStreamMetadata', stream: 'checkpoint-projector' },
    ]);
    const visible = [];
    for await (const { event } of server.connect().readStream('checkpoint-projector')) visible.push(event?.data);
    expect(visible).toEqual([{ position: 4 }]);
  });

  it('stays out of the event store: its streams are neither read nor subscribed to', async () => {
    const server = new InMemoryEsdbServer();
    const store = createEsdbEventStore({
      connectionString: 'esdb://in-memory',
      client: server.connect(),
      namespace: 'n_',
    });
    const checkpoints = openCheckpoints(server, 'n_');
    await store.append('ticket-1', [{ id: 'a', type: 'T', data: {} }]);
    await checkpoints.save('projector', 2);
    await store.append('customer-1', [{ id: 'b', type: 'T', data: {} }]);
    expect((await store.readAll()).map((event) => event.id)).toEqual(['a', 'b']);
    expect(server.calls.some((call) => call.stream === 'n_checkpoint-projector')).toBe(true);
    expect(await checkpoints.load('projector')).toBe(2);
    const stop = new AbortController();
    const seen: string[] = [];
    for await (const batch of store.subscribeToAll({
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(3000)]),
    })) {
      seen.push(...batch.map((event) => event.id));
      if (seen.length >= 2) stop.abort();
    }
    expect(seen).toEqual(['a', 'b']);
    await store.close();
  });

  it('retries transient failures, rejects bad arguments, and refuses calls once closed', async () => {
    const server = new InMemoryEsdbServer();
    const checkpoints = openCheckpoints(server);
    server.failNext('appendToStream', { times: FAST.maxAttempts - 1 });
    await checkpoints.save('projector', 5);
    server.failNext('readStream', { times: FAST.maxAttempts });
    await expect(checkpoints.load('projector')).rejects.toMatchObject({
      code: 'EVENT_STORE.UNAVAILABLE',
      retriable: true,
    });
    expect(await checkpoints.load('projector')).toBe(5);
    await expect(checkpoints.save('', 1)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    await expect(checkpoints.save('projector', -1)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    await expect(checkpoints.save('projector', 1.5)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    await checkpoints.close();
    await checkpoints.close();
    await expect(checkpoints.load('projector')).rejects.toMatchObject({ code: 'EVENT_STORE.CLOSED' });
  });
});
