// The audit verbs at scale: N synthetic inbound events are loaded into a SQLite store the fast way
// (the ingest decides routing and rules with group commit, then the projector catches up), then `what-if`
// (with a changed policy) and `verify` run over them exactly as the CLI runs them. Each phase runs in
// a fresh child process, so that its peak RSS is its own.
//   node benchmarks/dist/audit-bench.js [--events 1000000] [--store PATH or postgres://…?schema=… to keep / reuse]
//     [--phases load,what-if,what-if-all,verify,verify-floor] [--sealed [--sealed-store PATH or URL]] [--rounds N]
// `verify-floor` (SQLite) is verify's baseline in the same run: one thread reading every row of the
// store in position order, parsing its metadata and data and hashing it as the chain does — work that
// any verify does at least, before deciding anything again.
// With --sealed, a second store is written with personal data sealed (the production default) and each
// phase runs on both, alternated for --rounds rounds, beside each other: the figure is sealed / clear.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { DatabaseSync } from 'node:sqlite';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, DEFAULT_RULES_SOURCE } from '@tickets/domain';
import { eventHash } from '@tickets/event-store';
import { createLogger, readConfig } from '@tickets/platform';
import { createSink } from '@tickets/rule-reactor';
import { runVerify } from '@tickets/cli';
import { runWhatIf, WHAT_IF_HEAP_FLAG } from '@tickets/cli';
import { openRuntime } from '@tickets/cli';
import { submitInBatches, timed, type PhaseResult } from './bench-phase.js';
import { syntheticEvents } from '@tickets/testing';

// The main store is written without personal-data encryption unless TICKETS_PII_ENCRYPTION says
// otherwise (each phase's child process is told which, for the store it runs on); --sealed adds one
// with it on. The configuration is read once, here, as a program's main does.
process.env['TICKETS_PII_ENCRYPTION'] ??= 'off';
const { pii } = readConfig(process.env);

const PHASES = ['load', 'what-if', 'what-if-all', 'verify', 'verify-floor'] as const;
type Phase = (typeof PHASES)[number];
/** Issue 16's targets at 1M inbound events: seconds (SQLite; PostgreSQL 20), peak RSS, sealed against clear. */
const TARGET_SECONDS = { sqlite: 10, postgres: 20 } as const;
const TARGET_RSS_MB = 500;
const TARGET_SEALED_RATIO = 1.5;

/** A store a phase runs on: where it is, whether its personal data is sealed, whether it is reused. */
interface BenchStore {
  readonly label: 'clear' | 'sealed';
  readonly path: string;
  readonly reuse: boolean;
}

/** A phase's result, with the store it ran on and its round. */
type RoundResult = PhaseResult & { readonly store: BenchStore['label']; readonly round: number };

const isUrl = (store: string | undefined): boolean => store?.includes('://') === true;
/** `--store`: a SQLite file, or a store URL (`postgres://…?schema=…`: the issue's PostgreSQL figures). */
const storeUrl = (store: string): string => (isUrl(store) ? store : `sqlite:${store}`);
const silent = createLogger({ level: 'silent' });

/** Group commit as HTTP clients posting batches of 500 would get it, a few requests in flight; then the followers catch up. */
async function load(path: string, count: number, customers: number): Promise<{ events: number; note: string }> {
  const runtime = await openRuntime({
    store: storeUrl(path),
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createSink('none'),
    logger: silent,
    pii,
  });
  try {
    await submitInBatches(runtime.ingest, syntheticEvents(count, customers));
    await runtime.settle();
    return {
      events: count,
      note: `${await runtime.store.headPosition()} store events, ${(await runtime.readModel.all()).length} tickets`,
    };
  } finally {
    await runtime.close();
  }
}

async function runPhase(
  phase: Phase,
  dir: string,
  path: string,
  count: number,
  customers: number,
): Promise<PhaseResult> {
  switch (phase) {
    case 'load':
      return timed(phase, () => load(path, count, customers));
    case 'what-if':
    case 'what-if-all': {
      // A changed policy: Postscript 48 h instead of 24 h, 3 days by default instead of 7. `what-if`
      // decides again only the customers the change can reach; `what-if-all` (--redecide-all) every
      // customer, as a what-if with changed rules must: the same report, the cost of the whole history.
      const rules = join(dir, 'rules.json');
      const policy = join(dir, 'policy.json');
      writeFileSync(rules, JSON.stringify(DEFAULT_RULES_SOURCE));
      writeFileSync(
        policy,
        JSON.stringify({ ...DEFAULT_REOPEN_POLICY, default: '3d', integrations: { postscript: '48h' } }),
      );
      return timed(phase, async () => {
        const report = await runWhatIf({
          rules,
          policy,
          store: storeUrl(path),
          pii,
          redecideAll: phase === 'what-if-all',
        });
        const { summary, reach } = report;
        return {
          events: summary.replayed,
          note: `${summary.decisionsChanged} decisions changed, commands +${summary.commandsAdded} −${summary.commandsRemoved} ~${summary.commandsChanged}; decided again: ${reach.redecided} events${reach.customers === null ? '' : ` of ${reach.customers} customers`}`,
        };
      });
    }
    case 'verify':
      return timed(phase, async () => {
        const report = await runVerify({ store: storeUrl(path), pii });
        return {
          events: report.events,
          note: `${report.ok ? 'ok' : 'MISMATCH'}: ${report.readModel.tickets} tickets, ${report.decisions.rulesEvaluated} rule decisions, ${report.decisions.inboundRecords} inbound records`,
        };
      });
    case 'verify-floor':
      return timed(phase, async () => readParseAndHash(path));
  }
}

