import pg from 'pg';
import { delay } from '@tickets/retry';

/**
 * A role only one instance may play at a time (the projector, a relay, the timer scheduler), held
 * as a PostgreSQL session advisory lock: PostgreSQL is the coordinator, we run no election of our own.
 * The lock lives as long as the session: when the holder's process dies the server sees its socket
 * close and frees the lock at once; when its machine or link dies, the server's TCP keepalive (set on
 * the session, below) ends the session within about `deadPeerSeconds`.
 */
export interface FollowerLease {
  /** Waits until this instance holds the role; null when `signal` aborted first. */
  acquire(signal: AbortSignal): Promise<HeldLease | null>;
  /** Ends the session: a role still held is let go. */
  close(): Promise<void>;
}

export interface HeldLease {
  /** Aborts when the role is lost (the lease's session broke): stop working at once. */
  readonly lost: AbortSignal;
  /** How long acquire() waited, in milliseconds (a standby's takeover time). */
  readonly waitedMs: number;
  /** Lets the role go (another instance may take it). */
  release(): Promise<void>;
}

export interface PostgresLeaseOptions {
  readonly url: string;
  /** The store's schema: roles of different stores never contend. */
  readonly schema: string;
  /** The role: `projector`, `state-relay`, `command-relay`, `timer-scheduler`. */
  readonly role: string;
  /** Shows in `pg_stat_activity` (`tickets-lease:<role>:<instance>`): who holds what. */
  readonly instance: string;
  /** How often a standby asks for the role (default 500 ms): the takeover time after a crash. */
  readonly retryMs?: number;
  /** How often the holder checks its session is alive (default 1 s). */
  readonly heartbeatMs?: number;
  /** The server drops a silent peer's session (and its lock) after about this long (default 10 s). */
  readonly deadPeerSeconds?: number;
}

/** The advisory-lock key space of leases (the first of the two int4 keys): apart from the appends' locks. */
const LEASE_CLASS = 0x7ea5e;

/** One role's lease on a PostgreSQL database (each instance opens its own per role). */
export function createPostgresLease(options: PostgresLeaseOptions): FollowerLease {
  const retryMs = options.retryMs ?? 500;
  const heartbeatMs = options.heartbeatMs ?? 1_000;
  const deadPeer = options.deadPeerSeconds ?? 10;
  const key = `${options.schema}:lease:${options.role}`;
  let client: pg.Client | null = null;
  let closed = false;

  /** The lease's own session, opened on demand and again after it broke. */
  async function session(): Promise<pg.Client> {
    if (client !== null) return client;
    const fresh = new pg.Client({
      connectionString: options.url,
      application_name: `tickets-lease:${options.role}:${options.instance}`.slice(0, 63),
      keepAlive: true,
      keepAliveInitialDelayMillis: 1_000,
      connectionTimeoutMillis: 10_000,
    });
    // A broken session is seen by the next statement (or the heartbeat); the event itself must not be uncaught.
    fresh.on('error', () => undefined);
    await fresh.connect();
    try {
      // The server's side of the keepalive: a holder whose machine vanished loses the lock in ~deadPeer s.
      const idle = Math.max(1, Math.floor(deadPeer / 2));
      const interval = Math.max(1, Math.floor(deadPeer / 6));
      await fresh.query(
        `SET tcp_keepalives_idle = ${idle}; SET tcp_keepalives_interval = ${interval}; SET tcp_keepalives_count = 3;` +
          ` SET tcp_user_timeout = ${deadPeer * 1000}`,
      );
    } catch (error) {
      await fresh.end().catch(() => undefined);
      throw error;
    }
    client = fresh;
    return fresh;
  }

  async function drop(): Promise<void> {
    const old = client;
    client = null;
    await old?.end().catch(() => undefined);
  }

  async function tryLock(): Promise<boolean> {
    try {
      const c = await session();
      const result = await c.query<{ held: boolean }>('SELECT pg_try_advisory_lock($1, hashtext($2)) AS held', [
        LEASE_CLASS,
        key,
      ]);
      return result.rows[0]?.held === true;
    } catch {
      // The database is away: a standby keeps asking; nothing is held meanwhile.
      await drop();
      return false;
    }
  }

  return {
    async acquire(signal) {
      const began = performance.now();
      while (!signal.aborted && !closed) {
        if (await tryLock()) return hold(client!, performance.now() - began);
        await delay(retryMs, signal);
      }
      return null;
    },
    async close() {
      closed = true;
      await drop();
    },
  };

  function hold(held: pg.Client, waitedMs: number): HeldLease {
    const lost = new AbortController();
    let released = false;
    const onEnd = (): void => lost.abort(new Error(`lease ${options.role}: session ended`));
    held.once('end', onEnd);
    held.once('error', onEnd);
    const beat = setInterval(() => {
      held.query('SELECT 1').catch(() => {
        lost.abort(new Error(`lease ${options.role}: heartbeat failed`));
        void drop();
      });
    }, heartbeatMs);
    lost.signal.addEventListener('abort', () => clearInterval(beat), { once: true });
    return {
      lost: lost.signal,
      waitedMs,
      async release() {
        if (released) return;
        released = true;
        clearInterval(beat);
        held.off('end', onEnd);
        held.off('error', onEnd);
        if (lost.signal.aborted) return;
        // Unlocking on a session that broke fails; the server freed the lock with the session anyway.
        await held.query('SELECT pg_advisory_unlock($1, hashtext($2))', [LEASE_CLASS, key]).catch(() => drop());
      },
    };
  }
}
