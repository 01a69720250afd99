// `tickets replay --ticket` of one long ticket (issue 16, item 4: 10k events in < 1 s), timed as a
// user runs it: the whole command in a child process, start-up included, its JSON (`--json`) and its
// text (the default) each written to a file.
// The store is made once by the CLI itself (`tickets import` of N SMS from one customer: a ticket of
// 2N + 2 events, personal data encrypted as by default). Beside it, in the same run, the baseline:
// reading the same stream (250 events at a time, as the replay does) in a child of its own, rows
// only and opened by the PII codec, and `tickets --help` (start-up alone).
//   node benchmarks/dist/replay-bench.js [--events 5000] [--rounds 3] [--dir DIR to keep / reuse]
//     [--cli services/tickets/bin/tickets.mjs --cli OTHER/tickets.mjs]   (several: alternated, outputs compared)
// Each child's CPU time (user + sys, all threads) and peak RSS come from rusage-on-exit.js.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openStore, parseStoreUrl, type EventStore } from '@tickets/event-store';
import { readConfig } from '@tickets/platform/config';
import { openDomainStore } from '@tickets/streams/timeline';

const TARGET_SECONDS = 1;
/** Events per read, as walkTicketTimeline reads them. */
const READ_PAGE = 250;
const here = fileURLToPath(new URL('.', import.meta.url));
const defaultCli = resolve(here, '../../services/tickets/bin/tickets.mjs');
const rusageHook = join(here, 'rusage-on-exit.js');

/** N SMS from one customer a minute apart: one open ticket of a MessageReceived and a RulesEvaluated per SMS. */
function smsFile(count: number): string {
  const lines: string[] = [];
  let time = Date.parse('2026-01-01T00:00:00Z');
  for (let i = 0; i < count; i++) {
    time += 60_000;
    lines.push(
      JSON.stringify({
        specversion: '1.0',
        id: `sms-${i}`,
        source: 'https://bench.example/sms',
        type: 'message.received',
        time: new Date(time).toISOString(),
        subject: 'cus_big',
        data: {
          channel: 'sms',
          integration: 'twilio',
          customer: { id: 'cus_big', name: 'Big Talker', phone: '+33610000000' },
          message: { id: `m-${i}`, body: `message number ${i}, where is my parcel?` },
        },
      }),
    );
  }
  return `${lines.join('\n')}\n`;
}

interface Usage {
  readonly userSeconds: number;
  readonly systemSeconds: number;
  readonly peakRssKb: number;
}
interface Run extends Usage {
  readonly name: string;
  readonly wallSeconds: number;
}

/** Runs `node [--import hook] args` with stdout to `out` (or nowhere) and returns its wall and CPU time. */
function timedChild(name: string, args: readonly string[], dir: string, out?: string): Run {
  const usageFile = join(dir, 'rusage.jsonl');
  rmSync(usageFile, { force: true });
  const stdout = out === undefined ? 'ignore' : openSync(out, 'w');
  const started = performance.now();
  const child = spawnSync(process.execPath, ['--import', rusageHook, ...args], {
    stdio: ['ignore', stdout, 'pipe'],
    env: { ...process.env, TICKETS_BENCH_RUSAGE: usageFile },
    maxBuffer: 64 << 20,
  });
  const wallSeconds = (performance.now() - started) / 1000;
  if (typeof stdout === 'number') closeSync(stdout);
  if (child.status !== 0) throw new Error(`${name} failed (${child.status}): ${child.stderr.toString()}`);
  const usage = JSON.parse(readFileSync(usageFile, 'utf8')) as Usage;
  return { name, wallSeconds, ...usage };
}

/** The ticket of the store (it holds one): the first event on a ticket stream names it. */
async function onlyTicket(path: string): Promise<string> {
  const { store, checkpoints } = await openStore(parseStoreUrl(`sqlite:${path}`));
  try {
    const [first] = await store.readAll({ streamPrefixes: ['ticket-'], maxCount: 1 });
    if (first === undefined) throw new Error(`no ticket in ${path}`);
    return first.stream.slice('ticket-'.length);
  } finally {
    await checkpoints.close();
    await store.close();
  }
}

/** The baseline's work: every event of the ticket's stream read, a page at a time, nothing done with it. */
async function readAllPages(store: EventStore, stream: string): Promise<number> {
  let read = 0;
  for (let from = 0; ;) {
    const page = await store.readStream(stream, { fromVersion: from, maxCount: READ_PAGE });
    read += page.length;
    if (page.length < READ_PAGE) return read;
    from = page[page.length - 1]!.version + 1;
  }
}