/**
 * Verify's floor: every row read in position order, its metadata and data parsed, its chain hash
 * computed over the same bytes (the stored hash standing for the previous one: the cost, not the
 * check). One thread, nothing decided, nothing compared or kept.
 */
async function readParseAndHash(path: string): Promise<{ events: number; note: string }> {
  const database = new DatabaseSync(path, { readOnly: true });
  try {
    const page = database.prepare(
      'SELECT position, stream, version, id, type, metadata, data, hash FROM events WHERE position > ? ORDER BY position LIMIT 5000',
    );
    page.setReturnArrays(true);
    type Row = [number, string, number, string, string, string, string, string | null];
    let after = 0;
    let rows = 0;
    let bytes = 0;
    for (;;) {
      const read = page.all(after) as unknown as Row[];
      if (read.length === 0) break;
      for (const [, stream, version, id, type, metadata, data, hash] of read) {
        JSON.parse(metadata);
        JSON.parse(data);
        eventHash(hash, { stream, version, id, type, metadata, data });
        bytes += metadata.length + data.length;
      }
      rows += read.length;
      after = read[read.length - 1]![0];
    }
    return { events: rows, note: `${rows} rows, ${Math.round(bytes / 1e6)} MB of JSON read, parsed and hashed` };
  } finally {
    database.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      phase: { type: 'string' },
      phases: { type: 'string' },
      dir: { type: 'string' },
      store: { type: 'string' },
      sealed: { type: 'boolean', default: false },
      'sealed-store': { type: 'string' },
      rounds: { type: 'string', default: '1' },
      events: { type: 'string', default: '1000000' },
      customers: { type: 'string' },
    },
  });
  const count = Number(values.events);
  const customers = Number(values.customers ?? Math.max(10, Math.round(count / 10)));
  if (values.phase !== undefined) {
    const result = await runPhase(values.phase as Phase, values.dir!, values.store!, count, customers);
    process.stdout.write(`${JSON.stringify(result)}\n`);
    return;
  }
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a whole number ≥ 1, not ${values.rounds}`);
  const sealed = values.sealed || values['sealed-store'] !== undefined;
  if (sealed && pii.encryption)
    throw new Error('--sealed compares a sealed store with a clear one: leave TICKETS_PII_ENCRYPTION unset (or off)');
  // Both SQLite files (a missing one is made in a temporary directory), or both PostgreSQL URLs.
  if (sealed && isUrl(values.store) !== isUrl(values['sealed-store']))
    throw new Error('--store and --sealed-store must be of one kind: both SQLite files, or both PostgreSQL URLs');
  const chosen = values.phases?.split(',') ?? PHASES;
  const dir = mkdtempSync(join(tmpdir(), 'tickets-audit-bench-'));
  // A URL is reused when the load phase is not asked for (a database cannot be looked at like a file).
  const reused = (store: string | undefined): boolean =>
    store !== undefined && (isUrl(store) ? !chosen.includes('load') : existsSync(store));
  const stores: BenchStore[] = [
    {
      label: pii.encryption ? 'sealed' : 'clear',
      path: values.store ?? join(dir, 'audit.db'),
      reuse: reused(values.store),
    },
    ...(sealed
      ? [
          {
            label: 'sealed' as const,
            path: values['sealed-store'] ?? join(dir, 'sealed.db'),
            reuse: reused(values['sealed-store']),
          },
        ]
      : []),
  ];
  try {
    const results: RoundResult[] = [];
    for (const phase of PHASES) {
      if (!chosen.includes(phase)) continue;
      // The floor reads the SQLite file itself: there is no such file behind a PostgreSQL URL.
      if (phase === 'verify-floor' && isUrl(stores[0]!.path)) continue;
      if (phase === 'load') {
        for (const store of stores)
          if (!store.reuse)
            results.push({ ...phaseIn(phase, store, dir, count, customers), store: store.label, round: 1 });
        continue;
      }
      // Alternated, so that neither store always runs on a warmer (or busier) machine.
      for (let round = 1; round <= rounds; round++)
        for (const store of round % 2 === 1 ? stores : [...stores].reverse())
          results.push({ ...phaseIn(phase, store, dir, count, customers), store: store.label, round });
    }
    report(results, count, customers, stores);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs one phase on `store` in a fresh child process (its peak RSS is the phase's own), told whether the store is sealed. */
function phaseIn(phase: Phase, store: BenchStore, dir: string, count: number, customers: number): PhaseResult {
  const out = execFileSync(
    process.execPath,
    [
      // What-if as `tickets what-if` runs it: with the young generation it re-executes itself with.
      ...(phase.startsWith('what-if') ? [WHAT_IF_HEAP_FLAG] : []),
      fileURLToPath(import.meta.url),
      '--phase',
      phase,
      '--dir',
      dir,
      '--store',
      store.path,
      '--events',
      String(count),
      '--customers',
      String(customers),
    ],
    {
      encoding: 'utf8',
      maxBuffer: 16 * 1024 * 1024,
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, TICKETS_PII_ENCRYPTION: store.label === 'sealed' ? 'on' : 'off' },
    },
  );
  return JSON.parse(out.trim().split('\n').at(-1)!) as PhaseResult;
}

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

function report(
  results: readonly RoundResult[],
  count: number,
  customers: number,
  stores: readonly BenchStore[],
): void {
  const kind = isUrl(stores[0]!.path) ? 'postgres' : 'sqlite';
  const targetSeconds = TARGET_SECONDS[kind];
  const of = (phase: Phase, store: BenchStore['label']) =>
    results.filter((r) => r.phase === phase && r.store === store);
  const atScale = count >= 1_000_000;
  const verdict = (met: boolean): string =>
    atScale ? (met ? 'met' : 'NOT met') : '(the target is for 1M events: run with --events 1000000)';
  const targets: string[] = [];
  for (const phase of PHASES.filter((p) => p !== 'load')) {
    const runs = results.filter((r) => r.phase === phase);
    if (runs.length === 0) {
      targets.push(`  ${phase}: not run`);
      continue;
    }
    if (phase === 'verify-floor') {
      // No target of its own: what verify could at best be on this machine, beside what it is.
      for (const { label } of stores) {
        const floor = median(of(phase, label).map((r) => r.cpuSeconds));
        const verify = of('verify', label);
        targets.push(
          `  verify's floor (${label}): ${floor.toFixed(2)} CPU s to read, parse and hash every row` +
            ` (≥ ${(floor / availableParallelism()).toFixed(2)} s on ${availableParallelism()} cores before deciding anything)` +
            (verify.length === 0 ? '' : `; verify took ${median(verify.map((r) => r.cpuSeconds)).toFixed(2)} CPU s`),
        );
      }
      continue;
    }
    for (const { label } of stores) {
      const seconds = Number(median(of(phase, label).map((r) => r.seconds)).toFixed(2));
      targets.push(
        `  ${phase} (${label}) < ${targetSeconds} s:  median ${seconds} s  ${verdict(seconds < targetSeconds)}`,
      );
    }
    if (phase !== 'what-if-all') {
      const rss = Math.max(...runs.map((r) => r.peakRssMb));
      targets.push(`  ${phase} peak RSS < ${TARGET_RSS_MB} MB:  highest ${rss} MB  ${verdict(rss < TARGET_RSS_MB)}`);
    }
    const clear = of(phase, 'clear');
    const sealed = of(phase, 'sealed');
    if (clear.length > 0 && sealed.length > 0) {
      // Each round's sealed run against the clear run beside it: the machine's state shared. By wall
      // time (the target), and by CPU time, which a busy machine disturbs less.
      const ratios = (of: (run: RoundResult) => number): number[] =>
        sealed.map((run) => of(run) / of(clear.find((c) => c.round === run.round)!));
      const listed = (values: readonly number[]): string =>
        `${values.map((r) => `${r.toFixed(2)}×`).join(', ')} (median ${median(values).toFixed(2)}×)`;
      const byTime = ratios((run) => run.seconds);
      targets.push(
        `  ${phase} sealed ≤ ${TARGET_SEALED_RATIO}× clear:  ${listed(byTime)}  ${verdict(median(byTime) <= TARGET_SEALED_RATIO)}; by CPU time ${listed(ratios((run) => run.cpuSeconds))}`,
      );
    }
  }
  const reused = stores.filter((s) => s.reuse).map((s) => `${s.label}: ${s.path}`);
  const lines = [
    `Audit (${kind === 'postgres' ? 'PostgreSQL' : 'SQLite'}), ${count} synthetic inbound events over ${customers} customers${reused.length > 0 ? ` (stores reused: ${reused.join(', ')})` : ''}, node ${process.versions.node}, ${availableParallelism()} cores, load average ${loadavg()[0]!.toFixed(1)} at the end`,
    '',
    '| phase | store | round | events | seconds | CPU s | events/s | peak RSS MB | note |',
    '|---|---|---:|---:|---:|---:|---:|---:|---|',
    ...results.map(
      (r) =>
        `| ${r.phase} | ${r.store} | ${r.round} | ${r.events} | ${r.seconds} | ${r.cpuSeconds} | ${r.perSecond} | ${r.peakRssMb} | ${r.note} |`,
    ),
    '',
    'events: inbound events for load and what-if, store events read for verify and its floor',
    `targets (1M inbound events; with several rounds, the median):`,
    ...targets,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
