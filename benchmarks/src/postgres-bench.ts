// Raw event store rates, SQLite and PostgreSQL side by side in one run (`node dist/postgres-bench.js`):
// batched appends (100 single-event appends per appendMany, round-robin over the streams, exact versions)
// and readAll in pages, with and without a trivial fold. `--rebuild-events N` instead loads N events
// into PostgreSQL and times reading them all back in global order through readAll, folded.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import type { EventStore, NewEvent, RecordedEvent, StreamAppend } from '@tickets/event-store';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createPostgresEventStore } from '@tickets/event-store/postgres';

const { values } = parseArgs({
  options: {
    url: {
      type: 'string',
      default:
        process.env['TICKETS_BENCH_POSTGRES_URL'] ??
        process.env['TICKETS_TEST_POSTGRES_URL'] ??
        'postgres://postgres@127.0.0.1:5432/test',
    },
    events: { type: 'string', default: '100000' },
    streams: { type: 'string', default: '10000' },
    batch: { type: 'string', default: '100' },
    page: { type: 'string', default: '5000' },
    runs: { type: 'string', default: '1' },
    'rebuild-events': { type: 'string' },
    'load-batch': { type: 'string', default: '5000' },
    'concurrent-events': { type: 'string', default: '4000' },
    connections: { type: 'string', default: '8' },
  },
});
const url = values.url;
const count = Number(values.events);
const streams = Number(values.streams);
const batch = Number(values.batch);
const pageSize = Number(values.page);

/** A ~300-byte inbound SMS, different per event so that nothing compresses to nothing. */
function payload(i: number): NewEvent['data'] {
  const c = i % streams;
  return {
    specversion: '1.0',
    id: `sms-${i}`,
    source: 'https://bench.example/sms',
    time: new Date(Date.UTC(2026, 0, 1) + i * 1000).toISOString(),
    subject: `cus_${c}`,
    channel: 'sms',
    customer: { id: `cus_${c}`, name: `Customer ${c}`, phone: `+3361${String(c).padStart(7, '0')}` },
    message: {
      id: `m-${i}`,
      body: i % 2 === 0 ? "Bonjour, ma commande n'est pas arrivée" : 'Where is my parcel? Order 48213',
    },
  };
}

/** Round-robin single-event appends with exact versions, `perCall` of them per appendMany. */
async function appendRoundRobin(store: EventStore, total: number, perCall: number, offset = 0): Promise<void> {
  const versions = new Array<number>(streams).fill(-1);
  let appends: StreamAppend[] = [];
  for (let n = 0; n < total; n++) {
    const i = offset + n;
    const s = i % streams;
    appends.push({
      stream: `ticket-${s}`,
      expectedVersion: versions[s] === -1 ? 'no_stream' : versions[s]!,
      events: [{ id: `e-${i}`, type: 'MessageReceived', data: payload(i) }],
    });
    versions[s] = versions[s]! + 1;
    if (appends.length === perCall) {
      await store.appendMany(appends);
      appends = [];
    }
  }
  if (appends.length > 0) await store.appendMany(appends);
}

/** Reads everything in global order, page by page; `fold` sees each event. */
async function readEverything(store: EventStore, fold?: (event: RecordedEvent) => void): Promise<number> {
  let read = 0;
  for (let after = 0; ;) {
    const page = await store.readAll({ after, maxCount: pageSize });
    if (page.length === 0) return read;
    if (fold !== undefined) for (const event of page) fold(event);
    read += page.length;
    after = page[page.length - 1]!.position;
  }
}

/** The trivial fold: events and message bodies per stream. */
function trivialFold(): { fold: (event: RecordedEvent) => void; streams: () => number } {
  const perStream = new Map<string, { events: number; chars: number }>();
  return {
    fold(event) {
      let state = perStream.get(event.stream);
      if (state === undefined) perStream.set(event.stream, (state = { events: 0, chars: 0 }));
      state.events++;
      state.chars += ((event.data as { message?: { body?: string } }).message?.body ?? '').length;
    },
    streams: () => perStream.size,
  };
}

async function timed(run: () => Promise<number>): Promise<{ events: number; seconds: number; perSecond: number }> {
  const began = performance.now();
  const events = await run();
  const seconds = (performance.now() - began) / 1000;
  return { events, seconds: Number(seconds.toFixed(2)), perSecond: Math.round(events / seconds) };
}

const median = (numbers: number[]): number => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)]!;

interface Rates {
  append: number;
  read: number;
  readFold: number;
}

async function measure(open: () => Promise<{ store: EventStore; dispose: () => Promise<void> }>): Promise<Rates> {
  const { store, dispose } = await open();
  try {
    const append = await timed(async () => {
      await appendRoundRobin(store, count, batch);
      return count;
    });
    const read = await timed(() => readEverything(store));
    const folded = trivialFold();
    const readFold = await timed(() => readEverything(store, folded.fold));
    if (read.events !== count || readFold.events !== count || folded.streams() !== Math.min(streams, count)) {
      throw new Error(
        `read ${read.events}/${readFold.events} events over ${folded.streams()} streams, expected ${count}`,
      );
    }
    return { append: append.perSecond, read: read.perSecond, readFold: readFold.perSecond };
  } finally {
    await dispose();
  }
}

