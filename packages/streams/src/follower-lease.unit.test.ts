import { describe, expect, it } from 'vitest';
import { createLogger } from '@tickets/platform';
import { followerLeases } from './follower-lease.js';

const logger = createLogger({ level: 'silent' });
const sqlite = { kind: 'sqlite', path: '/tmp/x.db' } as const;

describe('followerLeases: where the follower roles are leased', () => {
  it('without PostgreSQL (SQLite, one machine) nothing is leased: the follower runs at once and counts as held', async () => {
    const ran: string[] = [];
    const role = followerLeases(sqlite, logger, undefined).leased('projector', () => async () => void ran.push('ran'));
    await role.follow(new AbortController().signal);
    expect(ran).toEqual(['ran']);
    expect(role.held()).toBe(true);
  });

  it('TICKETS_LEASES that is not a PostgreSQL URL is refused, naming the setting', () => {
    expect(() => followerLeases(sqlite, logger, 'sqlite:/tmp/leases.db')).toThrow(
      /TICKETS_LEASES: expected a postgres/,
    );
    expect(() => followerLeases(sqlite, logger, 'nonsense')).toThrow(/TICKETS_LEASES/);
  });
});
