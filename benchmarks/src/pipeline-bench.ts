// `npm run bench`: the pipeline against the raw append rate of the same store, measured in the same
// run, on SQLite and on PostgreSQL side by side. Each phase runs in a fresh child process so that its
// peak RSS is its own.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { openStore, parseStoreUrl, type EventStore, type NewEvent, type StreamAppend } from '@tickets/event-store';
import { createIngest } from '@tickets/ingest';
import { createLogger, delay } from '@tickets/platform';
import { createProjector, openTicketReadModel } from '@tickets/projector';
import type { CommandSink } from '@tickets/rule-reactor';
import { openRuntime, simulate } from '@tickets/cli';
import { openDomainStore } from '@tickets/streams';
import { submitStreamed, timed, type PhaseResult } from './bench-phase.js';
import { syntheticEvents } from '@tickets/testing';

const PHASES = ['raw-append', 'ingest', 'end-to-end', 'rebuild', 'simulate'] as const;
type Phase = (typeof PHASES)[number];
// Node 24 sizes the young generation from the machine's memory (up to 3 × 64 MiB semi-spaces here):
// garbage, not live data, then decides the peak RSS. The services are meant to run with this flag
// (docs/operations.md: memory, NODE_OPTIONS); `--node-flags ""` measures Node's defaults.
const DEFAULT_NODE_FLAGS = '--max-semi-space-size=16';
const POSTGRES_URL = process.env['TICKETS_BENCH_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
const silent = createLogger({ level: 'silent' });

/** The store a phase works on, by name: a file in the run's directory, or a PostgreSQL schema of the run. */
type StoreUrl = (name: string) => string;

/** Times `run`; `describe` (not timed) adds a note about what was produced. */

/** The input, streamed: the phases' peak RSS is the pipeline's, not the size of the input file. */
async function* readEvents(file: string): AsyncGenerator<unknown> {
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }) })) {
    if (line !== '') yield JSON.parse(line) as unknown;
  }
}

async function openEvents(url: string): Promise<EventStore> {
  const { store, checkpoints } = await openStore(parseStoreUrl(url));
  await checkpoints.close();
  return store;
}

