import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Command, ticketIdFor, type InboundEventInput, type TicketState } from '@tickets/domain';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createSqliteTicketReadModel } from '@tickets/projector';
import type { TicketTimeline } from '@tickets/streams';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir } from '@tickets/testing';

// End to end through the real `tickets` process: what an engineer or a script sees from outside.

const REPO = resolve(import.meta.dirname, '../../..');
const BIN = join(REPO, 'services/tickets/bin/tickets.mjs');
const SEED = join(REPO, 'examples/seed-sms-story.ndjson');

// The seed's story: Marie's SMS ticket (from sms-1) is closed, reopened by sms-2, closed, reopened
// and auto-closed by "Merci !" (sms-3); sms-4, two days later, opens a follow-up ticket.
const FIRST = ticketIdFor(SMS_SOURCE, 'sms-1');
const FOLLOW_UP = ticketIdFor(SMS_SOURCE, 'sms-4');
const MARIE_PHONE = '+33612345678';
const SEED_AUTO_REPLY =
  'Merci pour votre suivi ! Nous avons bien reçu votre message et nous reviendrons vers vous sous peu';
const HOUR = 3_600_000;

interface RejectedLine {
  readonly line: number;
  readonly id?: string;
  readonly reasons: readonly { readonly path: string; readonly message: string; readonly code: string }[];
}
interface SimulateOutput {
  readonly tickets: TicketState[];
  readonly commands: Command[];
  readonly rejected: RejectedLine[];
  readonly stats: {
    readonly events: number;
    readonly accepted: number;
    readonly duplicates: number;
    readonly rejected: number;
  };
}
interface ImportOutput {
  readonly accepted: number;
  readonly duplicates: number;
  readonly rejected: RejectedLine[];
  readonly clock: { readonly until: string | null; readonly timersFired: number };
}
interface RebuildOutput {
  readonly events: number;
  readonly tickets: number;
}

interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tickets …` with this Node binary; a developer's TICKETS_STORE must not leak into the tests. */
function tickets(args: readonly string[]): Promise<CliRun> {
  const env = { ...process.env };
  delete env['TICKETS_STORE'];
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

/** The JSON a successful verb printed; a failure shows its stderr instead of a parse error. */
function json<T>(run: CliRun): T {
  if (run.code !== 0) throw new Error(`tickets exited with ${String(run.code)}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}

const simulate = async (events: string, ...options: string[]): Promise<SimulateOutput> =>
  json<SimulateOutput>(await tickets(['simulate', '--events', events, ...options]));

/** An NDJSON file: events are serialised, strings are written as they are (for broken lines). */
function writeNdjson(dir: string, name: string, lines: readonly (InboundEventInput | string)[]): string {
  const path = join(dir, name);
  writeFileSync(path, `${lines.map((line) => (typeof line === 'string' ? line : JSON.stringify(line))).join('\n')}\n`);
  return path;
}

function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const seedLines = (): string[] =>
  readFileSync(SEED, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '');
const seedEvents = (): { id: string; time: string }[] =>
  seedLines().map((line) => JSON.parse(line) as { id: string; time: string });

function ticketIn(output: { tickets: readonly TicketState[] }, ticketId: string): TicketState {
  const ticket = output.tickets.find((t) => t.ticketId === ticketId);
  if (ticket === undefined)
    throw new Error(`no ticket ${ticketId} in ${output.tickets.map((t) => t.ticketId).join(', ')}`);
  return ticket;
}

const commandsOf = (output: SimulateOutput, correlationId: string): Command[] =>
  output.commands.filter((command) => command.data.correlationId === correlationId);
const sends = (output: SimulateOutput) => output.commands.filter((command) => command.type === 'message.send');

