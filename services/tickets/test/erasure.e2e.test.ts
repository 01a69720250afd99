import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERASED, ticketIdFor } from '@tickets/domain';
import { tempDir } from '@tickets/testing';
import { json } from './cli-json.js';
import { runTickets, type CliRun } from './cli-runner.js';

// GDPR erasure by crypto-shredding, end to end through the CLI: two customers go through the seed
// story, one is forgotten, and then no byte of her name, phone number or message texts may be found
// in the store's files (database, WAL, shared memory), the read model or the logs, while the other
// customer's history replays exactly as before.

const SEED = resolve(import.meta.dirname, '../../../examples/seed-sms-story.ndjson');
const MARIE_TICKET = 'tk_sliajvihenz6piuibdygjmqqg4';

type Line = { id: string; subject: string; data: Record<string, unknown> & { ticketId?: string; customer?: Record<string, string>; message?: { id: string; body: string } } };
const seed = readFileSync(SEED, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Line & Record<string, unknown>);

// Paul lives the same story with his own words (nothing of Marie's text in his events).
const PAUL = { id: 'cus_paul', name: 'Paul Martin', phone: '+33698765432' };
const paulBodies = [
  'Hello, my order #9876 has not arrived',
  'Hello Paul, it shipped this morning, you will get it tomorrow.',
  undefined,
  'Still nothing here, could you check?',
  'The courier delivers it this afternoon.',
  undefined,
  'Thanks!',
  'Hello, another question about my invoice',
];
const PAUL_TICKET = ticketIdFor('https://postscript.example/sms', 'paul-sms-1');
const paulStory = seed.map((event, i) => {
  const copy = structuredClone(event);
  copy.id = `paul-${event.id}`;
  copy.subject = PAUL.id;
  if (copy.data.customer !== undefined) copy.data.customer = { ...PAUL };
  if (copy.data.ticketId === MARIE_TICKET) copy.data.ticketId = PAUL_TICKET;
  if (copy.data.message !== undefined) copy.data.message = { id: `paul-${copy.data.message.id}`, body: paulBodies[i]! };
  return copy;
});

const MARIE_SECRETS = [
  'Marie Dupont',
  'Marie',
  'Dupont',
  '+33612345678',
  '33612345678',
  ...seed.flatMap((event) => (event.data.message === undefined ? [] : [event.data.message.body])),
];

/** Every file of the store's directory (SQLite database, -wal, -shm), as bytes. */
const storeFiles = (directory: string): { name: string; bytes: Buffer }[] =>
  readdirSync(directory).map((name) => ({ name, bytes: readFileSync(join(directory, name)) }));
const found = (haystacks: readonly { name: string; bytes: Buffer }[], secrets: readonly string[]): string[] =>
  haystacks.flatMap(({ name, bytes }) => secrets.filter((secret) => bytes.includes(Buffer.from(secret, 'utf8'))).map((secret) => `${JSON.stringify(secret)} in ${name}`));

describe('tickets forget --customer (crypto-shredding)', () => {
  const work = tempDir('erasure-');
  const storeDirectory = join(work.path, 'store');
  const store = `sqlite:${join(storeDirectory, 'tickets.db')}`;
  const events = join(work.path, 'two-customers.ndjson');
  const rules = join(work.path, 'rules.json');
  const logs: { name: string; bytes: Buffer }[] = [];
  const run = async (name: string, args: readonly string[]): Promise<CliRun> => {
    const result = await runTickets(args);
    logs.push({ name: `${name} stderr`, bytes: Buffer.from(result.stderr) });
    return result;
  };
  let paulBefore: { customer: unknown; ticket: unknown };
  let forgotten: Record<string, unknown>;
  let plaintextBefore: string[];

  beforeAll(async () => {
    writeFileSync(events, [...seed, ...paulStory].map((event) => JSON.stringify(event)).join('\n'));
    writeFileSync(rules, (await runTickets(['defaults', 'rules'])).stdout);
    const imported = await run('import', ['import', '--events', events, '--store', store, '--log-level', 'debug']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(imported)).toMatchObject({ accepted: 16, rejected: [] });
    paulBefore = {
      customer: json((await runTickets(['replay', '--customer', PAUL.id, '--store', store, '--json']))),
      ticket: json((await runTickets(['replay', '--ticket', PAUL_TICKET, '--store', store, '--json']))),
    };
    plaintextBefore = found(storeFiles(storeDirectory), MARIE_SECRETS);
    const result = await run('forget', ['forget', '--customer', 'cus_marie', '--store', store, '--log-level', 'debug']);
    expect(result.code, result.stderr).toBe(0);
    forgotten = json(result) as Record<string, unknown>;
  }, 120_000);
  afterAll(() => work[Symbol.dispose]());

  it('had her data in clear in the read model before (the search below can find it)', () => {
    expect(plaintextBefore.length).toBeGreaterThan(0);
  });

  it('deletes her key, records the erasure and purges her two tickets', () => {
    expect(forgotten).toMatchObject({ customerId: 'cus_marie', keysDeleted: 1, ticketsPurged: 2, statesPublished: 0 });
  });

  it('leaves no byte of her name, phone or messages in the store files or the logs', () => {
    expect(found(storeFiles(storeDirectory), MARIE_SECRETS)).toEqual([]);
    expect(found(logs, MARIE_SECRETS)).toEqual([]);
  });

  it('shows her tickets as erased, in the read model and in replays, keeping ids and decisions', async () => {
    const replayed = json((await runTickets(['replay', '--ticket', MARIE_TICKET, '--store', store, '--json']))) as { final: Record<string, unknown> };
    const text = JSON.stringify(replayed);
    expect(found([{ name: 'replay', bytes: Buffer.from(text) }], MARIE_SECRETS)).toEqual([]);
    expect(text).toContain(ERASED);
    const customer = json((await runTickets(['replay', '--customer', 'cus_marie', '--store', store, '--json']))) as { tickets: unknown[] };
    expect(customer.tickets).toHaveLength(2);
  });

  it('keeps the other customer untouched: his history replays identically', async () => {
    expect(json((await runTickets(['replay', '--customer', PAUL.id, '--store', store, '--json'])))).toEqual(paulBefore.customer);
    expect(json((await runTickets(['replay', '--ticket', PAUL_TICKET, '--store', store, '--json'])))).toEqual(paulBefore.ticket);
  });

  it('verifies, rebuilds to the erased view and verifies again, with nothing in clear', async () => {
    const first = await run('verify', ['verify', '--store', store, '--json']);
    expect(first.code, first.stdout).toBe(0);
    const rebuilt = await run('rebuild', ['rebuild', '--store', store]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const again = await run('verify', ['verify', '--store', store, '--json']);
    expect(again.code, again.stdout).toBe(0);
    expect(found(storeFiles(storeDirectory), MARIE_SECRETS)).toEqual([]);
    expect(json((await runTickets(['replay', '--ticket', PAUL_TICKET, '--store', store, '--json'])))).toEqual(paulBefore.ticket);
  });

  it('what-if sets her events aside as not re-decidable instead of guessing', async () => {
    const result = await run('what-if', ['what-if', '--rules', rules, '--store', store, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = json(result) as { summary: Record<string, number>; erased: { customerId: string }[] };
    expect(report.summary).toMatchObject({ erased: 8, events: 8, decisionsChanged: 0, commandsAdded: 0, commandsRemoved: 0, commandsChanged: 0, rejected: 0 });
    expect(new Set(report.erased.map((e) => e.customerId))).toEqual(new Set(['cus_marie']));
  });
});
