// `npm run bench`: the embedded pipeline against the raw SQLite append rate, measured in the same run.
// Each phase runs in a fresh child process so that its peak RSS is its own.
import { execFileSync } from 'node:child_process';
import { createReadStream, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import type { NewEvent, StreamAppend } from '@tickets/event-store';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createIngest } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { createProjector, createSqliteTicketReadModel } from '@tickets/projector';
import { createMemorySink } from '@tickets/rule-reactor';
import { feedEvents } from '../feed-events.js';
import { openRuntime } from '../runtime.js';
import { syntheticEvents } from './synthetic-events.js';

interface PhaseResult {
  readonly phase: string;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly peakRssMb: number;
  readonly note?: string;
}

const PHASES = ['raw-append', 'ingest', 'rebuild', 'simulate'] as const;
// Node 24 sizes the young generation from the machine's memory (up to 3 × 64 MiB semi-spaces here):
// garbage, not live data, then decides the peak RSS. The services are meant to run with this flag
// (README: NODE_OPTIONS); `--node-flags ""` measures Node's defaults.
const DEFAULT_NODE_FLAGS = '--max-semi-space-size=16';
let NODE_FLAGS: string[] = DEFAULT_NODE_FLAGS.split(' ');
type Phase = (typeof PHASES)[number];
const silent = createLogger({ level: 'silent' });

/** Times `run`; `describe` (not timed) adds a note about what was produced. */
async function timed(phase: string, run: () => Promise<{ events: number }>, describe?: () => Promise<string>): Promise<PhaseResult> {
  const started = performance.now();
  const { events } = await run();
  const seconds = (performance.now() - started) / 1000;
  const note = await describe?.();
  return {
    phase,
    events,
    seconds: Number(seconds.toFixed(2)),
    perSecond: Math.round(events / seconds),
    peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    ...(note === undefined ? {} : { note }),
  };
}

/** The input, streamed: the phases' peak RSS is the pipeline's, not the size of the input file. */
async function* readEvents(file: string): AsyncGenerator<unknown> {
  for await (const line of createInterface({ input: createReadStream(file, { encoding: 'utf8' }) })) {
    if (line !== '') yield JSON.parse(line) as unknown;
  }
}

