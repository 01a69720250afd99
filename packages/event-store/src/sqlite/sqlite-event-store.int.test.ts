import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { ConcurrencyError, EventStoreError } from '../errors.js';
import { describeEventStoreContract } from '../testing/event-store-contract.js';
import { openSqlite, WAL_AUTOCHECKPOINT_PAGES } from './open-sqlite.js';
import { createSqliteCheckpointStore } from './sqlite-checkpoint-store.js';
import { createSqliteEventStore } from './sqlite-event-store.js';
import { EVENT_SCHEMA_VERSION } from './sqlite-event-schema.js';
import { checkStoreChain } from '../chain/chain-check.js';

const temporaryDirectories: string[] = [];
const newDatabasePath = async (): Promise<string> => {
  const directory = await mkdtemp(join(tmpdir(), 'event-store-'));
  temporaryDirectories.push(directory);
  return join(directory, 'events.db');
};
const removeDirectory = (path: string): Promise<void> => rm(join(path, '..'), { recursive: true, force: true });

describeEventStoreContract('SQLite file', async () => {
  const path = await newDatabasePath();
  const store = createSqliteEventStore({ path, pollIntervalMs: 20 });
  return {
    store,
    openAnother: async () => createSqliteEventStore({ path, pollIntervalMs: 20 }),
    cleanup: async () => {
      await store.close();
      await removeDirectory(path);
    },
  };
});

describeEventStoreContract(
  'SQLite in memory',
  async () => {
    const store = createSqliteEventStore({ path: ':memory:' });
    return { store, cleanup: () => store.close() };
  },
  { secondConnection: false },
);

/**
 * Another process takes the write lock with plain node:sqlite, appends one event at the stream's next
 * version, holds the lock for `holdMs`, then commits: a writer our adapter knows nothing about.
 */
const CHILD_WRITER = `
import { DatabaseSync } from 'node:sqlite';
const [path, stream, holdMs] = process.argv.slice(1);
const database = new DatabaseSync(path, { timeout: 5000 });
database.exec('BEGIN IMMEDIATE');
const { version } = database.prepare('SELECT coalesce(max(version), -1) AS version FROM events WHERE stream = ?').get(stream);
database
  .prepare("INSERT INTO events (stream, version, id, type, recorded_at, metadata, data) VALUES (?, ?, ?, 'ChildWrote', '2025-01-01T00:00:00.000Z', '{}', '{}')")
  .run(stream, version + 1, 'child-' + (version + 1));
process.stdout.write('locked\\n');
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, Number(holdMs));
database.exec('COMMIT');
database.close();
`;

/** Starts the child writer; resolves once it holds the lock, with a promise of its exit code. */
async function lockFromAnotherProcess(
  path: string,
  stream: string,
  holdMs: number,
): Promise<{ exited: Promise<number | null> }> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', CHILD_WRITER, '--', path, stream, String(holdMs)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', resolve);
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('locked')) resolve();
    });
    exited.then((code) => reject(new Error(`child writer exited early with ${String(code)}`)), reject);
  });
  return { exited };
}

