import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ticketIdFor, type TicketState } from '@tickets/domain';
import type { TicketTimeline } from '@tickets/streams';
import { SMS_SOURCE, tempDir } from '@tickets/testing';
import type { WhatIfReport } from '@tickets/audit';
import { json } from './cli-json.js';
import { runTickets as tickets } from './cli-runner.js';

// Stores written before decisions moved into the ingest: the rule-reactor appended `RulesEvaluated`
// after the ingest's routing, with its own causation ids, sometimes interleaved with later routings
// (test/fixtures/legacy-reactor/README.md says how they were made). An engineer replaying history
// must still be able to read, verify and question them with today's version.

const FIXTURES = join(import.meta.dirname, 'fixtures/legacy-reactor');
const FIRST = ticketIdFor(SMS_SOURCE, 'sms-1');

/** The shipped rules as a file, as an engineer passes them to what-if. */
async function shippedRules(dir: string): Promise<string> {
  const path = join(dir, 'rules.json');
  const run = await tickets(['defaults', 'rules']);
  expect(run.code).toBe(0);
  writeFileSync(path, run.stdout);
  return path;
}

/** A copy in a temporary directory: the CLI writes to a store it opens (checkpoints, read model). */
function copyOf(dir: string, name: string): string {
  const path = join(dir, name);
  copyFileSync(join(FIXTURES, name), path);
  return `sqlite:${path}`;
}

describe('stores written by the rule-reactor era stay readable', () => {
  it('the seed story imported then: verify passes, replay explains the reactor-era decisions, what-if re-decides them identically', async () => {
    using dir = tempDir();
    const store = copyOf(dir.path, 'seed-import.db');
    const env = { TICKETS_PII_ENCRYPTION: 'off' };

    const verify = await tickets(['verify', '--store', store], env);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('verify: OK');
    // Nothing says which rules made these decisions: they are checked for consistency, not made again.
    expect(verify.stdout).toContain('re-decision: no configuration recorded in this store');
    // Written before the hash chain: nothing chained, and verify says where the unchained part ends.
    expect(verify.stdout).toMatch(
      /hash chain: 0 events in \d+ streams chained, 0 broken; \d+ events written before the chain \(the last at position \d+\) are not covered/,
    );

    const timeline = json<TicketTimeline>(
      await tickets(['replay', '--ticket', FIRST, '--store', store, '--json'], env),
    );
    expect(timeline.entries.filter((e) => e.type === 'RulesEvaluated').length).toBeGreaterThan(0);
    expect(timeline.state).toMatchObject({
      status: 'closed',
      reopenCount: 2,
      tags: ['auto-closed-thanks', 'reopened-sms'],
    } satisfies Partial<TicketState>);

    // The same rules through today's one decision: the reactor, keeping up, had decided the same.
    const report = json<WhatIfReport>(
      await tickets(['what-if', '--rules', await shippedRules(dir.path), '--store', store, '--json'], env),
    );
    expect(report.summary).toMatchObject({
      events: 8,
      decisionsChanged: 0,
      commandsAdded: 0,
      commandsRemoved: 0,
      commandsChanged: 0,
      commandsUnchanged: 7,
    });
  });

  it('the seed story imported then, continued today: the new decision is made again on what the old ones stored, the old ones are checked as before', async () => {
    using dir = tempDir();
    const store = copyOf(dir.path, 'seed-import.db');
    const env = { TICKETS_PII_ENCRYPTION: 'off' };
    const next = join(dir.path, 'next.ndjson');
    writeFileSync(
      next,
      `${JSON.stringify({
        specversion: '1.0',
        id: 'sms-5',
        source: SMS_SOURCE,
        type: 'message.received',
        time: '2026-03-05T11:00:00+01:00',
        subject: 'cus_marie',
        data: {
          channel: 'sms',
          integration: 'postscript',
          customer: { id: 'cus_marie', name: 'Marie Dupont', phone: '+33612345678' },
          message: { id: 'msg-5', body: 'Et une autre chose' },
        },
      })}\n`,
    );
    expect(json(await tickets(['import', '--events', next, '--store', store], env))).toMatchObject({ accepted: 1 });

    const verify = await tickets(['verify', '--store', store], env);
    expect(verify.code, verify.stdout).toBe(0);
    expect(verify.stdout).toMatch(
      /re-decision: 1 decision made again under 1 recorded configuration, \d+ stored events compared, 8 earlier ones recorded without configuration \(checked for consistency only\), 0 differing/,
    );
    // Today's decision is chained from there on: its ticket's chain starts at its first new event.
    expect(verify.stdout).toMatch(
      /hash chain: [1-9]\d* events in \d+ streams chained, 0 broken; \d+ events written before the chain \(the last at position \d+\) are not covered, [1-9]\d* streams chained from their first later event/,
    );
  });

  it('a store the reactor decided behind a batched ingest (encrypted): verify passes; replay and what-if read every record', async () => {
    using dir = tempDir();
    const store = copyOf(dir.path, 'served-batches.db');

    const verify = await tickets(['verify', '--store', store]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/verify: OK/);
    expect(verify.stdout).toMatch(/308 inbound log records, 0 inconsistent/);

    const customer = await tickets(['replay', '--customer', 'cus_marie', '--store', store, '--json']);
    expect(customer.code).toBe(0);
    expect(json<{ tickets: unknown[] }>(customer).tickets.length).toBeGreaterThan(0);

    // What-if replays all 308 inbound events; where the reactor decided behind the ingest (the race
    // this version removed) today's decision differs, and what-if says so instead of failing.
    const report = json<WhatIfReport>(
      await tickets(['what-if', '--rules', await shippedRules(dir.path), '--store', store, '--json']),
    );
    expect(report.summary).toMatchObject({ events: 308, replayed: 308, rejected: 0 });
  });
});
