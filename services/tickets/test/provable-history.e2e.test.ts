import { randomUUID } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { DatabaseSync } from 'node:sqlite';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ticketIdFor } from '@tickets/domain';
import { SMS_SOURCE, tempDir } from '@tickets/testing';
import type { VerifyReport } from '@tickets/audit';
import type { ConfigHistory } from '../src/commands/config-history.js';
import type { StoreHeadReport } from '../src/commands/head.js';
import { json } from './cli-json.js';
import { REPO, runTickets } from './cli-runner.js';

// An auditor's view: a store made by `tickets import` of the seed story is edited behind the
// service's back with SQL, as in issue 19; `verify` makes every decision again under the
// configuration it names and must point at the edit — the event, the field, both values — and exit
// 1, while an untouched store, an erased customer and a rebuilt store pass. Edits no decision reads
// (an agent event, a whole decision with its inbound record) are named by the hash chain of their
// stream, or by a head published before them. On SQLite and PostgreSQL.

const SEED = join(REPO, 'examples/seed-sms-story.ndjson');
const POSTGRES = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const dir = tempDir();
const schemas: string[] = [];
const CLEAR = { TICKETS_PII_ENCRYPTION: 'off' };

/** The seed story told by a second customer, Paul: decisions erasing Marie must leave to be made again. */
const TWO_CUSTOMERS = join(dir.path, 'two-customers.ndjson');
const seed = readFileSync(SEED, 'utf8');
writeFileSync(
  TWO_CUSTOMERS,
  seed +
    seed
      .replaceAll('"id": "sms-', '"id": "paul-sms-')
      .replaceAll('"id": "agent-', '"id": "paul-agent-')
      .replaceAll('cus_marie', 'cus_paul')
      .replaceAll(ticketIdFor(SMS_SOURCE, 'sms-1'), ticketIdFor(SMS_SOURCE, 'paul-sms-1')),
);

afterAll(async () => {
  dir[Symbol.dispose]();
  const client = new pg.Client({ connectionString: POSTGRES });
  await client.connect();
  for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
});

type Row = Record<string, unknown>;

interface Store {
  readonly url: string;
  /** Runs SQL straight on the store's table, named `events`; parameters are written `?`. */
  sql(statement: string, params?: readonly (string | number)[]): Promise<{ rows: Row[]; changes: number }>;
}

/** `UPDATE events SET data = replace(data, from, to) WHERE <where>`: how many rows changed. */
const edit = async (store: Store, from: string, to: string, where: string): Promise<number> =>
  (await store.sql(`UPDATE events SET data = replace(data, ?, ?) WHERE ${where}`, [from, to])).changes;

/** Two stored events trade places in their stream (content moves, positions and versions stay). */
async function swap(store: Store, first: number, second: number): Promise<void> {
  const { rows } = await store.sql('SELECT position, id, type, data, metadata FROM events WHERE position IN (?, ?)', [
    first,
    second,
  ]);
  expect(rows).toHaveLength(2);
  // Ids are unique per stream on some stores: park one out of the way first.
  await store.sql("UPDATE events SET id = 'parked' WHERE position = ?", [first]);
  for (const [at, from] of [
    [second, rows.find((r) => Number(r['position']) === first)!],
    [first, rows.find((r) => Number(r['position']) === second)!],
  ] as const) {
    await store.sql('UPDATE events SET id = ?, type = ?, data = ?, metadata = ? WHERE position = ?', [
      String(from['id']),
      String(from['type']),
      String(from['data']),
      String(from['metadata']),
      at,
    ]);
  }
}