describe('SQLite event store', () => {
  afterEach(async () => {
    await Promise.all(
      temporaryDirectories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
    );
  });

  it('keeps every event across close and reopen', async () => {
    const path = await newDatabasePath();
    const first = createSqliteEventStore({ path });
    await first.append('ticket-1', [{ id: 'a', type: 'Opened', data: { n: 1 } }], { expectedVersion: 'no_stream' });
    await first.appendMany([
      { stream: 'ticket-1', events: [{ id: 'b', type: 'Closed', data: { n: 2 } }], expectedVersion: 0 },
      { stream: 'customer-1', events: [{ id: 'c', type: 'Seen', data: [] }] },
    ]);
    const before = await first.readAll();
    await first.close();

    const reopened = createSqliteEventStore({ path });
    try {
      expect(await reopened.readAll()).toEqual(before);
      expect(before.map((event) => event.id)).toEqual(['a', 'b', 'c']);
      expect(
        await reopened.append('ticket-1', [{ id: 'd', type: 'Reopened', data: {} }], { expectedVersion: 1 }),
      ).toMatchObject({
        nextExpectedVersion: 2,
        position: 4,
      });
    } finally {
      await reopened.close();
    }
  });

  it('upgrades a store written before the hash chain in place: old events stay unchained, new ones chain from there', async () => {
    const path = await newDatabasePath();
    const legacy = new DatabaseSync(path);
    // Schema 1 as an earlier version created it, with two events of one stream.
    legacy.exec(`CREATE TABLE events (position INTEGER PRIMARY KEY, stream TEXT NOT NULL, version INTEGER NOT NULL, id TEXT NOT NULL,
      type TEXT NOT NULL, recorded_at TEXT NOT NULL, metadata TEXT NOT NULL, data TEXT NOT NULL, UNIQUE (stream, version)) STRICT`);
    legacy.exec(`INSERT INTO events (stream, version, id, type, recorded_at, metadata, data) VALUES
      ('ticket-1', 0, 'a', 'T', '2026-01-01T00:00:00.000Z', '{}', '{"n":0}'), ('ticket-1', 1, 'b', 'T', '2026-01-01T00:00:00.000Z', '{}', '{"n":1}')`);
    legacy.exec('PRAGMA user_version = 1');
    legacy.close();

    const store = createSqliteEventStore({ path });
    try {
      expect((await store.readStream('ticket-1')).map((event) => event.data)).toEqual([{ n: 0 }, { n: 1 }]);
      await store.append('ticket-1', [{ id: 'c', type: 'T', data: { n: 2 } }], { expectedVersion: 1 });
      await store.append('ticket-2', [{ id: 'd', type: 'T', data: {} }], { expectedVersion: 'no_stream' });
      expect((await store.readChain()).map((event) => event.hash === null)).toEqual([true, true, false, false]);
      const report = await checkStoreChain(store);
      expect(report).toMatchObject({
        ok: true,
        unchained: 2,
        lastUnchainedPosition: 2,
        chainsStartingLate: 1,
        head: { events: 2, position: 4 },
      });
    } finally {
      await store.close();
    }
  });

  it('opens in WAL mode with synchronous=NORMAL and a busy timeout, creating the directory', async () => {
    const path = join(await newDatabasePath(), '..', 'nested', 'deeper', 'events.db');
    const store = createSqliteEventStore({ path });
    await store.close();
    expect(existsSync(path)).toBe(true);

    const database = openSqlite(path);
    try {
      expect(database.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(database.prepare('PRAGMA synchronous').get()).toEqual({ synchronous: 1 });
      expect(database.prepare('PRAGMA busy_timeout').get()).toEqual({ timeout: 5000 });
      expect(database.prepare('PRAGMA wal_autocheckpoint').get()).toEqual({
        wal_autocheckpoint: WAL_AUTOCHECKPOINT_PAGES,
      });
      expect(database.prepare('PRAGMA cache_size').get()).toEqual({ cache_size: -2000 });
      expect(database.prepare('PRAGMA user_version').get()).toEqual({ user_version: EVENT_SCHEMA_VERSION });
    } finally {
      database.close();
    }
  });

  it('gives a connection the page cache it asks for, in MiB', async () => {
    const database = openSqlite(await newDatabasePath(), { pageCacheMiB: 64 });
    try {
      expect(database.prepare('PRAGMA cache_size').get()).toEqual({ cache_size: -65536 });
    } finally {
      database.close();
    }
  });

  it('refuses a page cache that is not a positive size, naming the option', async () => {
    const path = await newDatabasePath();
    for (const pageCacheMiB of [0, -1, Number.NaN])
      expect(() => openSqlite(path, { pageCacheMiB })).toThrow(/pageCacheMiB must be positive/);
    expect(existsSync(path)).toBe(false);
  });

  it('records recorded_at from the injected clock', async () => {
    const path = await newDatabasePath();
    const store = createSqliteEventStore({ path, clock: () => new Date('2025-03-04T05:06:07.000Z') });
    await store.append('ticket-1', [{ id: 'a', type: 'Opened', data: {} }]);
    await store.close();
    const database = new DatabaseSync(path);
    try {
      expect(database.prepare('SELECT recorded_at FROM events').all()).toEqual([
        { recorded_at: '2025-03-04T05:06:07.000Z' },
      ]);
    } finally {
      database.close();
    }
  });

  it('hands out positions without gaps, even after a rolled-back append', async () => {
    const store = createSqliteEventStore({ path: ':memory:' });
    try {
      await store.append('ticket-1', [{ id: 'a', type: 'T', data: {} }]);
      await expect(
        store.appendMany([
          { stream: 'ticket-2', events: [{ id: 'b', type: 'T', data: {} }] },
          { stream: 'ticket-1', events: [{ id: 'c', type: 'T', data: {} }], expectedVersion: 'no_stream' },
        ]),
      ).rejects.toBeInstanceOf(ConcurrencyError);
      expect(await store.append('ticket-3', [{ id: 'd', type: 'T', data: {} }])).toMatchObject({ position: 2 });
    } finally {
      await store.close();
    }
  });

  it("an append waiting on another process's write lock then sees its commit and conflicts", async () => {
    const path = await newDatabasePath();
    const store = createSqliteEventStore({ path });
    try {
      await store.append('ticket-1', [{ id: 'a', type: 'T', data: {} }], { expectedVersion: 'no_stream' });
      const [last] = await store.readStream('ticket-1', { direction: 'backwards', maxCount: 1 });
      const child = await lockFromAnotherProcess(path, 'ticket-1', 800);

      const began = performance.now();
      const error = await store
        .append('ticket-1', [{ id: 'b', type: 'T', data: {} }], { expectedVersion: last!.version })
        .catch((e: unknown) => e);
      expect(performance.now() - began).toBeGreaterThan(100);
      expect(error).toBeInstanceOf(ConcurrencyError);
      expect(error).toMatchObject({ stream: 'ticket-1', expected: '0', actual: 1 });
      expect(await child.exited).toBe(0);
      expect((await store.readStream('ticket-1')).map((event) => event.id)).toEqual(['a', 'child-1']);
    } finally {
      await store.close();
    }
  });

  it('reports a write lock held past the busy timeout as a retriable UNAVAILABLE', async () => {
    const path = await newDatabasePath();
    const store = createSqliteEventStore({ path, busyTimeoutMs: 100 });
    try {
      await store.append('ticket-1', [{ id: 'a', type: 'T', data: {} }]);
      const child = await lockFromAnotherProcess(path, 'ticket-1', 500);
      const error = await store.append('ticket-1', [{ id: 'b', type: 'T', data: {} }]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EventStoreError);
      expect(error).toMatchObject({ code: 'EVENT_STORE.UNAVAILABLE', retriable: true });
      expect((error as Error).cause).toMatchObject({ code: 'ERR_SQLITE_ERROR', errcode: 5 });
      // Readers are never blocked by the writer in WAL mode.
      expect(await store.readStream('ticket-1')).toHaveLength(1);
      expect(await child.exited).toBe(0);
      expect(await store.append('ticket-1', [{ id: 'b', type: 'T', data: {} }])).toMatchObject({
        nextExpectedVersion: 2,
      });
    } finally {
      await store.close();
    }
  });

  it('wakes its own subscribers on commit instead of waiting for the next poll', async () => {
    const store = createSqliteEventStore({ path: ':memory:', pollIntervalMs: 60_000 });
    try {
      const stop = new AbortController();
      const signal = AbortSignal.any([stop.signal, AbortSignal.timeout(5000)]);
      setTimeout(() => void store.append('ticket-1', [{ id: 'a', type: 'T', data: {} }]), 30);
      const began = performance.now();
      const seen: string[] = [];
      for await (const batch of store.subscribeToAll({ signal })) {
        seen.push(...batch.map((event) => event.id));
        stop.abort();
      }
      expect(seen).toEqual(['a']);
      expect(performance.now() - began).toBeLessThan(1000);
    } finally {
      await store.close();
    }
  });

  it('refuses a database whose schema is newer than this code', async () => {
    const path = await newDatabasePath();
    const database = openSqlite(path);
    database.exec('PRAGMA user_version = 99');
    database.close();
    expect(() => createSqliteEventStore({ path })).toThrow(/newer/);
  });

  it('rejects data JSON cannot hold and a non-positive poll interval', async () => {
    const store = createSqliteEventStore({ path: ':memory:' });
    try {
      await expect(store.append('ticket-1', [{ id: 'a', type: 'T', data: { n: 1n } as never }])).rejects.toMatchObject({
        code: 'EVENT_STORE.INVALID_ARGUMENT',
      });
      await expect(store.append('ticket-1', [{ id: 'a', type: 'T', data: undefined as never }])).rejects.toMatchObject({
        code: 'EVENT_STORE.INVALID_ARGUMENT',
      });
      expect(await store.headPosition()).toBe(0);
    } finally {
      await store.close();
    }
    expect(() => createSqliteEventStore({ path: ':memory:', pollIntervalMs: 0 })).toThrow(EventStoreError);
  });

  it('says closed once closed', async () => {
    const store = createSqliteEventStore({ path: ':memory:' });
    expect(store.closed).toBe(false);
    await store.close();
    expect(store.closed).toBe(true);
    await expect(store.readAll()).rejects.toMatchObject({ code: 'EVENT_STORE.CLOSED', retriable: false });
  });
});

describe('SQLite checkpoint store', () => {
  afterEach(async () => {
    await Promise.all(
      temporaryDirectories.splice(0).map((directory) => rm(directory, { recursive: true, force: true })),
    );
  });

  it('loads 0 for a new subscriber, then the last saved position, across reopen, beside the events', async () => {
    const path = await newDatabasePath();
    const events = createSqliteEventStore({ path });
    const checkpoints = createSqliteCheckpointStore({ path });
    await events.append('ticket-1', [{ id: 'a', type: 'T', data: {} }]);
    expect(await checkpoints.load('projector')).toBe(0);
    await checkpoints.save('projector', 1);
    await checkpoints.save('projector', 7);
    await checkpoints.save('rule-reactor', 3);
    await checkpoints.close();
    await events.close();

    const reopened = createSqliteCheckpointStore({ path });
    try {
      expect(await reopened.load('projector')).toBe(7);
      expect(await reopened.load('rule-reactor')).toBe(3);
    } finally {
      await reopened.close();
    }
  });

  it("with the caller's connection, saves inside the caller's transaction", async () => {
    const database = openSqlite(':memory:');
    try {
      const checkpoints = createSqliteCheckpointStore({ database });
      database.exec('BEGIN');
      await checkpoints.save('projector', 5);
      database.exec('ROLLBACK');
      expect(await checkpoints.load('projector')).toBe(0);
      await checkpoints.close();
      // The connection stays the caller's.
      expect(database.isOpen).toBe(true);
    } finally {
      database.close();
    }
  });

  it('rejects bad arguments and calls after close', async () => {
    const checkpoints = createSqliteCheckpointStore({ path: ':memory:' });
    await expect(checkpoints.save('', 1)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    await expect(checkpoints.save('projector', -1)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    await expect(checkpoints.save('projector', 1.5)).rejects.toMatchObject({ code: 'EVENT_STORE.INVALID_ARGUMENT' });
    await checkpoints.close();
    await expect(checkpoints.load('projector')).rejects.toMatchObject({ code: 'EVENT_STORE.CLOSED' });
  });
});