/** A schema of its own for each run, dropped afterwards. */
async function withSchema<T>(run: (schema: string) => Promise<T>): Promise<T> {
  const schema = `bench_${randomBytes(5).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    return await run(schema);
  } finally {
    await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await admin.end();
  }
}

const openSqlite = async () => {
  const dir = mkdtempSync(join(tmpdir(), 'event-store-bench-'));
  const store = createSqliteEventStore({ path: join(dir, 'events.db') });
  return {
    store,
    dispose: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
};

/** N connections each appending single events to their own streams, one transaction per event. */
async function concurrentSingleAppends(schema: string, notify: 'in-transaction' | 'after-commit'): Promise<number> {
  const connections = Number(values.connections);
  const total = Number(values['concurrent-events']);
  const store = await createPostgresEventStore({
    url,
    schema: `${schema}_${notify === 'in-transaction' ? 'i' : 'a'}`,
    notify,
    maxConnections: connections,
  });
  try {
    const result = await timed(async () => {
      await Promise.all(
        Array.from({ length: connections }, async (_, w) => {
          for (let i = 0; i < total / connections; i++) {
            await store.append(
              `ticket-${w}-${i % 100}`,
              [{ id: `c-${w}-${i}`, type: 'MessageReceived', data: payload(i) }],
              {
                expectedVersion: i < 100 ? 'no_stream' : Math.floor(i / 100) - 1,
              },
            );
          }
        }),
      );
      return total;
    });
    return result.perSecond;
  } finally {
    await store.close();
  }
}

async function compare(): Promise<void> {
  const runs = Number(values.runs);
  const sqlite: Rates[] = [];
  const postgres: Rates[] = [];
  const concurrent: Record<'in-transaction' | 'after-commit', number[]> = { 'in-transaction': [], 'after-commit': [] };
  for (let run = 0; run < runs; run++) {
    sqlite.push(await measure(openSqlite));
    await withSchema(async (schema) => {
      postgres.push(
        await measure(async () => {
          const store = await createPostgresEventStore({ url, schema });
          return { store, dispose: () => store.close() };
        }),
      );
      for (const notify of ['in-transaction', 'after-commit'] as const)
        concurrent[notify].push(await concurrentSingleAppends(schema, notify));
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS "${schema}_i" CASCADE; DROP SCHEMA IF EXISTS "${schema}_a" CASCADE`);
      await admin.end();
    });
  }
  const row = (label: string, key: keyof Rates): string =>
    `| ${label} | ${median(sqlite.map((r) => r[key])).toLocaleString('en')}/s | ${median(postgres.map((r) => r[key])).toLocaleString('en')}/s |`;
  const lines = [
    `${count.toLocaleString('en')} events (~300 bytes JSON) over ${streams.toLocaleString('en')} streams; median of ${runs} run(s)`,
    '',
    '| measurement | SQLite (node:sqlite, WAL) | PostgreSQL (pg) |',
    '|---|---|---|',
    row(`batched append (${batch} single-event appends per appendMany)`, 'append'),
    row(`readAll, pages of ${pageSize}`, 'read'),
    row(`readAll + trivial fold`, 'readFold'),
    '',
    `PostgreSQL, ${values.connections} connections each appending one event per transaction (${values['concurrent-events']} events):`,
    `  NOTIFY in the transaction: ${median(concurrent['in-transaction']).toLocaleString('en')}/s; NOTIFY after the commit: ${median(concurrent['after-commit']).toLocaleString('en')}/s`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.stdout.write(`${JSON.stringify({ sqlite, postgres, concurrent })}\n`);
}

async function rebuild(total: number): Promise<void> {
  const loadBatch = Number(values['load-batch']);
  await withSchema(async (schema) => {
    const store = await createPostgresEventStore({ url, schema });
    try {
      const load = await timed(async () => {
        await appendRoundRobin(store, total, loadBatch);
        return total;
      });
      process.stdout.write(
        `loaded ${total.toLocaleString('en')} events into PostgreSQL with appendMany of ${loadBatch}: ${load.seconds} s (${load.perSecond.toLocaleString('en')}/s)\n`,
      );
      const folded = trivialFold();
      const read = await timed(() => readEverything(store, folded.fold));
      if (read.events !== total) throw new Error(`read ${read.events} events, expected ${total}`);
      process.stdout.write(
        `read all ${read.events.toLocaleString('en')} in global order (readAll pages of ${pageSize}) and folded them over ${folded.streams().toLocaleString('en')} streams: ${read.seconds} s (${read.perSecond.toLocaleString('en')} events/s)\n`,
      );
      process.stdout.write(`${JSON.stringify({ load, read })}\n`);
    } finally {
      await store.close();
    }
  });
}

if (values['rebuild-events'] !== undefined) await rebuild(Number(values['rebuild-events']));
else await compare();