/** `--phase rows|open`: the baseline child. rows: the adapter alone; open: through the PII codec, as replay reads. */
async function readPhase(phase: string, path: string, ticket: string): Promise<void> {
  const location = parseStoreUrl(`sqlite:${path}`);
  const opened =
    phase === 'rows' ? await openStore(location) : await openDomainStore(location, readConfig(process.env).pii);
  try {
    const read = await readAllPages(opened.store, `ticket-${ticket}`);
    process.stderr.write(`${phase}: ${read} events\n`);
  } finally {
    await opened.checkpoints.close();
    await opened.store.close();
  }
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};
const cpu = (run: Usage): number => run.userSeconds + run.systemSeconds;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '3' },
      dir: { type: 'string' },
      cli: { type: 'string', multiple: true },
      phase: { type: 'string' },
      store: { type: 'string' },
      ticket: { type: 'string' },
    },
  });
  if (values.phase !== undefined) return readPhase(values.phase, values.store!, values.ticket!);

  const sms = Number(values.events);
  const rounds = Number(values.rounds);
  const clis = (values.cli ?? [defaultCli]).map((cli) => resolve(cli));
  const dir = values.dir ?? mkdtempSync(join(tmpdir(), 'replay-bench-'));
  mkdirSync(dir, { recursive: true });
  const store = join(dir, `sms-${sms}.db`);
  // Encryption on, as by default, whatever the caller's environment says.
  process.env['TICKETS_PII_ENCRYPTION'] = 'on';
  try {
    if (!existsSync(store)) {
      const input = join(dir, `sms-${sms}.ndjson`);
      writeFileSync(input, smsFile(sms));
      const made = timedChild('import', [clis[0]!, 'import', '--events', input, '--store', `sqlite:${store}`], dir);
      console.log(`store ${store}: ${sms} SMS imported in ${made.wallSeconds.toFixed(1)} s`);
    }
    const ticket = await onlyTicket(store);
    const self = fileURLToPath(import.meta.url);
    const runs: Run[] = [];
    /** The first replay's JSON: every other replay, of any CLI given, must print the same bytes. */
    let reference: string | undefined;
    /** Likewise the first replay's text (the default output, a terminal's). */
    let textReference: string | undefined;
    for (let round = 0; round < rounds; round++) {
      console.log(
        `round ${round + 1}, load ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')}`,
      );
      for (const phase of ['rows', 'open'])
        runs.push(timedChild(`read ${phase}`, [self, '--phase', phase, '--store', store, '--ticket', ticket], dir));
      for (const [i, cli] of clis.entries()) {
        const out = join(dir, `replay-${i}.json`);
        runs.push(
          timedChild(
            `replay ${i}`,
            [cli, 'replay', '--ticket', ticket, '--store', `sqlite:${store}`, '--json'],
            dir,
            out,
          ),
        );
        const textOut = join(dir, `replay-text-${i}.txt`);
        runs.push(
          timedChild(
            `replay text ${i}`,
            [cli, 'replay', '--ticket', ticket, '--store', `sqlite:${store}`],
            dir,
            textOut,
          ),
        );
        runs.push(timedChild(`help ${i}`, [cli, '--help'], dir));
        const text = readFileSync(out, 'latin1');
        if (reference !== undefined && text !== reference)
          throw new Error(`replay ${i} (${cli}) differs from replay 0`);
        reference ??= text;
        const shown = readFileSync(textOut, 'latin1');
        if (textReference !== undefined && shown !== textReference)
          throw new Error(`replay text ${i} (${cli}) differs from replay text 0`);
        textReference ??= shown;
      }
    }
    const events = (JSON.parse(reference!) as { entries: unknown[] }).entries.length;
    const baseline = median(runs.filter((run) => run.name === 'read open').map(cpu));
    console.log(`\nticket ${ticket}: ${events} events, ${reference!.length} bytes of JSON; medians of ${rounds}:`);
    console.log('| | CPU user + sys s | wall s | peak RSS MB | CPU / read open |');
    console.log('|---|---:|---:|---:|---:|');
    for (const name of [...new Set(runs.map((run) => run.name))]) {
      const mine = runs.filter((run) => run.name === name);
      const label =
        /^(replay|replay text|help) \d+$/.test(name) && clis.length > 1
          ? `${name} (${clis[Number(name.split(' ').at(-1))]})`
          : name;
      console.log(
        `| ${label} | ${median(mine.map(cpu)).toFixed(2)} | ${median(mine.map((run) => run.wallSeconds)).toFixed(2)} | ${Math.round(median(mine.map((run) => run.peakRssKb)) / 1024)} | ${(median(mine.map(cpu)) / baseline).toFixed(2)} |`,
      );
    }
    for (const [i, cli] of clis.entries())
      for (const mode of ['replay', 'replay text']) {
        const seconds = median(runs.filter((run) => run.name === `${mode} ${i}`).map(cpu));
        // The target is issue 16's: a ticket of 10k events.
        const verdict =
          events < 10_000
            ? 'no target below 10k events'
            : `target < ${TARGET_SECONDS} s ${seconds < TARGET_SECONDS ? 'met' : 'NOT met'}`;
        console.log(`${mode} ${i} (${cli}): ${seconds.toFixed(2)} s of CPU, ${verdict}`);
      }
    console.log(JSON.stringify({ ticket, events, runs }));
  } finally {
    if (values.dir === undefined) rmSync(dir, { recursive: true, force: true });
  }
}

await main();
