import { hostname } from 'node:os';
import type { KafkaSetup } from '@tickets/messaging';
import { delay } from '@tickets/platform';

/** How long one recovery took after a SIGKILL: a role taken by a standby, or the ingest group stable again. */
export interface Recovery {
  /** `projector`, `state-relay`, `command-relay`, `timer-scheduler`, or `ingest-group`. */
  readonly what: string;
  /** Seconds from the kill to the recovery; null when it did not happen within the watch's limit. */
  readonly seconds: number | null;
  /**
   * For a role: whether another instance was standing by at the kill. When not (it was itself being
   * restarted after an earlier kill), the takeover also waits for that instance to start.
   */
  readonly standby?: boolean;
}

const LIMIT_MS = 60_000;
const LOOK_MS = 100;
const LEASE_PREFIX = 'tickets-lease:';

/**
 * The lease sessions (application names `tickets-lease:<role>:<host>:<pid>`): all of them (holders and
 * standbys) or only those holding their role now.
 */
type Holders = (holding: boolean) => Promise<string[]>;

/**
 * Watches recoveries after kills, for the scale-out test: which follower roles the killed process held
 * (PostgreSQL's view of the leases) and how long until another instance holds each; which ingest
 * group members it was and how long until the group is stable without them.
 */
export class TakeoverWatch {
  readonly #pending: Promise<Recovery[]>[] = [];

  constructor(
    private readonly holders: Holders | null,
    private readonly kafka: KafkaSetup,
    private readonly ingestGroup: string,
  ) {}

  /** The lease sessions holding a role, read from pg_locks (null for a store without leases). */
  static async postgresHolders(url: string): Promise<{ holders: Holders; close: () => Promise<void> }> {
    const { default: pg } = await import('pg');
    const pool = new pg.Pool({ connectionString: url, max: 1, application_name: 'scale-out-watch' });
    pool.on('error', () => undefined);
    const holders: Holders = async (holding) => {
      const { rows } = await pool.query<{ app: string }>(
        holding
          ? `SELECT a.application_name AS app FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
             WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE $1`
          : 'SELECT application_name AS app FROM pg_stat_activity WHERE application_name LIKE $1',
        [`${LEASE_PREFIX}%`],
      );
      return rows.map((row) => row.app);
    };
    return { holders, close: () => pool.end() };
  }

  /** Before killing a follower process: the roles it holds; the recovery of each is then timed. */
  async beforeFollowerKill(pid: number): Promise<() => void> {
    if (this.holders === null) return () => {};
    const me = `:${hostname()}:${pid}`;
    const roles = (await this.holders(true))
      .filter((app) => app.endsWith(me))
      .map((app) => app.slice(LEASE_PREFIX.length, -me.length));
    const sessions = await this.holders(false);
    const standby = (role: string): boolean =>
      sessions.some((app) => app.startsWith(`${LEASE_PREFIX}${role}:${hostname()}:`) && !app.endsWith(me));
    return () => {
      const killedAt = performance.now();
      this.#pending.push(Promise.all(roles.map((role) => this.#untilHeld(role, me, killedAt, standby(role)))));
    };
  }

  /** Before killing an ingest instance (Kafka client id `clientId`): its group members; the rebalance is then timed. */
  async beforeIngestKill(clientId: string): Promise<() => void> {
    const members = new Set(
      (await this.#group()).members.filter((m) => m.clientId === clientId).map((m) => m.memberId),
    );
    return () => {
      const killedAt = performance.now();
      this.#pending.push(this.#untilStableWithout(members, killedAt).then((recovery) => [recovery]));
    };
  }

  /** Every recovery timed so far (waits for those still being watched). */
  async recoveries(): Promise<Recovery[]> {
    return (await Promise.all(this.#pending)).flat();
  }

  async #untilHeld(role: string, killed: string, killedAt: number, standby: boolean): Promise<Recovery> {
    while (performance.now() - killedAt < LIMIT_MS) {
      const held = (await this.holders!(true)).some(
        (app) => app.startsWith(`${LEASE_PREFIX}${role}:${hostname()}:`) && !app.endsWith(killed),
      );
      if (held) return { what: role, seconds: seconds(killedAt), standby };
      await delay(LOOK_MS);
    }
    return { what: role, seconds: null, standby };
  }

  async #untilStableWithout(members: ReadonlySet<string>, killedAt: number): Promise<Recovery> {
    while (performance.now() - killedAt < LIMIT_MS) {
      const group = await this.#group().catch(() => null);
      if (group !== null && group.state === 'Stable' && !group.members.some((m) => members.has(m.memberId))) {
        return { what: 'ingest-group', seconds: seconds(killedAt) };
      }
      await delay(LOOK_MS);
    }
    return { what: 'ingest-group', seconds: null };
  }

  async #group(): Promise<{ state: string; members: { memberId: string; clientId: string }[] }> {
    const admin = this.kafka.kafka.admin();
    await admin.connect();
    try {
      const { groups } = await admin.describeGroups([this.ingestGroup]);
      const group = groups[0];
      return {
        state: group?.state ?? 'Unknown',
        members: (group?.members ?? []).map((m) => ({ memberId: m.memberId, clientId: m.clientId })),
      };
    } finally {
      await admin.disconnect();
    }
  }
}

const seconds = (since: number): number => Math.round((performance.now() - since) / 100) / 10;

/** Median and maximum of the recoveries of one kind (null when none). */
export function summarise(
  recoveries: readonly Recovery[],
): Record<string, { count: number; median: number | null; max: number | null; failed: number }> {
  const byWhat = new Map<string, Recovery[]>();
  for (const r of recoveries) {
    const what = r.standby === false ? `${r.what} (its standby was restarting)` : r.what;
    byWhat.set(what, [...(byWhat.get(what) ?? []), r]);
  }
  return Object.fromEntries(
    [...byWhat].map(([what, list]) => {
      const times = list.flatMap((r) => (r.seconds === null ? [] : [r.seconds])).sort((a, b) => a - b);
      return [
        what,
        {
          count: list.length,
          median: times[Math.floor(times.length / 2)] ?? null,
          max: times.at(-1) ?? null,
          failed: list.length - times.length,
        },
      ];
    }),
  );
}