describe('tickets simulate: the seed SMS story', () => {
  let out: SimulateOutput;
  beforeAll(async () => {
    out = await simulate(SEED);
  });

  it('accepts all eight events of the seed and rejects none', () => {
    expect(out.rejected).toEqual([]);
    expect(out.stats).toEqual({ events: 8, accepted: 8, duplicates: 0, rejected: 0 });
  });

  it('reopens the first ticket for the reply within 24 h: tagged reopened-sms, assigned to SMS Support, acknowledged once', () => {
    const first = ticketIn(out, FIRST);
    expect(first.tags).toContain('reopened-sms');
    expect(first.team).toBe('SMS Support');
    expect(commandsOf(out, 'sms-2').map((c) => c.type)).toEqual(['ticket.tag.add', 'ticket.assign', 'message.send']);
    // One auto-reply in the whole run: the "Merci !" reopen must not send another.
    expect(sends(out)).toHaveLength(1);
    expect(sends(out)[0]).toMatchObject({
      subject: FIRST,
      time: '2026-03-03T07:00:00.000Z',
      data: {
        ruleId: 'sms-reopened',
        correlationId: 'sms-2',
        channel: 'sms',
        to: MARIE_PHONE,
        body: SEED_AUTO_REPLY,
        segments: 2,
      },
    });
  });

  it('closes the ticket again after "Merci !": closed, tagged auto-closed-thanks, no second auto-reply', () => {
    const first = ticketIn(out, FIRST);
    expect(first).toMatchObject({
      status: 'closed',
      closedAt: '2026-03-03T11:00:00.000Z',
      reopenCount: 2,
      messageCount: 5,
    });
    expect(first.tags).toEqual(['auto-closed-thanks', 'reopened-sms']);
    expect(commandsOf(out, 'sms-3').map((c) => [c.type, c.data.ruleId])).toEqual([
      ['ticket.close', 'sms-thanks-autoclose'],
      ['ticket.tag.add', 'sms-thanks-autoclose'],
    ]);
  });

  it('gives the closed ticket reopenDeadline = closedAt + 24 h (the Postscript window)', () => {
    const first = ticketIn(out, FIRST);
    expect(first.reopenDeadline).toBe('2026-03-04T11:00:00.000Z');
    expect(Date.parse(first.reopenDeadline ?? '') - Date.parse(first.closedAt ?? '')).toBe(24 * HOUR);
  });

  it('opens a follow-up ticket for the message after the window, linked to the first, tagged and noted', () => {
    expect(out.tickets.map((t) => t.ticketId)).toEqual([FIRST, FOLLOW_UP]);
    const followUp = ticketIn(out, FOLLOW_UP);
    expect(followUp).toMatchObject({
      status: 'open',
      followUpOf: FIRST,
      tags: ['new-sms-follow-up-check'],
      createdAt: '2026-03-05T09:00:00.000Z',
      messageCount: 1,
      reopenCount: 0,
    });
    expect(followUp.subject).toContain('Marie Dupont');
    const notes = out.commands.filter((c) => c.type === 'ticket.note.add');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toMatchObject({
      subject: FOLLOW_UP,
      data: { ruleId: 'sms-follow-up-check', correlationId: 'sms-4' },
    });
    expect(notes[0]?.data).toMatchObject({ body: expect.stringContaining(FIRST) });
  });

  it('gives every command a unique id, its type, the ticket as subject, the event time, its rule, cause and correlation', () => {
    const inboundTimes = new Map(seedEvents().map((e) => [e.id, new Date(e.time).toISOString()]));
    const ticketIds = new Set(out.tickets.map((t) => t.ticketId));
    expect(out.commands).toHaveLength(7);
    for (const command of out.commands) {
      expect(Command.safeParse(command).error).toBeUndefined();
      expect(command.id).toMatch(/^cmd_[a-z2-7]{26}$/);
      expect(ticketIds.has(command.subject)).toBe(true);
      expect(command.data.ruleId).not.toBe('');
      expect(command.data.causationId).toMatch(/^ev_/);
      // Commands carry the event time of the inbound event they stem from, never the wall clock.
      expect(command.time).toBe(inboundTimes.get(command.data.correlationId));
    }
    expect(new Set(out.commands.map((c) => c.id)).size).toBe(out.commands.length);
  });
});