async function runPhase(phase: Phase, storeUrl: StoreUrl, file: string, streams: number): Promise<PhaseResult> {
  switch (phase) {
    case 'raw-append': {
      // The ceiling: pre-built ~300-byte events, 100 single-event appends per transaction, round-robin
      // over the streams, exact expected versions.
      const store = await openEvents(storeUrl('raw'));
      try {
        return await timed(phase, async () => {
          const versions = new Array<number>(streams).fill(-1);
          let appends: StreamAppend[] = [];
          let count = 0;
          for await (const input of readEvents(file)) {
            const s = count % streams;
            const event: NewEvent = { id: `e-${count}`, type: 'MessageReceived', data: input as NewEvent['data'] };
            appends.push({
              stream: `ticket-${s}`,
              expectedVersion: versions[s] === -1 ? 'no_stream' : versions[s]!,
              events: [event],
            });
            versions[s] = versions[s]! + 1;
            count++;
            if (appends.length === 100) {
              await store.appendMany(appends);
              appends = [];
            }
          }
          if (appends.length > 0) await store.appendMany(appends);
          return { events: count };
        });
      } finally {
        await store.close();
      }
    }
    case 'ingest': {
      // Validate → deduplicate → decide → append, group-committed, acknowledged after the commit. The
      // store opened as the ingest service opens it (a SQLite file with its reach indexes, which the
      // writer keeps up to date).
      const { store, checkpoints } = await openDomainStore(parseStoreUrl(storeUrl('pipeline')), {
        encryption: false,
      });
      await checkpoints.close();
      try {
        return await timed(
          phase,
          async () => {
            const ingest = createIngest({ store, rules: DEFAULT_RULES, policy: DEFAULT_REOPEN_POLICY, logger: silent });
            // Like many HTTP clients posting batches of 500: a few requests in flight at any time.
            const count = await submitStreamed(ingest, readEvents(file));
            await ingest.close();
            return { events: count };
          },
          async () => `${await store.headPosition()} store events`,
        );
      } finally {
        await store.close();
      }
    }
    case 'end-to-end': {
      // What `tickets serve` does in one process: the ingest decides (routing and rules) and appends
      // while the projector and the command relay follow the store; timed until the last event is
      // stored, projected and its commands published (to a sink that only counts them).
      let published = 0;
      const sink: CommandSink = {
        publish: async (commands) => void (published += commands.length),
        close: async () => undefined,
      };
      const runtime = await openRuntime({
        store: storeUrl('end_to_end'),
        rules: DEFAULT_RULES,
        policy: DEFAULT_REOPEN_POLICY,
        sink,
        logger: silent,
        pii: { encryption: false },
      });
      try {
        return await timed(
          phase,
          async () => {
            const stop = new AbortController();
            const followers = [runtime.projector.run(stop.signal), runtime.relay.run(stop.signal)];
            // Streamed in batches of 500, a few requests in flight, as the ingest phase does.
            const count = await submitStreamed(runtime.ingest, readEvents(file));
            // Caught up: no ticket event past either follower's checkpoint.
            for (;;) {
              const behind = await runtime.projectorLag();
              const relayBehind = (
                await runtime.store.readAll({
                  after: await runtime.checkpoints.load('command-relay'),
                  streamPrefixes: ['ticket-'],
                  maxCount: 1,
                })
              ).length;
              if (behind === 0 && relayBehind === 0) break;
              await delay(20);
            }
            stop.abort();
            await Promise.all(followers);
            return { events: count };
          },
          async () => `${published} commands published, ${(await runtime.readModel.all()).length} tickets projected`,
        );
      } finally {
        await runtime.close();
      }
    }
    case 'rebuild': {
      const store = await openEvents(storeUrl('pipeline'));
      const readModel = await openTicketReadModel(parseStoreUrl(storeUrl('pipeline')));
      try {
        return await timed(
          phase,
          async () => ({ events: await createProjector({ store, readModel, logger: silent }).rebuild() }),
          async () => `${(await readModel.all()).length} tickets`,
        );
      } finally {
        await readModel.close();
        await store.close();
      }
    }
    case 'simulate': {
      // The verb itself, on the file: its own throw-away store, the ingest in batches, projected, relayed.
      return timed(phase, async () => {
        const output = await simulate({ events: file }, silent);
        return { events: output.stats.events, note: `${output.commands.length} commands` };
      });
    }
  }
}

/** The phases' store URLs: files in a directory, or one PostgreSQL schema per phase store. */
const storeUrls = (base: string): StoreUrl =>
  base.startsWith('sqlite:')
    ? (name) => `${base}/${name}.db`
    : (name) => `${base.replace(/\?.*$/, '')}?schema=${new URL(base).searchParams.get('prefix') ?? 'bench_'}${name}`;

