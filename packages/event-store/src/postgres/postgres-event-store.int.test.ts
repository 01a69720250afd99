import { randomBytes } from 'node:crypto';
import { createServer, connect } from 'node:net';
import type { AddressInfo, Server, Socket } from 'node:net';
import pg from 'pg';
import { waitFor } from '@tickets/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { checkStoreChain } from '../chain/chain-check.js';
import { ConcurrencyError, EventStoreError } from '../errors.js';
import type { EventStore, NewEvent, RecordedEvent } from '../event-store.port.js';
import { describeEventStoreContract } from '../testing/event-store-contract.js';
import { MAX_STREAM_LOCKS } from './postgres-append-locks.js';
import { createPostgresCheckpointStore } from './postgres-checkpoint-store.js';
import { EVENT_SCHEMA_VERSION } from './postgres-event-schema.js';
import { createPostgresEventStore } from './postgres-event-store.js';
import type { PostgresEventStoreOptions } from './postgres-event-store.js';

const url = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

/** An administrator's pool, outside every store under test. */
const admin = new pg.Pool({ connectionString: url, max: 4, application_name: 'event-store-test-admin' });
admin.on('error', () => undefined);

// These tests run wherever the suite runs (CI starts PostgreSQL): no server is a failure, never a skip.
await admin.query('SELECT 1').catch((error: unknown) => {
  throw new Error(`PostgreSQL tests need a server at ${url} (set TICKETS_TEST_POSTGRES_URL): ${String(error)}`);
});

/** Every test gets schemas of its own, dropped once the file is done. */
const schemas: string[] = [];
const freshSchema = (): string => {
  const schema = `t_es_${randomBytes(6).toString('hex')}`;
  schemas.push(schema);
  return schema;
};
const dropSchema = (schema: string): Promise<unknown> => admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);

afterAll(async () => {
  await Promise.all(schemas.map(dropSchema));
  await admin.end();
});

const open = (schema: string, options: Partial<PostgresEventStoreOptions> = {}) =>
  createPostgresEventStore({ url, schema, pollIntervalMs: 50, ...options });

const event = (id: string, data: NewEvent['data'] = { id }): NewEvent => ({ id, type: 'ThingHappened', data });
const ids = (events: readonly RecordedEvent[]): string[] => events.map((e) => e.id);

/** Collects a subscription in the background until `stop` aborts it; `done` says how it ended. */
function collect(store: EventStore, options: { after?: number; streamPrefixes?: string[] } = {}) {
  const stop = new AbortController();
  const seen: RecordedEvent[] = [];
  const done = (async () => {
    for await (const batch of store.subscribeToAll({
      ...options,
      signal: AbortSignal.any([stop.signal, AbortSignal.timeout(30_000)]),
    })) {
      seen.push(...batch);
    }
  })();
  return { seen, stop: () => stop.abort(), done };
}

/**
 * A TCP relay to the server that the test can cut (every connection dropped, new ones refused) and
 * restore on the same port: the server going away and coming back, without touching the server.
 */
async function startProxy(target: string): Promise<{ url: string; stop(): Promise<void>; start(): Promise<void> }> {
  const upstream = new URL(target);
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;
  const listen = async (): Promise<void> => {
    const relay = createServer((client) => {
      const link = connect(Number(upstream.port || 5432), upstream.hostname);
      for (const socket of [client, link]) {
        sockets.add(socket);
        socket.on('error', () => undefined);
        socket.on('close', () => {
          sockets.delete(socket);
          client.destroy();
          link.destroy();
        });
      }
      client.pipe(link).pipe(client);
    });
    await new Promise<void>((resolve) => relay.listen(port, '127.0.0.1', resolve));
    port = (relay.address() as AddressInfo).port;
    server = relay;
  };
  await listen();
  const url = new URL(target);
  url.hostname = '127.0.0.1';
  url.port = String(port);
  return {
    url: url.toString(),
    async stop() {
      const relay = server;
      server = undefined;
      for (const socket of sockets) socket.destroy();
      if (relay !== undefined) await new Promise<void>((resolve) => relay.close(() => resolve()));
    },
    start: listen,
  };
}

