import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type PostgresPool = pg.Pool;

export interface PostgresPoolOptions {
  readonly url: string;
  /** Shows in `pg_stat_activity`, so an operator can tell (or end) this instance's connections. */
  readonly applicationName: string;
  /** Default 10. */
  readonly maxConnections?: number;
}

const DEFAULT_MAX_CONNECTIONS = 10;

/** A name unique to one store instance: `<label>-<random>`, within the server's 63 bytes. */
export const uniqueApplicationName = (label: string): string =>
  `${label.slice(0, 40)}-${randomBytes(6).toString('hex')}`;

/**
 * A pool with the settings the adapters rely on: TCP keepalive (a half-open link is found out and
 * its session locks freed), a bounded connect wait (an unreachable server fails a call instead of
 * hanging it), and a listener for errors of idle connections, which node-postgres would otherwise
 * raise as an uncaught 'error' event. The failed connection is already out of the pool then; the
 * next call opens a new one, so nothing else needs doing.
 */
export function openPostgresPool(options: PostgresPoolOptions): PostgresPool {
  const pool = new pg.Pool({
    connectionString: options.url,
    application_name: options.applicationName,
    max: options.maxConnections ?? DEFAULT_MAX_CONNECTIONS,
    keepAlive: true,
    connectionTimeoutMillis: 10_000,
    idleTimeoutMillis: 30_000,
  });
  pool.on('error', () => undefined);
  return pool;
}

export interface Connection {
  readonly client: pg.PoolClient;
  /** Hands the connection back; `discard` closes it instead (its session state is unknown or broken). */
  release(discard: boolean): void;
}

const ignoreError = (): void => undefined;

/**
 * Checks a connection out of the pool. While it is out, pg-pool no longer listens for its errors, and a
 * connection lost between two statements would raise an uncaught 'error' event: a listener is kept
 * on it until release (the next statement then fails, and the caller sees that failure).
 */
export async function checkOut(pool: pg.Pool): Promise<Connection> {
  const client = await pool.connect();
  client.on('error', ignoreError);
  let released = false;
  return {
    client,
    release(discard) {
      if (released) return;
      released = true;
      client.off('error', ignoreError);
      client.release(discard);
    },
  };
}
