import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createPostgresLease, type FollowerLease } from './postgres-lease.js';

const url = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const admin = new pg.Pool({ connectionString: url, max: 2, application_name: 'lease-test-admin' });
admin.on('error', () => undefined);
await admin.query('SELECT 1').catch((error: unknown) => {
  throw new Error(`PostgreSQL tests need a server at ${url} (set TICKETS_TEST_POSTGRES_URL): ${String(error)}`);
});

const opened: FollowerLease[] = [];
afterAll(async () => {
  await Promise.all(opened.map((lease) => lease.close()));
  await admin.end();
});

/** A schema name of its own per test: leases are keyed by schema, so tests never contend (no tables are made). */
const freshSchema = (): string => `t_lease_${randomBytes(6).toString('hex')}`;
const lease = (schema: string, role: string, instance: string): FollowerLease => {
  const created = createPostgresLease({ url, schema, role, instance, retryMs: 50, heartbeatMs: 100 });
  opened.push(created);
  return created;
};
const within = (ms: number): AbortSignal => AbortSignal.timeout(ms);

describe('PostgreSQL follower lease: one holder per role, a standby takes over', () => {
  it('a second instance waits while the first holds the role and gets it once it is let go', async () => {
    const schema = freshSchema();
    const first = lease(schema, 'projector', 'a');
    const second = lease(schema, 'projector', 'b');
    const held = await first.acquire(within(5_000));
    expect(held).not.toBeNull();
    expect(await second.acquire(within(500))).toBeNull();
    await held!.release();
    const taken = await second.acquire(within(5_000));
    expect(taken).not.toBeNull();
    expect(taken!.lost.aborted).toBe(false);
  });

  it('different roles and different schemas never contend', async () => {
    const schema = freshSchema();
    expect(await lease(schema, 'projector', 'a').acquire(within(5_000))).not.toBeNull();
    expect(await lease(schema, 'command-relay', 'b').acquire(within(5_000))).not.toBeNull();
    expect(await lease(freshSchema(), 'projector', 'c').acquire(within(5_000))).not.toBeNull();
  });

  it('the holder whose session dies is told it lost the role, and a standby holds it within a second', async () => {
    const schema = freshSchema();
    const holder = lease(schema, 'command-relay', `victim-${schema}`);
    const standby = lease(schema, 'command-relay', 'standby');
    const held = await holder.acquire(within(5_000));
    expect(held).not.toBeNull();
    const waiting = standby.acquire(within(10_000));
    // What a crashed process or a dead link amounts to for the server: the session ends.
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1', [
      `tickets-lease:command-relay:victim-${schema}`,
    ]);
    const killedAt = performance.now();
    const taken = await waiting;
    expect(taken).not.toBeNull();
    expect(performance.now() - killedAt).toBeLessThan(1_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(held!.lost.aborted).toBe(true);
  });

  it('an operator sees who holds a role: its advisory lock and the session named tickets-lease:<role>:<instance>', async () => {
    const schema = freshSchema();
    expect(await lease(schema, 'timer-scheduler', `ka-${schema}`).acquire(within(5_000))).not.toBeNull();
    const { rows } = await admin.query<{ pid: number }>(
      'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
      [`tickets-lease:timer-scheduler:ka-${schema}`],
    );
    expect(rows).toHaveLength(1);
    const locks = await admin.query('SELECT 1 FROM pg_locks WHERE locktype = $1 AND pid = $2 AND granted', [
      'advisory',
      rows[0]!.pid,
    ]);
    expect(locks.rowCount).toBe(1);
  });
});
