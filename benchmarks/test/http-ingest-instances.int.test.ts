import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { TICKET_STREAM_PREFIX, type Command, type TicketState } from '@tickets/domain';
import { createLogger, readConfig } from '@tickets/platform';
import { asTicketEvent, foldTicketRecords, INBOUND_STREAM_PREFIX, openDomainStore } from '@tickets/streams';
import { compareBounce } from '../src/bounce-compare.js';
import { simulate } from '@tickets/cli';
import { syntheticEvents } from '@tickets/testing';

// HTTP ingest on any instance (docs/scaling.md): two `tickets ingest` processes on one PostgreSQL
// schema, each customer's events posted in order but each to another instance than the one before,
// many customers at once. An instance decides on the state it cached; the other instance moved the
// customer since, so the append conflicts and the batch is decided again on fresh state (optimistic
// concurrency). The end must be `tickets simulate`'s. Runs from dist: `npm test` builds first.

const POSTGRES = process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const BIN = resolve(import.meta.dirname, '../../services/tickets/bin/tickets.mjs');
const logger = createLogger({ level: 'silent' });
const schema = `http2_${randomUUID().slice(0, 8)}`;
const store = (() => {
  const url = new URL(POSTGRES);
  url.searchParams.set('schema', schema);
  return url.toString();
})();
const children: ChildProcess[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tickets-http2-'));

afterAll(async () => {
  for (const child of children) child.kill('SIGTERM');
  await Promise.all(
    children.map((child) => (child.exitCode === null ? new Promise((r) => child.once('exit', r)) : null)),
  );
  const admin = new pg.Client({ connectionString: POSTGRES });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await admin.end();
  rmSync(dir, { recursive: true, force: true });
});

/** Starts `tickets ingest` on a port of its own and resolves its base URL once it says it is ready. */
async function startIngest(): Promise<string> {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !key.startsWith('TICKETS_') && !key.startsWith('KAFKA_')),
  );
  const child = spawn(process.execPath, [BIN, 'ingest', '--store', store, '--port', '0', '--log-level', 'info'], {
    env: inherited,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  for await (const line of createInterface({ input: child.stdout! })) {
    const entry = JSON.parse(line) as { msg?: string; port?: number };
    if (entry.msg === 'ingest ready' && entry.port !== undefined) {
      child.stdout!.resume();
      return `http://127.0.0.1:${entry.port}`;
    }
  }
  throw new Error('ingest exited before it was ready');
}

async function post(url: string, event: object): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    let response: Response;
    try {
      response = await fetch(`${url}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/cloudevents+json' },
        body: JSON.stringify(event),
      });
    } catch (error) {
      // A kept-alive connection the server closed as this request went out ("other side closed"):
      // nothing was answered, so post the same event again — the ingest counts a repeat as a duplicate.
      if (attempt >= 5) throw error;
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    // Rate limited (one limiter per instance): wait as told, then post the same event again.
    if (response.status === 429) {
      await new Promise((r) => setTimeout(r, 1_000 * Number(response.headers.get('retry-after') ?? '1')));
      continue;
    }
    if (response.status !== 202) throw new Error(`POST answered ${response.status}: ${await response.text()}`);
    return;
  }
}

// The instances inherit this environment: the store is opened here with the same personal-data settings.
const { pii } = readConfig(process.env);

describe('HTTP ingest on two instances over one PostgreSQL store', () => {
  it(
    "each customer's events posted in turn to both instances, 40 customers at a time, end as simulate ends",
    { timeout: 10 * 60_000 },
    async () => {
      const events = syntheticEvents(2_000, 200, 23) as { subject: string }[];
      const file = join(dir, 'events.ndjson');
      writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
      const reference = await simulate({ events: file }, logger);

      // Migrated once before the two processes start (as a deployment's first instance would).
      const opened = await openDomainStore(store, pii);
      await opened.checkpoints.close();
      await opened.store.close();
      const urls = await Promise.all([startIngest(), startIngest()]);

      const byCustomer = new Map<string, object[]>();
      for (const event of events) byCustomer.set(event.subject, [...(byCustomer.get(event.subject) ?? []), event]);
      const queue = [...byCustomer.values()];
      let turn = 0;
      await Promise.all(
        Array.from({ length: 40 }, async () => {
          for (let mine = queue.shift(); mine !== undefined; mine = queue.shift()) {
            for (const event of mine) await post(urls[turn++ % urls.length]!, event);
          }
        }),
      );

      const { store: events2, checkpoints } = await openDomainStore(store, pii);
      try {
        const records = [];
        for (let after = 0; ;) {
          const page = await events2.readAll({
            after,
            maxCount: 10_000,
            streamPrefixes: [TICKET_STREAM_PREFIX, INBOUND_STREAM_PREFIX],
          });
          if (page.length === 0) break;
          records.push(...page);
          after = page.at(-1)!.position;
        }
        const byTicket = new Map<string, typeof records>();
        for (const r of records.filter((r) => r.stream.startsWith(TICKET_STREAM_PREFIX)))
          byTicket.set(r.stream, [...(byTicket.get(r.stream) ?? []), r]);
        const tickets = [...byTicket.values()]
          .map((stream) => foldTicketRecords(stream))
          .filter((t): t is TicketState => t !== null);
        const commands = records
          .filter((r) => r.stream.startsWith(TICKET_STREAM_PREFIX) && r.type === 'RulesEvaluated')
          .flatMap((r) => {
            const event = asTicketEvent(r);
            return event.type === 'RulesEvaluated'
              ? event.data.commands.map((c: Command) => ({ id: c.id, value: JSON.parse(JSON.stringify(c)) as unknown }))
              : [];
          });
        const comparison = compareBounce(
          {
            tickets: reference.tickets,
            commands: reference.commands as Command[],
            accepted: reference.stats.accepted,
            rejected: reference.stats.rejected,
          },
          {
            tickets,
            commands,
            inboundStored: records.filter((r) => r.stream.startsWith(INBOUND_STREAM_PREFIX)).length,
            deadLetters: reference.stats.rejected,
          },
        );
        expect(comparison.problems).toEqual([]);
        expect(comparison.tickets.equal).toBe(reference.tickets.length);
        expect(comparison.commands.duplicates).toBe(0);
      } finally {
        await checkpoints.close();
        await events2.close();
      }
    },
  );
});