describe('determinism and arrival order', () => {
  it('prints byte-identical output for two simulate runs of the same file', async () => {
    const [a, b] = await Promise.all([
      tickets(['simulate', '--events', SEED]),
      tickets(['simulate', '--events', SEED]),
    ]);
    expect(a.code).toBe(0);
    expect(b.code).toBe(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('import into an empty store reaches the same tickets as simulate (read back with replay --json and rebuild)', async () => {
    using dir = tempDir();
    const store = `sqlite:${join(dir.path, 'tickets.db')}`;
    const simulated = await simulate(SEED);
    expect(json<ImportOutput>(await tickets(['import', '--events', SEED, '--store', store]))).toEqual({
      accepted: 8,
      duplicates: 0,
      rejected: [],
      // The clock ran to the file's last event time; the shipped rules have no timer.
      clock: { until: '2026-03-05T09:00:00.000Z', timersFired: 0 },
    });
    for (const ticket of simulated.tickets) {
      const timeline = json<TicketTimeline>(
        await tickets(['replay', '--ticket', ticket.ticketId, '--store', store, '--json']),
      );
      expect(timeline.state).toEqual(ticket);
    }
    expect(json<RebuildOutput>(await tickets(['rebuild', '--store', store])).tickets).toBe(simulated.tickets.length);
  });

  it('import of the same file into two empty stores gives byte-identical output and timelines', async () => {
    using dir = tempDir();
    const stores = [`sqlite:${join(dir.path, 'a.db')}`, `sqlite:${join(dir.path, 'b.db')}`];
    const imports = await Promise.all(stores.map((store) => tickets(['import', '--events', SEED, '--store', store])));
    expect(imports[0]?.code).toBe(0);
    expect(imports[1]?.stdout).toBe(imports[0]?.stdout);
    const timelines = await Promise.all(
      stores.map((store) => tickets(['replay', '--ticket', FIRST, '--store', store, '--json'])),
    );
    expect(timelines[0]?.code).toBe(0);
    expect(timelines[1]?.stdout).toBe(timelines[0]?.stdout);
  });

  it('importing the same file again stores nothing: every event is a duplicate (invariant 1)', async () => {
    using dir = tempDir();
    const path = join(dir.path, 'tickets.db');
    json(await tickets(['import', '--events', SEED, '--store', `sqlite:${path}`]));
    const head = async (): Promise<number> => {
      const store = createSqliteEventStore({ path });
      try {
        return await store.headPosition();
      } finally {
        await store.close();
      }
    };
    const before = await head();
    expect(json<ImportOutput>(await tickets(['import', '--events', SEED, '--store', `sqlite:${path}`]))).toEqual({
      accepted: 0,
      duplicates: 8,
      rejected: [],
      clock: { until: '2026-03-05T09:00:00.000Z', timersFired: 0 },
    });
    expect(await head()).toBe(before);
  });

  it('takes events in file order, not time order: a close delivered before an earlier message means a reopen', async () => {
    using dir = tempDir();
    const ticketId = ticketIdFor(SMS_SOURCE, 'order-1');
    const first = messageReceived({
      id: 'order-1',
      time: '2026-03-02T08:00:00Z',
      body: 'Bonjour, où est ma commande ?',
    });
    const second = messageReceived({ id: 'order-2', time: '2026-03-02T08:30:00Z', body: 'Elle devait arriver hier' });
    const close = agentEvent('ticket.closed', { id: 'order-close', time: '2026-03-02T09:00:00Z', ticketId });

    // In time order the second message lands on the open ticket, which the agent then closes.
    const sorted = await simulate(writeNdjson(dir.path, 'sorted.ndjson', [first, second, close]));
    expect(sorted.tickets).toHaveLength(1);
    expect(ticketIn(sorted, ticketId)).toMatchObject({ status: 'closed', reopenCount: 0, messageCount: 2, tags: [] });
    expect(sorted.commands).toEqual([]);

    // Delivered after the close, the same message (time before the close) reopens the ticket.
    const arrived = await simulate(writeNdjson(dir.path, 'arrival.ndjson', [first, close, second]));
    expect(arrived.tickets).toHaveLength(1);
    expect(ticketIn(arrived, ticketId)).toMatchObject({
      status: 'open',
      reopenCount: 1,
      messageCount: 2,
      tags: ['reopened-sms'],
    });
    expect(sends(arrived).map((c) => c.data.correlationId)).toEqual(['order-2']);
  });
});

describe('--policy and --rules files', () => {
  it('a policy giving Postscript 48 h turns the seed follow-up into a reopen of the first ticket', async () => {
    using dir = tempDir();
    // A policy file replaces the shipped one, so it restates the other windows.
    const policy = writeText(
      dir.path,
      'policy.yaml',
      'default: 7d\nchannels:\n  chat: 3d\nintegrations:\n  postscript: 48h\n',
    );
    const out = await simulate(SEED, '--policy', policy);
    // Closed at 2026-03-03T11:00Z, reopenable until 2026-03-05T11:00Z: sms-4 (09:00Z) comes back.
    expect(out.tickets.map((t) => t.ticketId)).toEqual([FIRST]);
    expect(ticketIn(out, FIRST)).toMatchObject({
      status: 'open',
      reopenCount: 3,
      messageCount: 6,
      closedAt: null,
      reopenDeadline: null,
    });
    expect(out.commands.some((c) => c.type === 'ticket.note.add')).toBe(false);
    // Tag and team are already there; the reply goes out, two days after the last one (limit 5 min).
    expect(commandsOf(out, 'sms-4').map((c) => c.type)).toEqual(['message.send']);
    expect(sends(out).map((c) => c.data.correlationId)).toEqual(['sms-2', 'sms-4']);
  });

  it('rules (YAML) without the thanks rule: "Merci !" gets an auto-reply, the ticket stays open, and the last message joins it', async () => {
    using dir = tempDir();
    const rules = writeText(
      dir.path,
      'rules.yaml',
      [
        '# The shipped rules without sms-thanks-autoclose.',
        'autoReplyRateLimit: 5m',
        'rules:',
        '  - id: sms-reopened',
        '    name: Tag, route and acknowledge reopened SMS tickets',
        '    when: message.received',
        '    if:',
        '      all:',
        '        - { field: ticket.channel, op: eq, value: sms }',
        '        - { field: previous.status, op: eq, value: closed }',
        '        - { field: ticket.tags, op: not_contains, value: reopened-sms-handled }',
        '    then:',
        '      - { type: add_tag, tag: reopened-sms }',
        '      - { type: assign_team, team: SMS Support }',
        `      - { type: send_auto_reply, body: "${SEED_AUTO_REPLY}" }`,
        '  - id: sms-follow-up-check',
        '    name: Flag new SMS tickets that may follow up a recent one',
        '    when: ticket.created',
        '    if:',
        '      all:',
        '        - { field: ticket.channel, op: eq, value: sms }',
        '        - { field: ticket.subject, op: contains, valueFrom: customer.name }',
        '        - { field: ticket.followUpOf, op: exists }',
        '    then:',
        '      - { type: add_tag, tag: new-sms-follow-up-check }',
        '      - type: add_internal_note',
        `        body: "Bonjour ! Juste pour info, ceci pourrait être le suivi d'un ticket récent ({{ticket.followUpOf}}). Il vaudrait peut-être la peine de vérifier l'historique de ce client."`,
        '',
      ].join('\n'),
    );
    const out = await simulate(SEED, '--rules', rules);
    // "Merci !" (11:00Z) is 4 h after the first auto-reply (07:00Z): far outside the 5 min limit.
    expect(sends(out).map((c) => [c.data.correlationId, c.time])).toEqual([
      ['sms-2', '2026-03-03T07:00:00.000Z'],
      ['sms-3', '2026-03-03T11:00:00.000Z'],
    ]);
    expect(out.commands.some((c) => c.type === 'ticket.close')).toBe(false);
    // Nothing closes the ticket again, so sms-4 is added to it: no follow-up, no note.
    expect(out.tickets.map((t) => t.ticketId)).toEqual([FIRST]);
    expect(ticketIn(out, FIRST)).toMatchObject({
      status: 'open',
      reopenCount: 2,
      messageCount: 6,
      tags: ['reopened-sms'],
    });
    expect(out.commands.some((c) => c.type === 'ticket.note.add')).toBe(false);
  });

  describe('the auto-reply rate limit, in event time', () => {
    // Reopened at 08:20 (auto-reply), closed at 08:21, reopened at 08:23: 3 minutes after the reply.
    const ticketId = ticketIdFor(SMS_SOURCE, 'rl-1');
    const story = [
      messageReceived({
        id: 'rl-1',
        time: '2026-03-02T08:00:00Z',
        body: "Bonjour, ma commande #1234 n'est pas arrivée",
      }),
      agentEvent('ticket.closed', { id: 'rl-close-1', time: '2026-03-02T08:10:00Z', ticketId }),
      messageReceived({ id: 'rl-2', time: '2026-03-02T08:20:00Z', body: 'Toujours rien reçu' }),
      agentEvent('ticket.closed', { id: 'rl-close-2', time: '2026-03-02T08:21:00Z', ticketId }),
      messageReceived({ id: 'rl-3', time: '2026-03-02T08:23:00Z', body: 'Vous pouvez vérifier ?' }),
    ];

    it('suppresses a second auto-reply within 5 minutes, and replay says why', async () => {
      using dir = tempDir();
      const events = writeNdjson(dir.path, 'rate-limit.ndjson', story);
      const out = await simulate(events);
      expect(ticketIn(out, ticketId)).toMatchObject({ status: 'open', reopenCount: 2 });
      expect(sends(out).map((c) => c.data.correlationId)).toEqual(['rl-2']);

      const store = `sqlite:${join(dir.path, 'tickets.db')}`;
      json(await tickets(['import', '--events', events, '--store', store]));
      const replayed = await tickets(['replay', '--ticket', ticketId, '--store', store]);
      expect(replayed.code).toBe(0);
      expect(replayed.stdout).toContain(
        '→ send_auto_reply: suppressed (rate_limited: last auto-reply at 2026-03-02T08:20:00.000Z, limit 5m)',
      );
    });

    it('is configurable: with autoReplyRateLimit 1m in the rules file both reopens are acknowledged', async () => {
      using dir = tempDir();
      const defaults = json<{ rules: unknown[] }>(await tickets(['defaults', 'rules']));
      const rules = writeText(dir.path, 'rules.json', JSON.stringify({ ...defaults, autoReplyRateLimit: '1m' }));
      const out = await simulate(writeNdjson(dir.path, 'rate-limit.ndjson', story), '--rules', rules);
      expect(sends(out).map((c) => c.data.correlationId)).toEqual(['rl-2', 'rl-3']);
    });
  });
});

describe('bad input', () => {
  const envelope = {
    specversion: '1.0',
    source: 'https://postscript.example/sms',
    time: '2026-03-02T08:05:00Z',
    subject: 'cus_marie',
  };
  const customer = { id: 'cus_marie', name: 'Marie Dupont', phone: MARIE_PHONE };
  const [sms1 = '', agentReply = ''] = seedLines();
  const mixed = [
    sms1,
    '{"specversion": "1.0", "id": ',
    JSON.stringify({ ...envelope, id: 'bad-type', type: 'ticket.exploded', data: {} }),
    '',
    JSON.stringify({ ...envelope, id: 'bad-missing', type: 'message.received', data: { channel: 'sms', customer } }),
    JSON.stringify({
      ...envelope,
      id: 'bad-wrong-type',
      type: 'message.received',
      data: { channel: 'sms', customer, message: { id: 'm', body: 42 } },
    }),
    JSON.stringify({
      ...envelope,
      id: 'bad-subject',
      type: 'message.received',
      data: { channel: 'sms', customer: { id: 'cus_paul' }, message: { id: 'm', body: 'Bonjour' } },
    }),
    agentReply,
  ];
  // Lines are counted in the file, blank ones included, so an engineer can jump to them.
  const expectedRejections = [
    { line: 2, id: undefined, paths: ['(line)'] },
    { line: 3, id: 'bad-type', paths: ['type'] },
    { line: 5, id: 'bad-missing', paths: ['data.message'] },
    { line: 6, id: 'bad-wrong-type', paths: ['data.message.body'] },
    { line: 7, id: 'bad-subject', paths: ['data.customer.id'] },
  ];
  const summarise = (rejected: readonly RejectedLine[]) =>
    rejected.map((r) => ({ line: r.line, id: r.id, paths: r.reasons.map((x) => x.path) }));

  it('simulate rejects each bad line with its line, its id when readable and the field at fault, still processes the rest, exits 0', async () => {
    using dir = tempDir();
    const run = await tickets(['simulate', '--events', writeNdjson(dir.path, 'mixed.ndjson', mixed)]);
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as SimulateOutput;
    expect(summarise(out.rejected)).toEqual(expectedRejections);
    expect(out.rejected[0]).not.toHaveProperty('id');
    for (const rejection of out.rejected) for (const reason of rejection.reasons) expect(reason.message).not.toBe('');
    expect(out.stats).toEqual({ events: 7, accepted: 2, duplicates: 0, rejected: 5 });
    // The valid message and the agent's reply around the bad lines made it through.
    expect(out.tickets.map((t) => [t.ticketId, t.messageCount])).toEqual([[FIRST, 2]]);
  });

  it('import reports the same rejections and accepts the same valid events', async () => {
    using dir = tempDir();
    const events = writeNdjson(dir.path, 'mixed.ndjson', mixed);
    const out = json<ImportOutput>(
      await tickets(['import', '--events', events, '--store', `sqlite:${join(dir.path, 'tickets.db')}`]),
    );
    expect(out.accepted).toBe(2);
    expect(out.duplicates).toBe(0);
    expect(summarise(out.rejected)).toEqual(expectedRejections);
  });

  it('counts duplicates in stats, never rejects them, and they change nothing (invariant 1)', async () => {
    using dir = tempDir();
    const twice = writeNdjson(dir.path, 'twice.ndjson', [...seedLines(), ...seedLines()]);
    const [once, doubled] = await Promise.all([simulate(SEED), simulate(twice)]);
    expect(doubled.rejected).toEqual([]);
    expect(doubled.stats).toEqual({ events: 16, accepted: 8, duplicates: 8, rejected: 0 });
    expect(doubled.tickets).toEqual(once.tickets);
    expect(doubled.commands).toEqual(once.commands);
  });

  it.each(['simulate', 'import'])(
    '%s with a missing --events file exits 2 naming the option and the file',
    async (verb) => {
      using dir = tempDir();
      const missing = join(dir.path, 'missing.ndjson');
      const store = verb === 'import' ? ['--store', `sqlite:${join(dir.path, 'tickets.db')}`] : [];
      const run = await tickets([verb, '--events', missing, ...store]);
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toContain('--events');
      expect(run.stderr).toContain(missing);
    },
  );

  it.each([
    {
      what: 'a rules file with a YAML syntax error',
      option: '--rules',
      file: 'rules.yaml',
      text: 'rules:\n  - id: broken\n    name: [unclosed\n',
      names: ['not valid YAML', 'line'],
    },
    {
      what: 'a rules file with an unknown action',
      option: '--rules',
      file: 'rules.yaml',
      text: 'rules:\n  - id: shout\n    name: Shout\n    when: message.received\n    then:\n      - type: send_fax\n        body: Bonjour\n',
      names: ['rules[0].then[0].type'],
    },
    {
      what: 'a policy with default "soon"',
      option: '--policy',
      file: 'policy.json',
      text: '{ "default": "soon" }\n',
      names: ['default:'],
    },
  ])('$what exits 2 with a message naming the file and the field', async ({ option, file, text, names }) => {
    using dir = tempDir();
    const path = writeText(dir.path, file, text);
    const run = await tickets(['simulate', '--events', SEED, option, path]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(option);
    expect(run.stderr).toContain(path);
    for (const name of names) expect(run.stderr).toContain(name);
  });
});

describe('business hours: the worked example examples/business-hours of docs/timers.md', () => {
  const SEED = join(REPO, 'examples/seed-sms-story.ndjson');
  const RULES = join(REPO, 'examples/business-hours/rules.json');
  const replies = (out: SimulateOutput): [string, string, string][] =>
    out.commands.flatMap((c) =>
      c.type === 'message.send' ? [[c.time, c.data.ruleId, c.data.body] as [string, string, string]] : [],
    );

  it('the seed’s SMS reopen at 08:00 Paris time, before the support hours, gets the out-of-office variant', async () => {
    const [reply, ...others] = replies(await simulate(SEED, '--rules', RULES));
    expect(others).toEqual([]);
    expect(reply?.slice(0, 2)).toEqual(['2026-03-03T07:00:00.000Z', 'sms-reopened-out-of-office']);
    expect(reply?.[2]).toContain('Nos bureaux sont fermés pour le moment');
  });

  it('the same story with the shipped rules (no calendar) gets the in-hours reply', async () => {
    const [reply] = replies(await simulate(SEED));
    expect(reply?.slice(0, 2)).toEqual(['2026-03-03T07:00:00.000Z', 'sms-reopened']);
    expect(reply?.[2]).not.toContain('Nos bureaux sont fermés');
  });
});

describe('SLA targets: the worked example examples/sla of docs/timers.md', () => {
  const EVENTS = join(REPO, 'examples/sla/events.ndjson');
  const RULES = join(REPO, 'examples/sla/rules.json');
  const of = (out: SimulateOutput, customerId: string): TicketState =>
    out.tickets.find((t) => t.customer.id === customerId)!;

  it('simulate shows warnings and breaches in business hours, the resolution clock paused while Marie was asked', async () => {
    const out = await simulate(EVENTS, '--rules', RULES, '--until', '2026-03-04T00:00:00Z');
    const paul = of(out, 'cus_paul').ticketId;
    const marie = of(out, 'cus_marie').ticketId;
    const shown = (c: Command): string =>
      c.type === 'ticket.tag.add' ? c.data.tag : c.type === 'ticket.assign' ? String(c.data.team) : '';
    expect(out.commands.map((c) => [c.time, c.subject, c.data.ruleId, shown(c)])).toEqual([
      ['2026-03-02T09:48:00.000Z', paul, 'sla.sms-postscript.first_response.warning', 'sla-warning'],
      ['2026-03-02T10:00:00.000Z', paul, 'sla.sms-postscript.first_response.breach', 'sla-breached'],
      ['2026-03-02T10:00:00.000Z', paul, 'sla.sms-postscript.first_response.breach', 'Escalation'],
      ['2026-03-03T12:12:00.000Z', marie, 'sla.sms-postscript.next_response.warning', 'sla-warning'],
      ['2026-03-03T13:00:00.000Z', marie, 'sla.sms-postscript.next_response.breach', 'sla-breached'],
      ['2026-03-03T13:00:00.000Z', marie, 'sla.sms-postscript.next_response.breach', 'Escalation'],
    ]);
    // Marie's 8 h resolution: 30 min used before the agent asked, 7 h 30 from her answer (Tuesday 10:00 Paris).
    expect(of(out, 'cus_marie').sla?.find((s) => s.metric === 'resolution')).toMatchObject({
      due: '2026-03-03T16:30:00.000Z',
      breached: true,
    });
    expect(of(out, 'cus_paul')).toMatchObject({ team: 'Escalation', tags: ['sla-breached', 'sla-warning'] });
  });

  it('replay tells the resolution clock’s pause with the business time left', async () => {
    using dir = tempDir();
    const store = `sqlite:${join(dir.path, 'sla.db')}`;
    expect((await tickets(['import', '--events', EVENTS, '--rules', RULES, '--store', store])).code).toBe(0);
    const replay = await tickets(['replay', '--ticket', 'tk_2cqfsyzby3r4leudb4q62qlp2e', '--store', store]);
    expect(replay.stdout).toContain(
      'of rule sla.sms-postscript.resolution.breach cancelled: SLA clock paused with 7h30m of business time left',
    );
  });

  it('at the last event the ticket shows its targets: Marie’s resolution clock running again, her next response due', async () => {
    const out = await simulate(EVENTS, '--rules', RULES);
    expect(of(out, 'cus_marie').sla).toEqual([
      {
        name: 'sms-postscript',
        metric: 'resolution',
        due: '2026-03-03T16:30:00.000Z',
        breached: false,
        remainingMs: null,
      },
      {
        name: 'sms-postscript',
        metric: 'next_response',
        due: '2026-03-03T13:00:00.000Z',
        breached: false,
        remainingMs: null,
      },
    ]);
  });
});

describe('time-based rules: the worked example of docs/timers.md', () => {
  const EVENTS = join(REPO, 'examples/timers/events.ndjson');
  const RULES = join(REPO, 'examples/timers/rules.json');
  const marie = (out: SimulateOutput): TicketState => out.tickets.find((t) => t.customer.id === 'cus_marie')!;

  it('simulate runs the clock to --until in event time: the nudge at 48 h, the close at 72 h, the reopen window’s end', async () => {
    const out = await simulate(EVENTS, '--rules', RULES, '--until', '2026-03-07T00:00:00Z');
    expect(
      out.commands.map((c) => [
        c.time,
        c.type,
        c.type === 'message.send' ? c.data.body : c.type === 'ticket.tag.add' ? c.data.tag : '',
      ]),
    ).toEqual([
      [
        '2026-03-04T08:30:00.000Z',
        'message.send',
        "Avez-vous encore besoin d'aide ? Répondez simplement à ce message, sinon nous clôturerons votre demande dans 24 h.",
      ],
      ['2026-03-05T08:30:00.000Z', 'ticket.close', ''],
      ['2026-03-05T08:30:00.000Z', 'ticket.tag.add', 'auto-closed-no-reply'],
      ['2026-03-06T08:30:00.000Z', 'ticket.tag.add', 'reopen-window-ended'],
    ]);
    expect(marie(out)).toMatchObject({
      status: 'closed',
      tags: ['auto-closed-no-reply', 'reopen-window-ended'],
      timers: [],
    });
    // Paul answered in time (both timers cancelled), then reopened inside his window (its end cancelled).
    expect(out.tickets.find((t) => t.customer.id === 'cus_paul')).toMatchObject({
      status: 'open',
      reopenCount: 1,
      timers: [],
    });
  });

  it('without --until the clock stops at the last event: the ticket shows its pending timers and nothing fired', async () => {
    const out = await simulate(EVENTS, '--rules', RULES);
    expect(out.commands).toEqual([]);
    expect(marie(out).timers?.map((t) => [t.ruleId, t.dueAt])).toEqual([
      ['waiting-nudge-48h', '2026-03-04T08:30:00.000Z'],
      ['waiting-autoclose-72h', '2026-03-05T08:30:00.000Z'],
    ]);
  });

  it('gives byte-identical output run after run', async () => {
    const args = ['simulate', '--events', EVENTS, '--rules', RULES, '--until', '2026-03-07T00:00:00Z'];
    const [a, b] = await Promise.all([tickets(args), tickets(args)]);
    expect(a.stdout).toBe(b.stdout);
  });

  it('a timer rule on the message, which a firing timer does not have, exits 2 naming the file, the rule and the field', async () => {
    using dir = tempDir();
    const rules = join(dir.path, 'rules.json');
    writeFileSync(
      rules,
      JSON.stringify({
        rules: [
          {
            id: 'late',
            name: 'Late',
            when: { after: '1h', since: 'agent_reply' },
            if: { all: [{ field: 'message.body', op: 'contains', value: 'x' }] },
            then: [{ type: 'close_ticket' }],
          },
        ],
      }),
    );
    const run = await tickets(['simulate', '--events', EVENTS, '--rules', rules]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(
      `${rules}: rules[0].if.all[0].field: rule late: field message.body does not exist when a timer fires`,
    );
  });
});

describe('tickets replay', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: string;
  beforeAll(async () => {
    dir = tempDir();
    store = `sqlite:${join(dir.path, 'tickets.db')}`;
    json(await tickets(['import', '--events', SEED, '--store', store]));
  });
  afterAll(() => dir[Symbol.dispose]());

  const replay = (...options: string[]) => tickets(['replay', '--ticket', FIRST, '--store', store, ...options]);

  it('shows each event, the reopen decision with its reason, and each rule with its conditions and actions', async () => {
    const run = await replay();
    expect(run.code).toBe(0);
    const text = run.stdout;
    const timeline = json<TicketTimeline>(await replay('--json'));
    // One block per event of the ticket's stream.
    expect(text.match(/^#\d+ /gm)).toHaveLength(timeline.entries.length);
    for (const type of [
      'TicketCreated',
      'MessageReceived',
      'MessageSent',
      'TicketClosed',
      'TicketReopened',
      'RulesEvaluated',
      'TagsChanged',
      'TicketAssigned',
    ]) {
      expect(text).toContain(` ${type}  (correlation `);
    }
    expect(text).toContain(
      'routing: reopen — message time 2026-03-03T07:00:00.000Z is before the reopen deadline 2026-03-03T09:00:00.000Z',
    );
    expect(text).toContain('window: 24h (integration postscript), reopen deadline 2026-03-03T09:00:00.000Z');
    expect(text).toContain('sms-reopened: fired');
    expect(text).toContain('✓ previous.status eq closed (was closed)');
    expect(text).toContain('✗ message.intent eq gratitude (was other)');
    expect(text).toContain('→ send_auto_reply: emitted');
    // On "Merci !" the thanks rule fires and stops the reopen rule: that is why no second reply.
    expect(text).toContain('sms-thanks-autoclose: fired');
    expect(text).toContain('sms-reopened: skipped_stop by sms-thanks-autoclose');
    expect(text).toMatch(/state: closed, tags \[auto-closed-thanks, reopened-sms\], team SMS Support, reopened 2×/);
  });

  it('--at before the reopen shows the ticket closed, after it open', async () => {
    const before = await replay('--at', '2026-03-03T06:59:00Z');
    expect(before.code).toBe(0);
    expect(before.stdout).toContain(`ticket ${FIRST} at 2026-03-03T06:59:00.000Z`);
    expect(before.stdout).toMatch(/^state: closed, /m);
    expect(before.stdout).not.toContain('TicketReopened');

    const after = await replay('--at', '2026-03-03T07:30:00Z');
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/^state: open, tags \[reopened-sms\], team SMS Support, reopened 1×/m);

    const atJson = json<TicketTimeline>(await replay('--at', '2026-03-03T06:59:00+00:00', '--json'));
    expect(atJson.state).toMatchObject({
      status: 'closed',
      reopenDeadline: '2026-03-03T09:00:00.000Z',
      reopenCount: 0,
    });
  });

  it('--json gives one entry per event with the state after it and what changed', async () => {
    const timeline = json<TicketTimeline>(await replay('--json'));
    expect(timeline.ticketId).toBe(FIRST);
    expect(timeline.entries).toHaveLength(timeline.state?.version ?? -1);
    for (const entry of timeline.entries) {
      expect(entry.state).not.toBeNull();
      expect(Array.isArray(entry.changes)).toBe(true);
    }
    expect(timeline.entries.at(-1)?.state).toEqual(timeline.state);
    const reopened = timeline.entries.find((e) => e.type === 'TicketReopened');
    expect(reopened?.changes).toContainEqual({ field: 'status', before: 'closed', after: 'open' });
    expect(reopened?.state?.status).toBe('open');
  });

  it('exits 2 for a ticket the store does not know, and for an --at that is not a time', async () => {
    const unknown = await tickets(['replay', '--ticket', 'tk_nope', '--store', store]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('tk_nope');
    const badAt = await replay('--at', 'yesterday');
    expect(badAt.code).toBe(2);
    expect(badAt.stderr).toContain('--at');
  });
});

describe('tickets rebuild', () => {
  it('folds every event in the store again, from zero, and ends with the same tickets', async () => {
    using dir = tempDir();
    const path = join(dir.path, 'tickets.db');
    json(await tickets(['import', '--events', SEED, '--store', `sqlite:${path}`]));

    const readModel = createSqliteTicketReadModel({ path });
    const before = await readModel.all();
    // A ticket's version counts the events of its stream: together, every event the projection folds.
    const ticketEvents = before.reduce((sum, ticket) => sum + ticket.version, 0);
    // Lose the projection entirely: rebuild must restore it from the events alone.
    await readModel.reset();
    expect(await readModel.all()).toEqual([]);
    await readModel.close();

    const out = json<RebuildOutput>(await tickets(['rebuild', '--store', `sqlite:${path}`]));
    expect(out).toMatchObject({ events: ticketEvents, tickets: 2 });

    const after = createSqliteTicketReadModel({ path });
    try {
      expect(await after.all()).toEqual(before);
      expect(before.map((t) => t.ticketId)).toEqual([FIRST, FOLLOW_UP]);
    } finally {
      await after.close();
    }
  });
});

describe('tickets schema and defaults', () => {
  it('schema prints a JSON Schema for every public contract', async () => {
    const all = json<Record<string, { $schema?: string; required?: string[]; oneOf?: unknown[] }>>(
      await tickets(['schema']),
    );
    for (const name of ['inbound-event', 'command', 'ticket-state', 'rules', 'reopen-policy']) {
      expect(all[name]?.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    }
    expect(all['inbound-event']?.oneOf).toHaveLength(6);
    expect(all['command']?.oneOf).toHaveLength(6);
    expect(all['ticket-state']?.required).toEqual(
      expect.arrayContaining([
        'ticketId',
        'status',
        'channel',
        'integration',
        'customer',
        'subject',
        'tags',
        'team',
        'createdAt',
        'closedAt',
        'reopenDeadline',
        'reopenCount',
        'followUpOf',
        'messageCount',
        'lastMessageAt',
        'version',
      ]),
    );
    expect(json(await tickets(['schema', 'reopen-policy']))).toEqual(all['reopen-policy']);
  });

  it('schema with an unknown name exits 2 and lists the known ones', async () => {
    const run = await tickets(['schema', 'nope']);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain('"nope"');
    expect(run.stderr).toContain('inbound-event');
  });

  it('defaults rules and defaults policy, saved and passed back, give the same simulate output as no option', async () => {
    using dir = tempDir();
    const [rules, policy] = await Promise.all([tickets(['defaults', 'rules']), tickets(['defaults', 'policy'])]);
    expect(json(policy)).toEqual({ default: '7d', channels: { chat: '3d' }, integrations: { postscript: '24h' } });
    expect(json<{ rules: { id: string }[] }>(rules).rules.map((r) => r.id)).toEqual([
      'sms-thanks-autoclose',
      'sms-reopened',
      'sms-follow-up-check',
    ]);
    const rulesFile = writeText(dir.path, 'rules.json', rules.stdout);
    const policyFile = writeText(dir.path, 'policy.json', policy.stdout);

    const runs = await Promise.all([
      tickets(['simulate', '--events', SEED]),
      tickets(['simulate', '--events', SEED, '--rules', rulesFile]),
      tickets(['simulate', '--events', SEED, '--policy', policyFile]),
      tickets(['simulate', '--events', SEED, '--rules', rulesFile, '--policy', policyFile]),
    ]);
    const [plain, ...withFiles] = runs;
    expect(plain?.code).toBe(0);
    for (const run of withFiles) {
      expect(run.code).toBe(0);
      expect(run.stdout).toBe(plain?.stdout);
    }
  });
});
