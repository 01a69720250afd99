import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERASED } from '@tickets/domain';
import { tempDir } from '@tickets/testing';
import { json } from './cli-json.js';
import { runTickets, type CliRun } from './cli-runner.js';
import { found, MARIE_SECRETS, MARIE_TICKET, PAUL, PAUL_TICKET, twoCustomers } from './two-customers.js';

// GDPR erasure by crypto-shredding, end to end through the CLI: two customers go through the seed
// story, one is forgotten, and then no byte of her name, phone number or message texts may be found
// in the store's files (database, WAL, shared memory), the read model or the logs, while the other
// customer's history replays exactly as before.

/** Every file of the store's directory (SQLite database, -wal, -shm), as bytes. */
const storeFiles = (directory: string): { name: string; bytes: Buffer }[] =>
  readdirSync(directory).map((name) => ({ name, bytes: readFileSync(join(directory, name)) }));

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
    writeFileSync(events, twoCustomers());
    writeFileSync(rules, (await runTickets(['defaults', 'rules'])).stdout);
    const imported = await run('import', ['import', '--events', events, '--store', store, '--log-level', 'debug']);
    expect(imported.code, imported.stderr).toBe(0);
    expect(json(imported)).toMatchObject({ accepted: 16, rejected: [] });
    paulBefore = {
      customer: json(await runTickets(['replay', '--customer', PAUL.id, '--store', store, '--json'])),
      ticket: json(await runTickets(['replay', '--ticket', PAUL_TICKET, '--store', store, '--json'])),
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
    const replayed = json(await runTickets(['replay', '--ticket', MARIE_TICKET, '--store', store, '--json'])) as {
      final: Record<string, unknown>;
    };
    const text = JSON.stringify(replayed);
    expect(found([{ name: 'replay', bytes: Buffer.from(text) }], MARIE_SECRETS)).toEqual([]);
    expect(text).toContain(ERASED);
    const customer = json(await runTickets(['replay', '--customer', 'cus_marie', '--store', store, '--json'])) as {
      tickets: unknown[];
    };
    expect(customer.tickets).toHaveLength(2);
  });

  it('keeps the other customer untouched: his history replays identically', async () => {
    expect(json(await runTickets(['replay', '--customer', PAUL.id, '--store', store, '--json']))).toEqual(
      paulBefore.customer,
    );
    expect(json(await runTickets(['replay', '--ticket', PAUL_TICKET, '--store', store, '--json']))).toEqual(
      paulBefore.ticket,
    );
  });

  it('verifies, rebuilds to the erased view and verifies again, with nothing in clear', async () => {
    const first = await run('verify', ['verify', '--store', store, '--json']);
    expect(first.code, first.stdout).toBe(0);
    const rebuilt = await run('rebuild', ['rebuild', '--store', store]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const again = await run('verify', ['verify', '--store', store, '--json']);
    expect(again.code, again.stdout).toBe(0);
    expect(found(storeFiles(storeDirectory), MARIE_SECRETS)).toEqual([]);
    expect(json(await runTickets(['replay', '--ticket', PAUL_TICKET, '--store', store, '--json']))).toEqual(
      paulBefore.ticket,
    );
  });

  it('what-if sets her events aside as not re-decidable instead of guessing', async () => {
    const result = await run('what-if', ['what-if', '--rules', rules, '--store', store, '--json']);
    expect(result.code, result.stderr).toBe(0);
    const report = json(result) as { summary: Record<string, number>; erased: { customerId: string }[] };
    expect(report.summary).toMatchObject({
      erased: 8,
      events: 8,
      decisionsChanged: 0,
      commandsAdded: 0,
      commandsRemoved: 0,
      commandsChanged: 0,
      rejected: 0,
    });
    expect(new Set(report.erased.map((e) => e.customerId))).toEqual(new Set(['cus_marie']));
    // Read straight from the sealed file, only the customers in reach decided again (her, erased):
    // the same report as deciding everyone again through the codec.
    const everyone = json(
      await run('what-if all', ['what-if', '--rules', rules, '--store', store, '--json', '--redecide-all']),
    );
    const { reach, ...rest } = report as unknown as { reach: { narrowed: boolean; customers: number } };
    const { reach: _everyone, ...all } = everyone as { reach: unknown };
    expect(reach).toMatchObject({ narrowed: true, customers: 1 });
    expect(rest).toEqual(all);
  });

  it('keeps routing by customer id: her next message goes to her open ticket, under a new key', async () => {
    const next = join(work.path, 'next.ndjson');
    const message = {
      specversion: '1.0',
      id: 'sms-5',
      source: 'https://postscript.example/sms',
      type: 'message.received',
      time: '2026-03-05T11:00:00+01:00',
      subject: 'cus_marie',
      data: {
        channel: 'sms',
        integration: 'postscript',
        customer: { id: 'cus_marie', phone: '+33600000000' },
        message: { id: 'msg-5', body: 'Une nouvelle question' },
      },
    };
    writeFileSync(next, JSON.stringify(message));
    const imported = json(await runTickets(['import', '--events', next, '--store', store])) as { accepted: number };
    expect(imported.accepted).toBe(1);
    const customer = json(await runTickets(['replay', '--customer', 'cus_marie', '--store', store, '--json'])) as {
      tickets: { ticketId: string }[];
    };
    expect(customer.tickets).toHaveLength(2);
    const followUp = json(
      await runTickets(['replay', '--ticket', customer.tickets[1]!.ticketId, '--store', store, '--json']),
    );
    const text = JSON.stringify(followUp);
    expect(text).toContain('Une nouvelle question');
    expect(found([{ name: 'follow-up replay', bytes: Buffer.from(text) }], MARIE_SECRETS)).toEqual([]);
  });
});