/** The key of a stream's lock, as `AppendLocks` spells it. */
const streamLockKey = (schema: string, stream: string): string => `${schema}:stream:${stream}`;

describe('PostgreSQL adapter', () => {
  describeEventStoreContract(
    'PostgreSQL',
    async () => {
      const schema = freshSchema();
      const store = await open(schema);
      return {
        store,
        openAnother: () => open(schema),
        cleanup: async () => {
          await store.close();
          await dropSchema(schema);
        },
      };
    },
    { secondConnection: true },
  );

  describe('schema migration', () => {
    it('creates the tables once, records the version, and is idempotent', async () => {
      const schema = freshSchema();
      await (await open(schema)).close();
      await (await open(schema)).close();
      const { rows } = await admin.query(`SELECT component, version FROM "${schema}".schema_migrations`);
      expect(rows).toEqual(
        Array.from({ length: EVENT_SCHEMA_VERSION }, (_, i) => ({ component: 'event-store', version: i + 1 })),
      );
      const tables = await admin.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY 1`,
        [schema],
      );
      expect(tables.rows.map((row: { table_name: string }) => row.table_name)).toEqual([
        'checkpoints',
        'events',
        'schema_migrations',
      ]);
    });

    it('adds the chain to a store written before it: old events stay unchained, new ones chain from there', async () => {
      const schema = freshSchema();
      try {
        const first = await open(schema);
        await first.close();
        // Back to schema 1 with two events written then, as an earlier version left it.
        await admin.query(`ALTER TABLE "${schema}".events DROP COLUMN hash`);
        await admin.query(`DELETE FROM "${schema}".schema_migrations WHERE version > 1`);
        await admin.query(`INSERT INTO "${schema}".events (recorded_at, version, stream, id, type, metadata, data)
          VALUES (now(), 0, 'ticket-1', 'a', 'T', '{}', '{"n":0}'), (now(), 1, 'ticket-1', 'b', 'T', '{}', '{"n":1}')`);
        const store = await open(schema);
        try {
          expect((await store.readStream('ticket-1')).map((event) => event.data)).toEqual([{ n: 0 }, { n: 1 }]);
          await store.append('ticket-1', [{ id: 'c', type: 'T', data: { n: 2 } }], { expectedVersion: 1 });
          await store.append('ticket-1', [{ id: 'd', type: 'T', data: { n: 3 } }]);
          expect((await store.readChain()).map((event) => event.hash === null)).toEqual([true, true, false, false]);
          expect(await checkStoreChain(store)).toMatchObject({
            ok: true,
            unchained: 2,
            chainsStartingLate: 1,
            head: { events: 2 },
          });
        } finally {
          await store.close();
        }
      } finally {
        await dropSchema(schema);
      }
    });

    it('is safe when several processes start at once on a new schema', async () => {
      const schema = freshSchema();
      const stores = await Promise.all(Array.from({ length: 6 }, () => open(schema)));
      await Promise.all(stores.map((store) => store.close()));
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM "${schema}".schema_migrations`);
      expect(rows[0].n).toBe(EVENT_SCHEMA_VERSION);
    });

    it('refuses a schema newer than this code', async () => {
      const schema = freshSchema();
      await (await open(schema)).close();
      await admin.query(`INSERT INTO "${schema}".schema_migrations (component, version) VALUES ('event-store', 99)`);
      await expect(open(schema)).rejects.toThrow(/newer/);
    });

    it('rejects a schema name that would need quoting, before connecting', async () => {
      await expect(open('Robert"; DROP TABLE x')).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    });
  });

  describe('storage', () => {
    it('keeps data as the JSON text written, recorded_at from the clock, and the writing transaction', async () => {
      const schema = freshSchema();
      const store = await open(schema, { clock: () => new Date('2025-03-04T05:06:07.000Z') });
      try {
        await store.append('ticket-1', [
          { id: 'a', type: 'Opened', data: { b: 1, a: [true, null] }, metadata: { correlationId: 'c' } },
        ]);
        const { rows } = await admin.query(
          `SELECT data, metadata, recorded_at, tx::text <> '' AS has_tx FROM "${schema}".events`,
        );
        expect(rows).toEqual([
          {
            data: '{"b":1,"a":[true,null]}',
            metadata: '{"correlationId":"c"}',
            recorded_at: new Date('2025-03-04T05:06:07.000Z'),
            has_tx: true,
          },
        ]);
      } finally {
        await store.close();
      }
    });

    it(`locks the whole store instead of each stream above ${MAX_STREAM_LOCKS} streams in one call`, async () => {
      const store = await open(freshSchema());
      try {
        const appends = Array.from({ length: MAX_STREAM_LOCKS + 44 }, (_, i) => ({
          stream: `ticket-${i}`,
          events: [event(`e${i}`)],
          expectedVersion: 'no_stream' as const,
        }));
        const results = await store.appendMany(appends);
        expect(results.map((r) => r.position)).toEqual(Array.from({ length: appends.length }, (_, i) => i + 1));
        expect(await store.readAll({ maxCount: 1000 })).toHaveLength(appends.length);
        expect(await store.appendMany(appends)).toSatisfy((again: { duplicate: boolean }[]) =>
          again.every((r) => r.duplicate),
        );
      } finally {
        await store.close();
      }
    });
  });

  describe('gap-safe reading', () => {
    it(
      'never hands out a position while a transaction holding a lower one is in flight',
      { timeout: 20_000 },
      async () => {
        const schema = freshSchema();
        const store = await open(schema);
        const slow = new pg.Client({ connectionString: url });
        await slow.connect();
        try {
          await store.append('ticket-0', [event('before')]);
          const start = await store.headPosition();
          const subscription = collect(store, { after: start });

          // T1 takes the lower position and waits (like an append between its INSERT and its COMMIT)…
          await slow.query('BEGIN');
          const t1 = await slow.query(
            `INSERT INTO "${schema}".events (stream, version, id, type, recorded_at, metadata, data)
           VALUES ('ticket-1', 0, 'late', 'T', now(), '{}', '{}') RETURNING position`,
          );
          // …while T2 appends after it and commits.
          const t2 = await store.append('ticket-2', [event('early')]);
          expect(t2.position).toBeGreaterThan(Number(t1.rows[0].position));

          expect(await store.readAll({ after: start })).toEqual([]);
          expect(await store.readAll({ after: start, streamPrefixes: ['ticket-2'] })).toEqual([]);
          expect(await store.headPosition()).toBe(start);
          await new Promise((resolve) => setTimeout(resolve, 300));
          expect(subscription.seen).toEqual([]);

          await slow.query('COMMIT');
          expect(ids(await store.readAll({ after: start }))).toEqual(['late', 'early']);
          expect(await store.headPosition()).toBe(t2.position);
          await waitFor(() => (subscription.seen.length >= 2 ? true : undefined), { what: 'both events' });
          subscription.stop();
          await subscription.done;
          expect(ids(subscription.seen)).toEqual(['late', 'early']);
        } finally {
          await slow.end();
          await store.close();
        }
      },
    );

    it('a rolled-back transaction leaves a hole in the positions, and readers go past it', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      const slow = new pg.Client({ connectionString: url });
      await slow.connect();
      try {
        await slow.query('BEGIN');
        await slow.query(
          `INSERT INTO "${schema}".events (stream, version, id, type, recorded_at, metadata, data) VALUES ('ticket-1', 0, 'gone', 'T', now(), '{}', '{}')`,
        );
        const kept = await store.append('ticket-2', [event('kept')]);
        await slow.query('ROLLBACK');
        expect(await store.readAll()).toMatchObject([{ id: 'kept', position: kept.position }]);
        expect(kept.position).toBe(2);
      } finally {
        await slow.end();
        await store.close();
      }
    });

    it(
      'many concurrent writers on their own connections: a live subscriber misses and repeats nothing',
      { timeout: 60_000 },
      async () => {
        const schema = freshSchema();
        const reader = await open(schema);
        const writers = await Promise.all(Array.from({ length: 6 }, () => open(schema, { maxConnections: 3 })));
        try {
          const subscription = collect(reader);
          const written: string[] = [];
          let last = 0;
          await Promise.all(
            writers.map(async (writer, w) => {
              for (let i = 0; i < 60; i++) {
                const batch = Array.from({ length: 1 + (i % 4) }, (_, k) => ({
                  stream: `ticket-${w}-${(i + k) % 7}`,
                  events: [event(`w${w}-${i}-${k}`)],
                }));
                const results = await writer.appendMany(batch);
                written.push(...batch.map((append) => append.events[0]!.id));
                last = Math.max(last, ...results.map((result) => result.position));
              }
            }),
          );
          // Once the subscriber has reached the last position written, whatever it lacks was skipped.
          await waitFor(() => ((subscription.seen.at(-1)?.position ?? 0) >= last ? true : undefined), {
            what: 'the last event',
            timeoutMs: 20_000,
          });
          subscription.stop();
          await subscription.done;
          const positions = subscription.seen.map((e) => e.position);
          expect(positions).toEqual([...positions].sort((a, b) => a - b));
          expect(new Set(positions).size).toBe(positions.length);
          expect(new Set(ids(subscription.seen))).toEqual(new Set(written));
          expect(subscription.seen).toHaveLength(written.length);
        } finally {
          await Promise.all([reader, ...writers].map((store) => store.close()));
        }
      },
    );
  });

  describe('stream locks', () => {
    it('an empty append guards its stream: it waits for a writer holding it, then fails if the stream moved', async () => {
      const schema = freshSchema();
      const store = await open(schema);
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        await store.append('customer-1', [event('c0')], { expectedVersion: 'no_stream' });
        // Another writer holds the stream's lock, as an append in flight does.
        await other.query('BEGIN');
        await other.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [
          streamLockKey(schema, 'customer-1'),
        ]);
        let settled = false;
        const guarded = store
          .appendMany([
            { stream: 'customer-1', events: [], expectedVersion: 0 },
            { stream: 'ticket-1', events: [event('t0')], expectedVersion: 'no_stream' },
          ])
          .finally(() => (settled = true));
        guarded.catch(() => undefined);
        await new Promise((resolve) => setTimeout(resolve, 200));
        expect(settled).toBe(false);
        await other.query(
          `INSERT INTO "${schema}".events (stream, version, id, type, recorded_at, metadata, data) VALUES ('customer-1', 1, 'c1', 'T', now(), '{}', '{}')`,
        );
        await other.query('COMMIT');
        const error = await guarded.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ stream: 'customer-1', expected: '0', actual: 1 });
        expect(await store.readStream('ticket-1')).toEqual([]);
      } finally {
        await other.end();
        await store.close();
      }
    });
    it("a writer that commits between the one-statement append's snapshot and its locks is caught by the unique index", async () => {
      const schema = freshSchema();
      const store = await open(schema);
      const other = new pg.Client({ connectionString: url });
      await other.connect();
      try {
        await store.append('ticket-1', [event('a')], { expectedVersion: 'no_stream' });
        await other.query('BEGIN');
        await other.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 0))', [streamLockKey(schema, 'ticket-1')]);
        // The append takes its snapshot, sees version 0 as the head, and waits for the stream lock…
        const appending = store.append('ticket-1', [event('mine')], { expectedVersion: 0 });
        appending.catch(() => undefined);
        await waitFor(
          async () => {
            const { rows } = await admin.query(
              `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`,
              [store.applicationName],
            );
            return rows[0].n > 0 ? true : undefined;
          },
          { what: 'the append to wait for the stream lock' },
        );
        // …while the other writer appends version 1 and commits.
        await other.query(
          `INSERT INTO "${schema}".events (stream, version, id, type, recorded_at, metadata, data) VALUES ('ticket-1', 1, 'theirs', 'T', now(), '{}', '{}')`,
        );
        await other.query('COMMIT');
        const error = await appending.catch((e: unknown) => e);
        expect(error).toBeInstanceOf(ConcurrencyError);
        expect(error).toMatchObject({ stream: 'ticket-1', expected: '0', actual: 1 });
        expect(ids(await store.readStream('ticket-1'))).toEqual(['a', 'theirs']);
        // The failed statement's connection, which may have held the position lock, was not pooled again.
        expect(await store.append('ticket-2', [event('next')])).toMatchObject({ duplicate: false });
        const held = await admin.query(
          `SELECT count(*)::int AS n FROM pg_locks l JOIN pg_stat_activity a USING (pid) WHERE l.locktype = 'advisory' AND a.application_name = $1`,
          [store.applicationName],
        );
        expect(held.rows[0].n).toBe(0);
      } finally {
        await other.end();
        await store.close();
      }
    });
  });

  describe('notifications', () => {
    for (const notify of ['in-transaction', 'after-commit'] as const) {
      it(`wakes a subscriber of another instance at once (${notify}), long before its next poll`, async () => {
        const schema = freshSchema();
        const reader = await open(schema, { pollIntervalMs: 60_000 });
        const writer = await open(schema, { notify });
        try {
          // Let the first poll and the LISTEN connection settle.
          const subscription = collect(reader);
          await waitFor(
            async () => {
              const { rows } = await admin.query(
                `SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1 AND query ILIKE 'LISTEN%'`,
                [reader.applicationName],
              );
              return rows[0].n > 0 ? true : undefined;
            },
            { what: 'the LISTEN connection' },
          );
          const began = performance.now();
          await writer.append('ticket-1', [event('a')]);
          await waitFor(() => (subscription.seen.length > 0 ? true : undefined), { what: 'the event' });
          expect(performance.now() - began).toBeLessThan(2_000);
          subscription.stop();
          await subscription.done;
          expect(ids(subscription.seen)).toEqual(['a']);
        } finally {
          await reader.close();
          await writer.close();
        }
      });
    }
  });

  describe('when the server goes away', () => {
    it('reports an unreachable server as a retriable UNAVAILABLE', async () => {
      const error = await createPostgresEventStore({
        url: 'postgres://postgres@127.0.0.1:1/test',
        schema: freshSchema(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreError);
      expect(error).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
    });

    it(
      'after its connections are terminated, calls reconnect or fail with UNAVAILABLE, and a subscription resumes without a gap',
      { timeout: 30_000 },
      async () => {
        const schema = freshSchema();
        const store = await open(schema);
        try {
          const subscription = collect(store);
          for (let i = 0; i < 3; i++) await store.append(`ticket-${i}`, [event(`before-${i}`)]);
          await waitFor(() => (subscription.seen.length === 3 ? true : undefined), { what: 'the first events' });

          const terminated = await admin.query(
            'SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity WHERE application_name = $1',
            [store.applicationName],
          );
          expect(terminated.rows[0].n).toBeGreaterThan(0);

          const outcomes: string[] = [];
          for (let i = 0; i < 3; i++) {
            for (let attempt = 1; ; attempt++) {
              try {
                await store.append(`ticket-${i}`, [event(`after-${i}`)]);
                outcomes.push('ok');
                break;
              } catch (error) {
                expect(error).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
                outcomes.push('unavailable');
                if (attempt === 10) throw error;
              }
            }
          }
          expect(outcomes.filter((o) => o === 'ok')).toHaveLength(3);
          expect(await store.readStream('ticket-0')).toHaveLength(2);

          await waitFor(() => (subscription.seen.length >= 6 ? true : undefined), {
            what: 'the events after the outage',
          });
          subscription.stop();
          await subscription.done;
          expect(ids(subscription.seen)).toEqual(['before-0', 'before-1', 'before-2', 'after-0', 'after-1', 'after-2']);
        } finally {
          await store.close();
        }
      },
    );

    it(
      'while the server is unreachable calls fail with UNAVAILABLE, a subscription ends with it past its limit, and all recover after',
      { timeout: 30_000 },
      async () => {
        const proxy = await startProxy(url);
        const schema = freshSchema();
        const store = await open(schema, { url: proxy.url, outageLimitMs: 1_000 });
        const events: RecordedEvent[] = [];
        try {
          await store.append('ticket-1', [event('a')]);
          const stop = AbortSignal.timeout(20_000);
          const ended = (async () => {
            for await (const batch of store.subscribeToAll({ signal: stop })) {
              events.push(...batch);
              if (events.length === 1) await proxy.stop();
            }
          })();
          const error = await ended.then(
            () => 'ended quietly',
            (e: unknown) => e,
          );
          expect(stop.aborted).toBe(false);
          expect(error).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
          await expect(store.append('ticket-1', [event('b')])).rejects.toMatchObject({
            code: 'EVENT_STORE.UNAVAILABLE',
            retriable: true,
          });
          await expect(store.readAll()).rejects.toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });

          await proxy.start();
          await store.append('ticket-1', [event('b')]);
          expect(ids(await store.readAll())).toEqual(['a', 'b']);
          // A new subscription from the last position handled goes on where the failed one stopped.
          const resumed = collect(store, { after: events.at(-1)!.position });
          await waitFor(() => (resumed.seen.length > 0 ? true : undefined), { what: 'the resumed subscription' });
          resumed.stop();
          await resumed.done;
          expect(ids([...events, ...resumed.seen])).toEqual(['a', 'b']);
        } finally {
          await store.close();
          await proxy.stop();
        }
      },
    );
  });

  describe('PostgreSQL checkpoint store', () => {
    it('loads 0 for a new subscriber, then the last saved position, across reopen', async () => {
      const schema = freshSchema();
      const checkpoints = await createPostgresCheckpointStore({ url, schema });
      expect(await checkpoints.load('projector')).toBe(0);
      await checkpoints.save('projector', 1);
      await checkpoints.save('projector', 7);
      await checkpoints.save('rule-reactor', 3);
      await checkpoints.close();

      const reopened = await createPostgresCheckpointStore({ url, schema });
      try {
        expect(await reopened.load('projector')).toBe(7);
        expect(await reopened.load('rule-reactor')).toBe(3);
      } finally {
        await reopened.close();
      }
    });

    it("on the caller's connection, saves inside the caller's transaction", async () => {
      const schema = freshSchema();
      await (await createPostgresCheckpointStore({ url, schema })).close();
      const client = await admin.connect();
      try {
        const checkpoints = await createPostgresCheckpointStore({ pool: client, schema });
        await client.query('BEGIN');
        await checkpoints.save('projector', 5);
        expect(await checkpoints.load('projector')).toBe(5);
        await client.query('ROLLBACK');
        expect(await checkpoints.load('projector')).toBe(0);
        await checkpoints.close();
        expect(await client.query('SELECT 1 AS one')).toMatchObject({ rows: [{ one: 1 }] });
      } finally {
        client.release();
      }
    });

    it('rejects bad arguments and calls after close', async () => {
      const checkpoints = await createPostgresCheckpointStore({ url, schema: freshSchema() });
      await expect(checkpoints.save('', 1)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
      await expect(checkpoints.save('projector', -1)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
      await expect(checkpoints.save('projector', 1.5)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
      await checkpoints.close();
      await expect(checkpoints.load('projector')).rejects.toMatchObject({ code: 'EVENT_STORE.CLOSED' });
    });
  });
});