const kinds = [
  {
    name: 'SQLite',
    fresh: (): Store => {
      const path = join(dir.path, `${randomUUID()}.db`);
      return {
        url: `sqlite:${path}`,
        async sql(statement, params = []) {
          const db = new DatabaseSync(path);
          try {
            const prepared = db.prepare(statement);
            if (/^\s*SELECT/i.test(statement)) return { rows: prepared.all(...params) as Row[], changes: 0 };
            return { rows: [], changes: Number(prepared.run(...params).changes) };
          } finally {
            db.close();
          }
        },
      };
    },
  },
  {
    name: 'PostgreSQL',
    fresh: (): Store => {
      const schema = `provable_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
      schemas.push(schema);
      return {
        url: `${POSTGRES}?schema=${schema}`,
        async sql(statement, params = []) {
          const client = new pg.Client({ connectionString: POSTGRES });
          await client.connect();
          try {
            let n = 0;
            const text = statement.replaceAll('?', () => `$${++n}`).replace(/\bevents\b/, `${schema}.events`);
            const result = await client.query(text, [...params]);
            return { rows: result.rows as Row[], changes: result.rowCount ?? 0 };
          } finally {
            await client.end();
          }
        },
      };
    },
  },
];

async function imported(fresh: () => Store, env: Record<string, string> = CLEAR, events = SEED): Promise<Store> {
  const store = fresh();
  const run = await runTickets(['import', '--events', events, '--store', store.url], env);
  expect(run.stderr).toBe('');
  // `clock`: how far the import ran the timers (docs/timers.md); the shipped rules have none.
  expect(json(run)).toMatchObject({
    accepted: events === SEED ? 8 : 16,
    duplicates: 0,
    rejected: [],
    clock: { timersFired: 0 },
  });
  return store;
}

describe.each(kinds)('verify makes every decision again on $name', ({ fresh }) => {
  it('passes an untouched store, having made all 8 decisions again under the one configuration recorded', async () => {
    const store = await imported(fresh);
    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toContain('verify: OK');
    expect(run.stdout).toMatch(
      /re-decision: 8 decisions made again under 1 recorded configuration, \d+ stored events compared, 0 differing/,
    );
    expect(run.stdout).toMatch(
      /hash chain: 35 events in 12 streams chained, 0 broken; head 35:[0-9a-f]{16}… at position \d+/,
    );

    // The head an operator publishes, proven again later.
    const head = json<StoreHeadReport>(await runTickets(['head', '--store', store.url], CLEAR));
    expect(head).toMatchObject({ events: 35, unchained: 0, chainOk: true, proof: `35:${head.hash}` });
    expect(head.hash).toMatch(/^[0-9a-f]{64}$/);
    const proven = await runTickets(['verify', '--store', store.url, '--head', head.proof], CLEAR);
    expect(proven.code, proven.stdout).toBe(0);
    expect(proven.stdout).toMatch(/head 35:[0-9a-f]{16}… proven: history up to position \d+ is unchanged/);
    const malformed = await runTickets(['verify', '--store', store.url, '--head', head.hash], CLEAR);
    expect(malformed.code).not.toBe(0);
    expect(malformed.stderr).toContain('<events>:<sha-256 hex>');

    const history = json<ConfigHistory>(await runTickets(['config', 'history', '--store', store.url, '--json'], CLEAR));
    expect(history.configurations).toHaveLength(1);
    expect(history.configurations[0]).toMatchObject({ decisions: 8, invalid: null });
    expect(history.periods).toEqual([
      expect.objectContaining({ config: history.configurations[0]!.hash, decisions: 8 }),
    ]);
  });

  it('decisions made under two configurations in turn: each is made again under its own, and config history says which was in force when', async () => {
    const store = await imported(fresh);
    // Paul's story then arrives under rules without the thanks auto-close.
    const paul = join(dir.path, `paul-${randomUUID()}.ndjson`);
    writeFileSync(paul, readFileSync(TWO_CUSTOMERS, 'utf8').split('\n').slice(8).join('\n'));
    const rules = join(dir.path, `no-thanks-${randomUUID()}.json`);
    const shipped = JSON.parse((await runTickets(['defaults', 'rules'])).stdout) as { rules: { id: string }[] };
    writeFileSync(
      rules,
      JSON.stringify({ ...shipped, rules: shipped.rules.filter((r) => r.id !== 'sms-thanks-autoclose') }),
    );
    expect(
      json(await runTickets(['import', '--events', paul, '--rules', rules, '--store', store.url], CLEAR)),
    ).toMatchObject({ accepted: 8 });

    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code, run.stdout).toBe(0);
    expect(run.stdout).toMatch(
      /re-decision: 16 decisions made again under 2 recorded configurations, \d+ stored events compared, 0 differing/,
    );

    const history = json<ConfigHistory>(await runTickets(['config', 'history', '--store', store.url, '--json'], CLEAR));
    const [first, second] = history.configurations;
    expect(history.configurations.map((c) => c.decisions)).toEqual([8, 8]);
    expect(history.periods.map((p) => [p.config, p.decisions])).toEqual([
      [first!.hash, 8],
      [second!.hash, 8],
    ]);
    const text = await runTickets(['config', 'history', '--store', store.url], CLEAR);
    expect(text.stdout).toContain('2 configurations recorded');
    expect(text.stdout).toContain(`${second!.hash.slice(0, 12)}  from 2026-03-02T08:00:00.000Z`);
    const shown = json<{ rules: { rules: { id: string }[] } }>(
      await runTickets(['config', 'show', second!.hash.slice(0, 10), '--store', store.url], CLEAR),
    );
    expect(shown.rules.rules.map((r) => r.id)).not.toContain('sms-thanks-autoclose');
  });

  it('names the auto-reply body changed inside a recorded rule decision, with both values, and exits 1', async () => {
    const store = await imported(fresh);
    expect(
      await edit(
        store,
        'Merci pour votre suivi',
        'Payez maintenant',
        "type = 'RulesEvaluated' AND data LIKE '%Merci pour votre suivi%'",
      ),
    ).toBe(1);

    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('verify: MISMATCH');
    expect(run.stdout).toMatch(/at #\d+ RulesEvaluated at 2026-03-03T07:00:00\.000Z/);
    expect(run.stdout).toMatch(
      /data\.commands\[\d\]\.data\.body: stored Payez maintenant ! .*, re-decided Merci pour votre suivi ! /,
    );
    expect(run.stdout).toMatch(/hash chain: 35 events in 12 streams chained, 1 broken/);
    expect(run.stdout).toMatch(
      /\nhash chain: ticket-tk_\w+ #\d+ RulesEvaluated \(position \d+, id ev_\w+\): stored hash does not match the event/,
    );

    const report = JSON.parse(
      (await runTickets(['verify', '--store', store.url, '--json'], CLEAR)).stdout,
    ) as VerifyReport;
    expect(report.redecision.mismatches).toEqual([
      expect.objectContaining({
        kind: 'differs',
        field: expect.stringMatching(/^data\.commands\[\d\]\.data\.body$/),
        stored: expect.stringMatching(/^Payez maintenant/),
        redecided: expect.stringMatching(/^Merci pour votre suivi/),
      }),
    ]);
  });

  it('names the reopen window changed on a TicketClosed (24h → 48h), and only that event, and exits 1', async () => {
    const store = await imported(fresh);
    expect(
      await edit(
        store,
        '"duration":"24h","ms":86400000',
        '"duration":"48h","ms":172800000',
        'type = \'TicketClosed\' AND data LIKE \'%"at":"2026-03-02T09:00:00.000Z"%\'',
      ),
    ).toBe(1);

    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/at #\d+ TicketClosed at 2026-03-02T09:00:00\.000Z/);
    expect(run.stdout).toContain('data.window.duration: stored 48h, re-decided 24h');
    expect(run.stdout).toContain('data.window.ms: stored 172800000, re-decided 86400000');
    expect(run.stdout).toMatch(
      /\nhash chain: ticket-tk_\w+ #5 TicketClosed \(position \d+, id ev_\w+\): stored hash does not match the event/,
    );
    const report = JSON.parse(
      (await runTickets(['verify', '--store', store.url, '--json'], CLEAR)).stdout,
    ) as VerifyReport;
    // Later decisions stand on what the edited one made again: the edit is reported where it is, once.
    expect(new Set(report.redecision.mismatches.map((m) => m.event.type))).toEqual(new Set(['TicketClosed']));
  });

  it('names an inbound record edited after its decision (the message as received)', async () => {
    const store = await imported(fresh);
    expect(
      await edit(store, 'Merci !', 'Merci, annulez tout', "type = 'InboundAccepted' AND data LIKE '%Merci !%'"),
    ).toBe(1);
    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /at #\d+ MessageReceived at 2026-03-03T11:00:00\.000Z[^\n]*\n {2}data\.body: stored Merci !, re-decided Merci, annulez tout/,
    );
    expect(run.stdout).toMatch(
      /\nhash chain: inbound-in_\w+ #0 InboundAccepted \(position \d+, id [^)]+\): stored hash does not match the event/,
    );
  });

  it('names an agent event edited, which no decision reads again: the hash chain of its ticket points at it', async () => {
    const store = await imported(fresh);
    expect(
      await edit(
        store,
        'agent-lea',
        'agent-max',
        `type = 'TicketClosed' AND metadata LIKE '%"correlationId":"agent-2"%'`,
      ),
    ).toBe(1);
    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(/hash chain: 35 events in 12 streams chained, 1 broken/);
    expect(run.stdout).toMatch(
      /\nhash chain: ticket-tk_sliajvihenz6piuibdygjmqqg4 #5 TicketClosed \(position \d+, id ev_\w+\): stored hash does not match/,
    );
  });

  it('names the stream a whole decision was deleted from together with its inbound record, and a published head proves a deletion at the end', async () => {
    const store = await imported(fresh);
    // The agent's second reply: its event in the ticket and its inbound record, gone.
    expect((await store.sql(`DELETE FROM events WHERE metadata LIKE '%"correlationId":"agent-3"%'`)).changes).toBe(2);
    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /\nhash chain: ticket-tk_sliajvihenz6piuibdygjmqqg4 #12 TicketClosed \(position \d+, id ev_\w+\): revision 12 follows revision 10: events deleted or moved/,
    );

    // The last decision, every event of it: no chain has a later event to notice, the published head does.
    const last = await imported(fresh);
    const published = json<StoreHeadReport>(await runTickets(['head', '--store', last.url], CLEAR));
    expect((await last.sql(`DELETE FROM events WHERE metadata LIKE '%"correlationId":"sms-4"%'`)).changes).toBe(7);
    const proof = await runTickets(['verify', '--store', last.url, '--head', published.proof], CLEAR);
    expect(proof.code).toBe(1);
    expect(proof.stdout).toMatch(/hash chain: 28 events in 10 streams chained, 0 broken/);
    expect(proof.stdout).toContain(
      `head 35:${published.hash.slice(0, 16)}… NOT proven: the store holds only 28 chained events (events deleted)`,
    );
    // Five CLI runs, each a process of its own.
  }, 90_000);

  it('names a decision event deleted, and two events of a decision swapped', async () => {
    const deleted = await imported(fresh);
    const [tags] = (await deleted.sql("SELECT position, id FROM events WHERE type = 'TagsChanged' ORDER BY position"))
      .rows;
    await deleted.sql('DELETE FROM events WHERE position = ?', [Number(tags!['position'])]);
    const afterDelete = await runTickets(['verify', '--store', deleted.url], CLEAR);
    expect(afterDelete.code).toBe(1);
    expect(afterDelete.stdout).toContain(`re-decision: missing event`);
    expect(afterDelete.stdout).toContain(`the decision makes TagsChanged ${String(tags!['id'])}`);
    expect(afterDelete.stdout).toMatch(
      /\nhash chain: ticket-tk_\w+ #\d+ TicketAssigned \(position \d+, id ev_\w+\): revision \d+ follows revision \d+: events deleted or moved/,
    );

    const swapped = await imported(fresh);
    // The rules' auto-close of the "Merci !" decision and the tag it adds, in that order.
    const { rows } = await swapped.sql(
      "SELECT position FROM events WHERE type IN ('TicketClosed', 'TagsChanged') AND data LIKE '%2026-03-03T11:00:00.000Z%' ORDER BY position",
    );
    expect(rows).toHaveLength(2);
    await swap(swapped, Number(rows[0]!['position']), Number(rows[1]!['position']));
    const afterSwap = await runTickets(['verify', '--store', swapped.url], CLEAR);
    expect(afterSwap.code).toBe(1);
    expect(afterSwap.stdout).toContain('re-decision: order in ticket-');
    expect(afterSwap.stdout).toMatch(
      /\nhash chain: ticket-tk_\w+ #16 TagsChanged \(position \d+, id ev_\w+\): stored hash does not match/,
    );
    expect(afterSwap.stdout).toMatch(
      /\nhash chain: ticket-tk_\w+ #17 TicketClosed \(position \d+, id ev_\w+\): stored hash does not match/,
    );
  });

  it('refuses a configuration whose recorded content no longer hashes to its name, and every decision made under it', async () => {
    const store = await imported(fresh);
    expect(await edit(store, '"postscript":"24h"', '"postscript":"48h"', "type = 'ConfigurationRecorded'")).toBe(1);
    const run = await runTickets(['verify', '--store', store.url], CLEAR);
    expect(run.code).toBe(1);
    expect(run.stdout).toMatch(
      /re-decision: configuration in config-[0-9a-f]{64}: its content hashes to [0-9a-f]{64}, but it is recorded as/,
    );
    const report = JSON.parse(
      (await runTickets(['verify', '--store', store.url, '--json'], CLEAR)).stdout,
    ) as VerifyReport;
    expect(report.redecision.mismatches.filter((m) => m.kind === 'configuration')).toHaveLength(1 + 8);
  });

  it('passes once the customer is erased (her decisions cannot be made again, and say so) and after a rebuild', async () => {
    // Encryption on (the default): erasure deletes the customer's key.
    const store = await imported(fresh, {}, TWO_CUSTOMERS);
    const published = json<StoreHeadReport>(await runTickets(['head', '--store', store.url]));
    const forgotten = await runTickets(['forget', '--customer', 'cus_marie', '--store', store.url]);
    expect(forgotten.code, forgotten.stderr).toBe(0);
    const erased = await runTickets(['verify', '--store', store.url]);
    expect(erased.code, erased.stdout).toBe(0);
    expect(erased.stdout).toMatch(
      /re-decision: 8 decisions made again under 1 recorded configuration, \d+ stored events compared, 8 of erased customers not re-decided, 0 differing/,
    );

    const rebuilt = await runTickets(['rebuild', '--store', store.url]);
    expect(rebuilt.code, rebuilt.stderr).toBe(0);
    const after = await runTickets(['verify', '--store', store.url]);
    expect(after.code, after.stdout).toBe(0);
    expect(after.stdout).toContain('verify: OK');
    expect(after.stdout).toContain('8 of erased customers not re-decided, 0 differing');
    // The chain covers the sealed values: erasing the key leaves every hash and the published head whole.
    const proven = await runTickets(['verify', '--store', store.url, '--head', published.proof]);
    expect(proven.code, proven.stdout).toBe(0);
    expect(proven.stdout).toMatch(/hash chain: \d+ events in \d+ streams chained, 0 broken/);
    expect(proven.stdout).toMatch(/head \d+:[0-9a-f]{16}… proven/);
    // Seven CLI runs, each a process of its own.
  }, 90_000);
});

describe('verify split between worker threads by customer (SQLite)', () => {
  it('finds exactly what one thread finds, edits and a changed configuration included', async () => {
    // Three shards: Marie and Paul land in different ones, and one shard has no customer at all.
    const store = await imported(kinds[0]!.fresh, CLEAR, TWO_CUSTOMERS);
    expect(
      await edit(
        store,
        '"duration":"24h","ms":86400000',
        '"duration":"48h","ms":172800000',
        "type = 'TicketClosed' AND stream IN (SELECT stream FROM events WHERE type = 'TicketCreated' AND data LIKE '%cus_paul%')",
      ),
    ).toBeGreaterThan(0);
    expect(
      await edit(
        store,
        'Merci !',
        'Merci, annulez tout',
        "type = 'InboundAccepted' AND data LIKE '%cus_marie%' AND data LIKE '%Merci !%'",
      ),
    ).toBe(1);
    const one = await runTickets(['verify', '--store', store.url, '--threads', '0', '--json'], CLEAR);
    const three = await runTickets(['verify', '--store', store.url, '--threads', '3', '--json'], CLEAR);
    expect([one.code, three.code]).toEqual([1, 1]);
    const inline = JSON.parse(one.stdout) as VerifyReport;
    expect(inline.redecision.mismatches.map((m) => m.event.type)).toEqual(
      expect.arrayContaining(['TicketClosed', 'MessageReceived']),
    );
    expect(JSON.parse(three.stdout)).toEqual(inline);

    expect(await edit(store, '"postscript":"24h"', '"postscript":"48h"', "type = 'ConfigurationRecorded'")).toBe(1);
    const [a, b] = await Promise.all(
      ['0', '3'].map(
        async (threads) =>
          JSON.parse(
            (await runTickets(['verify', '--store', store.url, '--threads', threads, '--json'], CLEAR)).stdout,
          ) as VerifyReport,
      ),
    );
    expect(a!.redecision.mismatches.filter((m) => m.kind === 'configuration')).toHaveLength(1 + 16);
    expect(b).toEqual(a);
  });
});
