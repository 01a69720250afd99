import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import type { TicketState } from '@tickets/domain';
import type { TicketTimeline } from '@tickets/streams';
import { tempDir } from '@tickets/testing';
import { REPO, runTickets } from './cli-runner.js';

// Every CLI verb that uses a store works the same on the embedded SQLite store and on PostgreSQL:
// the seed story imported into each gives exactly the tickets `simulate` gives.
// EventStoreDB needs a server (EVENTSTORE_URL): its adapter passes the same contract suite.

const SEED = join(REPO, 'examples/seed-sms-story.ndjson');
const POSTGRES = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const schema = `cli_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
const dir = tempDir();

const stores = [
  { name: 'SQLite', url: `sqlite:${join(dir.path, 'tickets.db')}` },
  { name: 'PostgreSQL', url: `${POSTGRES}?schema=${schema}` },
];

afterAll(async () => {
  dir[Symbol.dispose]();
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

const json = <T>(stdout: string): T => JSON.parse(stdout) as T;

describe.each(stores)('the CLI on $name', ({ url }) => {
  it('import, replay and rebuild give the tickets simulate gives', async () => {
    const simulated = json<{ tickets: TicketState[] }>(
      (await runTickets(['simulate', '--events', SEED])).stdout,
    ).tickets;

    const imported = await runTickets(['import', '--events', SEED, '--store', url]);
    expect(imported.stderr).toBe('');
    expect(json(imported.stdout)).toEqual({
      accepted: 8,
      duplicates: 0,
      rejected: [],
      clock: { until: '2026-03-05T09:00:00.000Z', timersFired: 0 },
    });

    for (const ticket of simulated) {
      const replayed = await runTickets(['replay', '--ticket', ticket.ticketId, '--store', url, '--json']);
      expect(replayed.code).toBe(0);
      expect(json<TicketTimeline>(replayed.stdout).state).toEqual(ticket);
    }

    const rebuilt = await runTickets(['rebuild', '--store', url]);
    expect(rebuilt.code).toBe(0);
    expect(json<{ tickets: number }>(rebuilt.stdout).tickets).toBe(simulated.length);

    // Importing the same file again changes nothing: every event is a duplicate.
    expect(json((await runTickets(['import', '--events', SEED, '--store', url])).stdout)).toEqual({
      accepted: 0,
      duplicates: 8,
      rejected: [],
      clock: { until: '2026-03-05T09:00:00.000Z', timersFired: 0 },
    });
  });

  it('forget erases the customer: her tickets read as erased, and verify still passes', async () => {
    const forgotten = await runTickets(['forget', '--customer', 'cus_marie', '--store', url]);
    expect(forgotten.code, forgotten.stderr).toBe(0);
    expect(json(forgotten.stdout)).toMatchObject({ customerId: 'cus_marie', keysDeleted: 1, ticketsPurged: 2 });
    const replayed = await runTickets(['replay', '--customer', 'cus_marie', '--store', url, '--json']);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).not.toContain('Marie Dupont');
    expect(replayed.stdout).not.toContain('+33612345678');
    expect(replayed.stdout).toContain('[erased]');
    const verified = await runTickets(['verify', '--store', url, '--json']);
    expect(verified.code, verified.stdout).toBe(0);
  });
});