async function dropSchemas(prefix: string): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ nspname: string }>(
      'SELECT nspname FROM pg_namespace WHERE starts_with(nspname, $1)',
      [prefix],
    );
    for (const { nspname } of rows) await client.query(`DROP SCHEMA "${nspname}" CASCADE`);
  } finally {
    await client.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      store: { type: 'string' },
      file: { type: 'string' },
      events: { type: 'string', default: '100000' },
      customers: { type: 'string', default: '10000' },
      'simulate-events': { type: 'string' },
      'node-flags': { type: 'string', default: DEFAULT_NODE_FLAGS },
      // Which stores to measure, side by side.
      stores: { type: 'string', default: 'sqlite,postgres' },
    },
  });
  const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
  const customers = Number(values.customers);
  if (values.phase !== undefined) {
    const result = await runPhase(values.phase as Phase, storeUrls(values.store!), values.file!, customers);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const count = Number(values.events);
  const dir = mkdtempSync(join(tmpdir(), 'tickets-bench-'));
  try {
    const file = join(dir, 'events.ndjson');
    const events = syntheticEvents(count, customers);
    writeFileSync(file, `${events.map((e) => JSON.stringify(e)).join('\n')}\n`);
    const simulateCount = Number(values['simulate-events'] ?? count);
    const simulateFile = join(dir, 'simulate.ndjson');
    writeFileSync(
      simulateFile,
      `${events
        .slice(0, simulateCount)
        .map((e) => JSON.stringify(e))
        .join('\n')}\n`,
    );
    const self = fileURLToPath(import.meta.url);
    process.stdout.write(
      `${count} synthetic inbound events over ${customers} customers, node ${process.versions.node} ${nodeFlags.join(' ')}\n`,
    );
    for (const kind of values.stores.split(',')) {
      const prefix = `bench_${process.pid}_`;
      const base = kind === 'postgres' ? `${POSTGRES_URL}?prefix=${prefix}` : `sqlite:${dir}`;
      const results: PhaseResult[] = [];
      // simulate always runs on a throw-away SQLite store, whatever --store says: measured once, with SQLite.
      for (const phase of kind === 'postgres' ? PHASES.filter((p) => p !== 'simulate') : PHASES) {
        const input = phase === 'simulate' ? simulateFile : file;
        const out = execFileSync(
          process.execPath,
          [...nodeFlags, self, '--phase', phase, '--store', base, '--file', input, '--customers', String(customers)],
          {
            encoding: 'utf8',
            maxBuffer: 16 * 1024 * 1024,
          },
        );
        results.push(JSON.parse(out.trim().split('\n').at(-1)!) as PhaseResult);
      }
      if (kind === 'postgres') await dropSchemas(prefix);
      report(kind, results);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(kind: string, results: PhaseResult[]): void {
  const by = (phase: string) => results.find((r) => r.phase === phase)!;
  const raw = by('raw-append');
  const ingestShare = (by('ingest').perSecond / raw.perSecond) * 100;
  const endToEndShare = (by('end-to-end').perSecond / raw.perSecond) * 100;
  const endToEndTarget = kind === 'postgres' ? 20 : 30;
  const lines = [
    '',
    `Pipeline on ${kind === 'postgres' ? 'PostgreSQL' : 'SQLite'}`,
    '',
    '| phase | events | seconds | events/s | peak RSS MB | note |',
    '|---|---:|---:|---:|---:|---|',
    ...results.map(
      (r) => `| ${r.phase} | ${r.events} | ${r.seconds} | ${r.perSecond} | ${r.peakRssMb} | ${r.note ?? ''} |`,
    ),
    '',
    'targets:',
    `  ingest ≥ 50% of raw append:  ${ingestShare.toFixed(1)}%  ${ingestShare >= 50 ? 'met' : 'NOT met'}`,
    `  end to end ≥ ${endToEndTarget}% of raw append: ${endToEndShare.toFixed(1)}%  ${endToEndShare >= endToEndTarget ? 'met' : 'NOT met'}`,
    ...(kind === 'postgres'
      ? []
      : [
          `  simulate ≥ 15,000 events/s:  ${by('simulate').perSecond}  ${by('simulate').perSecond >= 15_000 ? 'met' : 'NOT met'}`,
        ]),
    kind === 'postgres'
      ? `  rebuild ≥ 100k events/s:     ${by('rebuild').perSecond}  ${by('rebuild').perSecond >= 100_000 ? 'met' : 'NOT met'}`
      : `  rebuild ≥ 200k events/s:     ${by('rebuild').perSecond}  ${by('rebuild').perSecond >= 200_000 ? 'met' : 'NOT met'}`,
    `  peak RSS < 300 MB:           ${Math.max(...results.map((r) => r.peakRssMb))} MB  ${results.every((r) => r.peakRssMb < 300) ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
