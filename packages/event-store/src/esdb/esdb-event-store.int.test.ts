import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { describeEventStoreContract } from '../testing/event-store-contract.js';
import { createEsdbCheckpointStore } from './esdb-checkpoint-store.js';
import { createEsdbEventStore } from './esdb-event-store.js';
import { InMemoryEsdbServer } from '../testing/in-memory-esdb-client.js';

/** A live server, e.g. `esdb://localhost:2113?tls=false`. Without one, this file says so in a passing test. */
const url = process.env['EVENTSTORE_URL'] ?? '';

/**
 * Every store of this file gets its own namespace: the server is shared with other runs, and some
 * contract tests need a store that is empty (headPosition 0) or that they can close.
 */
const freshNamespace = (): string => `t${randomUUID().replaceAll('-', '').slice(0, 12)}_`;

/**
 * The contract over the in-memory fake server (modelled on the server's documented rules: revisions,
 * idempotent appends of the same UUIDs, log positions, filtered subscriptions). It proves the
 * adapter's own logic — mapping, positions, retries, subscriptions — not the server's behaviour.
 */
describeEventStoreContract('EventStoreDB adapter over the in-memory fake client', async () => {
  const server = new InMemoryEsdbServer();
  const store = createEsdbEventStore({ connectionString: 'esdb://fake:2113?tls=false', client: server.connect() });
  return {
    store,
    openAnother: async () =>
      createEsdbEventStore({ connectionString: 'esdb://fake:2113?tls=false', client: server.connect() }),
    cleanup: () => store.close(),
  };
});

if (url === '') {
  describe('EventStoreDB', () => {
    it('EventStoreDB contract not run: EVENTSTORE_URL is not set (start one with `docker compose up kurrentdb`)', () => {
      expect(url).toBe('');
    });
  });
} else {
  describeEventStoreContract('EventStoreDB', async () => {
    const namespace = freshNamespace();
    const store = createEsdbEventStore({ connectionString: url, namespace });
    return {
      store,
      openAnother: async () => createEsdbEventStore({ connectionString: url, namespace }),
      cleanup: () => store.close(),
    };
  });

  describe('EventStoreDB adapter on a live server', () => {
    it('reports the positions the server reads back, and reads from just before an event', async () => {
      const store = createEsdbEventStore({ connectionString: url, namespace: freshNamespace() });
      try {
        const result = await store.append('ticket-1', [
          { id: 'a', type: 'T', data: { n: 1 } },
          { id: 'b', type: 'T', data: { n: 2 } },
        ]);
        const [first, second] = await store.readStream('ticket-1');
        expect(second!.position).toBe(result.position);
        expect(first!.position).toBeLessThan(second!.position);
        expect(await store.headPosition()).toBe(result.position);
        expect((await store.readAll({ after: first!.position - 1 })).map((event) => event.id)).toEqual(['a', 'b']);
        expect((await store.readAll({ after: first!.position })).map((event) => event.id)).toEqual(['b']);
      } finally {
        await store.close();
      }
    });

    it('keeps checkpoints in the server, away from the event store', async () => {
      const namespace = freshNamespace();
      const store = createEsdbEventStore({ connectionString: url, namespace });
      const checkpoints = createEsdbCheckpointStore({ connectionString: url, namespace });
      try {
        expect(await checkpoints.load('projector')).toBe(0);
        await store.append('ticket-1', [{ id: 'a', type: 'T', data: {} }]);
        await checkpoints.save('projector', 12);
        await checkpoints.save('projector', 14);
        expect(await checkpoints.load('projector')).toBe(14);
        expect((await store.readAll()).map((event) => event.id)).toEqual(['a']);
      } finally {
        await checkpoints.close();
        await store.close();
      }
    });
  });
}