async function runPhase(phase: Phase, dir: string, file: string, streams: number): Promise<PhaseResult> {
  switch (phase) {
    case 'raw-append':
      // The ceiling: pre-built ~300-byte events, 100 single-event appends per transaction, round-robin
      // over the streams, exact expected versions.
      return timed(phase, async () => {
        const store = createSqliteEventStore({ path: join(dir, 'raw.db') });
        const versions = new Array<number>(streams).fill(-1);
        let appends: StreamAppend[] = [];
        let count = 0;
        for await (const input of readEvents(file)) {
          const s = count % streams;
          const event: NewEvent = { id: `e-${count}`, type: 'MessageReceived', data: input as NewEvent['data'] };
          appends.push({ stream: `ticket-${s}`, expectedVersion: versions[s] === -1 ? 'no_stream' : versions[s]!, events: [event] });
          versions[s] = versions[s]! + 1;
          count++;
          if (appends.length === 100) {
            await store.appendMany(appends);
            appends = [];
          }
        }
        if (appends.length > 0) await store.appendMany(appends);
        await store.close();
        return { events: count };
      });
    case 'ingest':
      // Validate → deduplicate → decide → append, group-committed, acknowledged after the commit.
      return timed(phase, async () => {
        const store = createSqliteEventStore({ path: join(dir, 'pipeline.db') });
        const ingest = createIngest({ store, policy: DEFAULT_REOPEN_POLICY, logger: silent });
        const closeStore = () => store.close();
        // Like many HTTP clients posting batches of 500: a few requests in flight at any time.
        const inFlight = new Set<Promise<unknown>>();
        let chunk: unknown[] = [];
        let count = 0;
        const send = async (): Promise<void> => {
          const submit = ingest.submit(chunk, 'bench');
          chunk = [];
          inFlight.add(submit);
          void submit.finally(() => inFlight.delete(submit));
          if (inFlight.size >= 4) await Promise.race(inFlight);
        };
        for await (const input of readEvents(file)) {
          chunk.push(input);
          count++;
          if (chunk.length === 500) await send();
        }
        if (chunk.length > 0) await send();
        await Promise.all(inFlight);
        await ingest.close();
        await closeStore();
        return { events: count };
      }, async () => {
        const store = createSqliteEventStore({ path: join(dir, 'pipeline.db') });
        const stored = await store.headPosition();
        await store.close();
        return `${stored} store events`;
      });
    case 'rebuild':
      const path = join(dir, 'pipeline.db');
      const store = createSqliteEventStore({ path });
      const readModel = createSqliteTicketReadModel({ path });
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
    case 'simulate': {
      // The whole pipeline, settled after every event: what `tickets simulate` does.
      const sink = createMemorySink();
      return timed(phase, async () => {
        const runtime = await openRuntime({
          store: `sqlite:${join(dir, 'simulate.db')}`,
          rules: DEFAULT_RULES,
          policy: DEFAULT_REOPEN_POLICY,
          sink,
          logger: silent,
        });
        const summary = await feedEvents(runtime, file, 'bench');
        await runtime.relay.catchUp();
        await runtime.close();
        return { events: summary.events };
      }, async () => `${sink.commands.length} commands`);
    }
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      dir: { type: 'string' },
      file: { type: 'string' },
      events: { type: 'string', default: '100000' },
      customers: { type: 'string', default: '10000' },
      'simulate-events': { type: 'string' },
      'node-flags': { type: 'string', default: DEFAULT_NODE_FLAGS },
    },
  });
  NODE_FLAGS = values['node-flags'].split(' ').filter((flag) => flag !== '');
  const customers = Number(values.customers);
  if (values.phase !== undefined) {
    const result = await runPhase(values.phase as Phase, values.dir!, values.file!, customers);
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
    writeFileSync(simulateFile, `${events.slice(0, simulateCount).map((e) => JSON.stringify(e)).join('\n')}\n`);
    const self = fileURLToPath(import.meta.url);
    const results: PhaseResult[] = [];
    for (const phase of PHASES) {
      const input = phase === 'simulate' ? simulateFile : file;
      const out = execFileSync(process.execPath, [...NODE_FLAGS, self, '--phase', phase, '--dir', dir, '--file', input, '--customers', String(customers)], {
        encoding: 'utf8',
        maxBuffer: 16 * 1024 * 1024,
      });
      results.push(JSON.parse(out.trim().split('\n').at(-1)!) as PhaseResult);
    }
    report(results, count, customers);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(results: PhaseResult[], count: number, customers: number): void {
  const by = (phase: string) => results.find((r) => r.phase === phase)!;
  const raw = by('raw-append');
  const lines = [
    `Embedded pipeline (SQLite), ${count} synthetic inbound events over ${customers} customers, node ${process.versions.node} ${NODE_FLAGS.join(' ')}`,
    '',
    '| phase | events | seconds | events/s | peak RSS MB | note |',
    '|---|---:|---:|---:|---:|---|',
    ...results.map((r) => `| ${r.phase} | ${r.events} | ${r.seconds} | ${r.perSecond} | ${r.peakRssMb} | ${r.note ?? ''} |`),
    '',
    'targets:',
    `  (b) ingest ≥ 50% of raw append:  ${((by('ingest').perSecond / raw.perSecond) * 100).toFixed(1)}%  ${by('ingest').perSecond >= raw.perSecond / 2 ? 'met' : 'NOT met'}`,
    `  (c) rebuild ≥ 200k events/s:     ${by('rebuild').perSecond}  ${by('rebuild').perSecond >= 200_000 ? 'met' : 'NOT met'}`,
    `  peak RSS < 300 MB:               ${Math.max(...results.map((r) => r.peakRssMb))} MB  ${results.every((r) => r.peakRssMb < 300) ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
