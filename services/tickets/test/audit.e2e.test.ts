import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES_SOURCE, ticketIdFor, type Command } from '@tickets/domain';
import type { CustomerTimeline, TicketTimeline } from '@tickets/streams';
import { SMS_SOURCE, tempDir } from '@tickets/testing';
import type { VerifyReport } from '@tickets/audit';
import type { WhatIfReport } from '@tickets/audit';
import { json } from './cli-json.js';
import { REPO, runTickets as tickets } from './cli-runner.js';

const SEED = join(REPO, 'examples/seed-sms-story.ndjson');

// The audit verbs on a store made by `tickets import` of the seed story: Marie's SMS ticket is
// closed, reopened by sms-2 (auto-reply), closed, reopened and closed again by "Merci !" (sms-3);
// sms-4, after the 24 h Postscript window, opens a follow-up ticket.

const FIRST = ticketIdFor(SMS_SOURCE, 'sms-1');
const FOLLOW_UP = ticketIdFor(SMS_SOURCE, 'sms-4');

let dir: ReturnType<typeof tempDir>;
let store: string;
let dbPath: string;
let rulesFile: string;
let noThanksFile: string;
let policy48File: string;

/** A fresh copy of the imported seed store, for tests that damage it. */
async function importedSeed(name: string): Promise<{ store: string; path: string }> {
  const path = join(dir.path, `${name}.db`);
  json(await tickets(['import', '--events', SEED, '--store', `sqlite:${path}`]));
  return { store: `sqlite:${path}`, path };
}

const storeBytes = (path: string): string => {
  const hash = createHash('sha256');
  for (const file of [path, `${path}-wal`]) {
    try {
      hash.update(readFileSync(file));
    } catch {
      hash.update('absent');
    }
  }
  return hash.digest('hex');
};

beforeAll(async () => {
  dir = tempDir();
  ({ store, path: dbPath } = await importedSeed('seed'));
  rulesFile = join(dir.path, 'rules.json');
  writeFileSync(rulesFile, JSON.stringify(DEFAULT_RULES_SOURCE));
  noThanksFile = join(dir.path, 'no-thanks.json');
  writeFileSync(
    noThanksFile,
    JSON.stringify({
      ...DEFAULT_RULES_SOURCE,
      rules: DEFAULT_RULES_SOURCE.rules.filter((r) => r.id !== 'sms-thanks-autoclose'),
    }),
  );
  policy48File = join(dir.path, 'policy-48h.json');
  writeFileSync(policy48File, JSON.stringify({ ...DEFAULT_REOPEN_POLICY, integrations: { postscript: '48h' } }));
});
afterAll(() => dir[Symbol.dispose]());

