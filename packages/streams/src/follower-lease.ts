import { hostname } from 'node:os';
import { parseStoreUrl, type StoreLocation } from '@tickets/event-store';
import { ConfigError, type Logger } from '@tickets/platform';

/** The roles that follow the store and must run on one instance at a time (docs/scaling.md). */
export type FollowerRole = 'projector' | 'state-relay' | 'command-relay' | 'timer-scheduler';

/** A follower's loop: runs until `signal` aborts. */
export type Follow = (signal: AbortSignal) => Promise<void>;

export interface LeasedFollower {
  /** The follower for followUntil: stands by until it holds the role, works while it holds it. */
  readonly follow: Follow;
  /** This instance holds the role now (a drain on stop is its job, not a standby's). */
  held(): boolean;
  /** Lets the role go (after the drain): a standby takes over. */
  close(): Promise<void>;
}

export interface FollowerLeases {
  /**
   * Wraps a follower so that one instance at a time runs it. `start` is called on each acquisition,
   * so a follower that lost the role and got it back starts from the committed checkpoint with empty
   * caches (another instance wrote meanwhile).
   */
  leased(role: FollowerRole, start: () => Follow): LeasedFollower;
}

/**
 * Where the roles are leased: `leases` (the configuration's `TICKETS_LEASES`, a PostgreSQL URL) when
 * set, else the store when it is PostgreSQL. With SQLite (one machine) or KurrentDB without `TICKETS_LEASES`, nothing is leased:
 * run one instance of each follower, as before.
 */
export function followerLeases(store: StoreLocation, logger: Logger, leases: string | undefined): FollowerLeases {
  const configured = leases?.trim();
  const where = configured !== undefined && configured !== '' ? leaseLocation(configured) : store;
  if (where.kind !== 'postgres') return { leased: (_role, start) => alwaysHeld(start) };
  const location = where;
  const instance = `${hostname()}:${process.pid}`;
  return {
    leased(role, start) {
      return leasedFollower(role, start, logger, async () => {
        const { createPostgresLease } = await import('@tickets/event-store/postgres');
        return createPostgresLease({ url: location.url, schema: location.schema ?? 'tickets', role, instance });
      });
    },
  };
}

function leaseLocation(text: string): StoreLocation {
  let where: StoreLocation;
  try {
    where = parseStoreUrl(text);
  } catch {
    where = { kind: 'sqlite', path: text };
  }
  if (where.kind !== 'postgres')
    throw new ConfigError(`TICKETS_LEASES: expected a postgres://… URL, got ${JSON.stringify(text)}`);
  return where;
}

function alwaysHeld(start: () => Follow): LeasedFollower {
  return { follow: (signal) => start()(signal), held: () => true, close: async () => {} };
}

type Lease = Awaited<ReturnType<typeof import('@tickets/event-store/postgres').createPostgresLease>>;

function leasedFollower(
  role: FollowerRole,
  start: () => Follow,
  logger: Logger,
  open: () => Promise<Lease>,
): LeasedFollower {
  let lease: Lease | null = null;
  let holding = false;
  return {
    held: () => holding,
    async close() {
      holding = false;
      await lease?.close();
    },
    async follow(signal) {
      lease ??= await open();
      while (!signal.aborted) {
        logger.info({ role }, 'standing by for the role');
        const held = await lease.acquire(signal);
        if (held === null) return;
        holding = true;
        logger.info({ role, waitedMs: Math.round(held.waitedMs) }, 'role taken');
        const working = AbortSignal.any([signal, held.lost]);
        try {
          await start()(working);
        } catch (error) {
          // A follower failing while it held the role takes the service down, as without leases;
          // one failing because the role was lost under it stands by again.
          if (!held.lost.aborted) {
            holding = false;
            await held.release();
            throw error;
          }
        }
        if (held.lost.aborted) {
          holding = false;
          logger.warn({ role, reason: String(held.lost.reason) }, 'role lost; standing by');
          await held.release();
          continue;
        }
        // Stopping (signal) or the follower ended on its own: the role is kept until close(), so
        // the drain after the stop runs before a standby starts.
        return;
      }
    },
  };
}