describe('tickets replay --ticket: why the seed ticket did what it did', () => {
  let text: string;
  beforeAll(async () => {
    const run = await tickets(['replay', '--ticket', FIRST, '--store', store]);
    expect(run.code).toBe(0);
    text = run.stdout;
  });

  it('shows each event with its time, source and correlation id', () => {
    // Position 1 is the record of the configuration the import ran with: the decisions name it.
    expect(text).toMatch(
      /#0 2026-03-02T08:00:00\.000Z TicketCreated {2}\(correlation sms-1, source https:\/\/postscript\.example\/sms, position 2, config [0-9a-f]{12}\)/,
    );
    expect(text).toContain('TicketClosed  (correlation agent-2, source https://helpdesk.example/agents');
    expect(text).toContain('RulesEvaluated  (correlation sms-2, source rule-reactor');
    expect(text).toContain('TagsChanged  (correlation sms-2, source rule sms-reopened (rule-reactor)');
  });

  it('gives each routing decision with its reason and the window it used', () => {
    expect(text).toContain('routing: new_ticket — first contact on this channel');
    expect(text).toContain(
      'routing: reopen — message time 2026-03-03T07:00:00.000Z is before the reopen deadline 2026-03-03T09:00:00.000Z',
    );
    expect(text).toContain(`window used: 24h (integration postscript), fixed when ${FIRST} closed`);
    expect(text).toContain('window: 24h (integration postscript), reopen deadline 2026-03-03T09:00:00.000Z');
  });

  it('shows the state diff of each event', () => {
    expect(text).toContain('status: closed → open');
    expect(text).toContain('reopenCount: 0 → 1');
    expect(text).toContain('tags: [] → ["reopened-sms"]');
  });

  it('gives every rule evaluated on a trigger, each condition with its value, and what fired, was skipped and why', () => {
    expect(text).toMatch(/rules on message\.received \(ev_\w+, #7 MessageReceived\):/);
    expect(text).toContain('sms-reopened: fired');
    expect(text).toContain('✓ previous.status eq closed (was closed)');
    expect(text).toContain('✗ previous.status eq closed (was absent)');
    expect(text).toContain('✓ ticket.subject contains customer.name = Marie Dupont (was SMS from Marie Dupont)');
    expect(text).toContain('sms-follow-up-check: not_matched — a condition failed');
    expect(text).toContain('→ send_auto_reply: emitted: send to +33612345678 on sms: «Merci pour votre suivi !');
    expect(text).toContain('sms-thanks-autoclose: fired');
    expect(text).toContain(
      'sms-reopened: skipped_stop by sms-thanks-autoclose — that rule fired first and has stop: no later rule runs for this trigger',
    );
    expect(text).toContain('closed by rule sms-thanks-autoclose');
  });

  it('--at just before the first reopen shows the closed ticket; just after, the reopened one', async () => {
    const before = json<TicketTimeline>(
      await tickets(['replay', '--ticket', FIRST, '--at', '2026-03-03T06:59:59Z', '--store', store, '--json']),
    );
    const after = json<TicketTimeline>(
      await tickets(['replay', '--ticket', FIRST, '--at', '2026-03-03T07:00:00Z', '--store', store, '--json']),
    );
    expect(before.state).toMatchObject({
      status: 'closed',
      reopenCount: 0,
      reopenDeadline: '2026-03-03T09:00:00.000Z',
      tags: [],
    });
    expect(after.state).toMatchObject({
      status: 'open',
      reopenCount: 1,
      reopenDeadline: null,
      tags: ['reopened-sms'],
      team: 'SMS Support',
    });
    const text = (await tickets(['replay', '--ticket', FIRST, '--at', '2026-03-03T07:00:00Z', '--store', store]))
      .stdout;
    expect(text).toContain(`ticket ${FIRST} at 2026-03-03T07:00:00.000Z`);
    expect(text).toContain('state: open, tags [reopened-sms], team SMS Support, reopened 1×');
  });
});

describe('tickets replay --customer: all of a customer’s tickets with their routing decisions', () => {
  it('lists both tickets in order, each message routed new / reopen / follow-up with the window used', async () => {
    const timeline = json<CustomerTimeline>(
      await tickets(['replay', '--customer', 'cus_marie', '--store', store, '--json']),
    );
    expect(timeline.tickets.map((t) => t.ticketId)).toEqual([FIRST, FOLLOW_UP]);
    expect(timeline.tickets[0]!.routing.map((d) => [d.correlationId, d.kind])).toEqual([
      ['sms-1', 'new_ticket'],
      ['sms-2', 'reopen'],
      ['sms-3', 'reopen'],
    ]);
    expect(timeline.tickets[1]).toMatchObject({
      followUpOf: FIRST,
      routing: [
        {
          correlationId: 'sms-4',
          kind: 'follow_up',
          reopenDeadline: '2026-03-04T11:00:00.000Z',
          window: { duration: '24h', source: 'integration', key: 'postscript' },
        },
      ],
    });
    expect(timeline.tickets[0]!.closes.map((c) => [c.closedBy.type, c.reopenDeadline])).toEqual([
      ['agent', '2026-03-03T09:00:00.000Z'],
      ['agent', '2026-03-04T08:10:00.000Z'],
      ['rule', '2026-03-04T11:00:00.000Z'],
    ]);
  });

  it('as text, and --at before the follow-up leaves it out', async () => {
    const text = (await tickets(['replay', '--customer', 'cus_marie', '--store', store])).stdout;
    expect(text).toContain(
      `ticket ${FOLLOW_UP}  sms via postscript  created 2026-03-05T09:00:00.000Z by the customer, follow-up of ${FIRST}`,
    );
    expect(text).toContain('2026-03-05T09:00:00.000Z  follow-up of');
    const earlier = json<CustomerTimeline>(
      await tickets(['replay', '--customer', 'cus_marie', '--at', '2026-03-04T00:00:00Z', '--store', store, '--json']),
    );
    expect(earlier.tickets.map((t) => t.ticketId)).toEqual([FIRST]);
  });

  it('needs exactly one of --ticket and --customer, and a store that exists', async () => {
    expect((await tickets(['replay', '--store', store])).code).toBe(2);
    expect((await tickets(['replay', '--ticket', FIRST, '--customer', 'cus_marie', '--store', store])).code).toBe(2);
    const missing = await tickets([
      'replay',
      '--ticket',
      FIRST,
      '--store',
      `sqlite:${join(dir.path, 'nothing-here.db')}`,
    ]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no store at');
  });
});

describe('tickets what-if on the seed story', () => {
  const whatIf = async (...args: string[]): Promise<WhatIfReport> =>
    json<WhatIfReport>(await tickets(['what-if', '--store', store, '--json', ...args]));

  it('with the rules and the policy it was recorded with: no difference at all', async () => {
    const report = await whatIf('--rules', rulesFile);
    expect(report.summary).toEqual({
      events: 8,
      decisionsChanged: 0,
      commandsAdded: 0,
      commandsRemoved: 0,
      commandsChanged: 0,
      commandsUnchanged: 7,
      rejected: 0,
      erased: 0,
      replayed: 8,
    });
  });

  it('Postscript window 48 h instead of 24 h: the follow-up becomes a reopen, and exactly the commands that follow change', async () => {
    const report = await whatIf('--rules', rulesFile, '--policy', policy48File);

    expect(report.summary).toMatchObject({
      events: 8,
      decisionsChanged: 1,
      commandsAdded: 1,
      commandsRemoved: 2,
      commandsChanged: 0,
    });
    expect(report.decisions).toEqual([
      expect.objectContaining({
        inboundId: 'sms-4',
        customerId: 'cus_marie',
        before: 'follow_up',
        after: 'reopen',
        beforeTicketId: FOLLOW_UP,
        afterTicketId: FIRST,
      }),
    ]);
    // Reopened instead: the reopen rule acknowledges it (its tag and team are already there)…
    expect(report.commands.added).toEqual([
      expect.objectContaining({
        type: 'message.send',
        subject: FIRST,
        data: expect.objectContaining({ ruleId: 'sms-reopened', correlationId: 'sms-4', to: '+33612345678' }),
      }),
    ]);
    // …and the follow-up check has no new ticket to flag.
    expect(report.commands.removed.map((c: Command) => [c.type, c.subject, c.data.ruleId])).toEqual([
      ['ticket.tag.add', FOLLOW_UP, 'sms-follow-up-check'],
      ['ticket.note.add', FOLLOW_UP, 'sms-follow-up-check'],
    ]);
    expect(report.transitions).toEqual({ 'follow_up → reopen': 1 });
    expect(report.byRule).toEqual({
      'sms-follow-up-check': { added: 0, removed: 2, changed: 0 },
      'sms-reopened': { added: 1, removed: 0, changed: 0 },
    });
  });

  it('without the thanks rule: "Merci !" would get the auto-reply, and the ticket would not be closed', async () => {
    const report = await whatIf('--rules', noThanksFile);

    const added = report.commands.added.filter((c) => c.type === 'message.send');
    expect(added).toEqual([
      expect.objectContaining({
        subject: FIRST,
        data: expect.objectContaining({
          ruleId: 'sms-reopened',
          correlationId: 'sms-3',
          body: expect.stringContaining('Merci pour votre suivi'),
        }),
      }),
    ]);
    expect(report.commands.removed).toContainEqual(
      expect.objectContaining({
        type: 'ticket.close',
        subject: FIRST,
        data: expect.objectContaining({ ruleId: 'sms-thanks-autoclose', correlationId: 'sms-3' }),
      }),
    );
    // Still open, the last message joins the first ticket instead of opening a follow-up.
    expect(report.decisions).toEqual([
      expect.objectContaining({ inboundId: 'sms-4', before: 'follow_up', after: 'open_ticket', afterTicketId: FIRST }),
    ]);
  });

  it('--since limits the report to later event times; earlier events are still replayed to build the state', async () => {
    const report = await whatIf('--rules', rulesFile, '--policy', policy48File, '--since', '2026-03-04T00:00:00Z');
    expect(report.summary).toMatchObject({
      events: 1,
      replayed: 8,
      decisionsChanged: 1,
      commandsAdded: 1,
      commandsRemoved: 2,
    });
    const before = await whatIf('--rules', rulesFile, '--policy', policy48File, '--until', '2026-03-04T00:00:00Z');
    expect(before.summary).toMatchObject({
      events: 7,
      replayed: 8,
      decisionsChanged: 0,
      commandsAdded: 0,
      commandsRemoved: 0,
    });
  });

  it('decides the same with worker threads as in one thread', async () => {
    const inline = await whatIf('--rules', noThanksFile, '--policy', policy48File, '--threads', '0');
    const threaded = await whatIf('--rules', noThanksFile, '--policy', policy48File, '--threads', '2');
    expect(threaded).toEqual(inline);
  });

  it('writes nothing to the store', async () => {
    const before = storeBytes(dbPath);
    await whatIf('--rules', noThanksFile, '--policy', policy48File);
    expect(storeBytes(dbPath)).toBe(before);
  });

  it('prints a summary table first and the details after', async () => {
    const run = await tickets(['what-if', '--rules', rulesFile, '--policy', policy48File, '--store', store]);
    expect(run.code).toBe(0);
    const text = run.stdout;
    expect(text).toMatch(
      /summary\n {2}inbound events compared +8\n {2}routing decisions changed +1\n {2}commands added +1\n {2}commands removed +2/,
    );
    expect(text).toMatch(/follow_up → reopen +1/);
    expect(text).toMatch(/sms-follow-up-check +0 +2 +0/);
    expect(text.indexOf('details')).toBeGreaterThan(text.indexOf('commands per rule'));
    expect(text).toContain(`sms-4 from customer cus_marie: follow_up on ${FOLLOW_UP} → reopen on ${FIRST}`);
  });

  it('refuses bad input: no --rules, a bad time, an empty range, a bad rules file (exit 2)', async () => {
    const noRules = await tickets(['what-if', '--store', store]);
    expect(noRules.code).toBe(2);
    expect(noRules.stderr).toContain("required option '--rules <file>' not specified");
    expect((await tickets(['what-if', '--rules', rulesFile, '--since', 'yesterday', '--store', store])).code).toBe(2);
    expect(
      (
        await tickets([
          'what-if',
          '--rules',
          rulesFile,
          '--since',
          '2026-03-05T00:00:00Z',
          '--until',
          '2026-03-01T00:00:00Z',
          '--store',
          store,
        ])
      ).code,
    ).toBe(2);
    const broken = join(dir.path, 'broken.json');
    writeFileSync(broken, '{"rules": [{"id": "x"}]}');
    const run = await tickets(['what-if', '--rules', broken, '--store', store]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--rules');
  });
});

describe('tickets verify', () => {
  it('passes on an imported store: every row and every recorded decision checks out', async () => {
    const run = await tickets(['verify', '--store', store, '--json']);
    const report = json<VerifyReport>(run);
    expect(report.ok).toBe(true);
    expect(report.readModel).toMatchObject({ tickets: 2, mismatches: [], notYetProjected: 0 });
    expect(report.decisions).toMatchObject({ rulesEvaluated: 6, commands: 7, inboundRecords: 8, mismatches: [] });
  });

  it('catches a read-model row edited behind the projector’s back, names the ticket and the event, and exits 1', async () => {
    const copy = await importedSeed('corrupted-row');
    const db = new DatabaseSync(copy.path);
    const row = db.prepare('SELECT state FROM ticket_states WHERE ticket_id = ?').get(FIRST) as { state: string };
    db.prepare('UPDATE ticket_states SET state = ? WHERE ticket_id = ?').run(
      JSON.stringify({ ...JSON.parse(row.state), tags: ['reopened-sms'] }),
      FIRST,
    );
    db.close();

    const run = await tickets(['verify', '--store', copy.store, '--json']);
    expect(run.code).toBe(1);
    const report = JSON.parse(run.stdout) as VerifyReport;
    expect(report.ok).toBe(false);
    expect(report.readModel.mismatches).toEqual([
      {
        ticketId: FIRST,
        kind: 'differs',
        fields: [{ field: 'tags', stored: ['reopened-sms'], rebuilt: ['auto-closed-thanks', 'reopened-sms'] }],
        // The row still says what the ticket was before "Merci !" tagged it.
        firstDifferingEvent: expect.objectContaining({
          version: 17,
          type: 'TagsChanged',
          time: '2026-03-03T11:00:00.000Z',
        }),
      },
    ]);
    const text = await tickets(['verify', '--store', copy.store]);
    expect(text.code).toBe(1);
    expect(text.stdout).toContain(`ticket ${FIRST}: differs; first differing event #17 TagsChanged`);
  });

  it('catches a recorded rule decision whose command id is not the one its rule, trigger and action give', async () => {
    const copy = await importedSeed('corrupted-decision');
    const db = new DatabaseSync(copy.path);
    const row = db
      .prepare("SELECT position, data FROM events WHERE type = 'RulesEvaluated' AND data LIKE '%message.send%'")
      .get() as { position: number; data: string };
    const data = JSON.parse(row.data) as { commands: { id: string }[] };
    data.commands[data.commands.length - 1]!.id = 'cmd_forged';
    db.prepare('UPDATE events SET data = ? WHERE position = ?').run(JSON.stringify(data), row.position);
    db.close();

    const report = JSON.parse((await tickets(['verify', '--store', copy.store, '--json'])).stdout) as VerifyReport;
    expect(report.ok).toBe(false);
    expect(report.decisions.mismatches).toContainEqual(
      expect.objectContaining({
        ticketId: FIRST,
        kind: 'rule_decision',
        message: expect.stringContaining('cmd_forged'),
        event: expect.objectContaining({ position: row.position }),
      }),
    );
  });
});
