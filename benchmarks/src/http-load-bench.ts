// `npm run bench` (HTTP load): `tickets serve` on a fresh SQLite store under autocannon for a bounded
// time — single events, then batches of 100 — beside the in-process ingest rate of the same events
// measured in the same run; then the store is checked: every acknowledged event is in it.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { openStore, parseStoreUrl } from '@tickets/event-store';
import { createIngest } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { httpLoad, uniqueEvent, type LoadResult } from './http-load.js';

/** The ingest alone in this process: batches of `batch` submitted by `concurrency` callers for `seconds`. */
async function inProcessRate(dir: string, seconds: number, batch: number, concurrency: number): Promise<number> {
  const { store, checkpoints } = await openStore(parseStoreUrl(`sqlite:${join(dir, 'in-process.db')}`));
  const ingest = createIngest({
    store,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    logger: createLogger({ level: 'silent' }),
  });
  let accepted = 0;
  const until = performance.now() + seconds * 1000;
  const caller = async () => {
    while (performance.now() < until) {
      const events = Array.from({ length: batch }, () => JSON.parse(uniqueEvent('in-process').json) as unknown);
      // Awaited first: `accepted += await …` would read `accepted` before the await and lose the other callers' counts.
      const results = await ingest.submit(events, 'bench');
      accepted += results.filter((r) => r.status === 'accepted').length;
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: concurrency }, caller));
  const elapsed = (performance.now() - started) / 1000;
  await ingest.close();
  await checkpoints.close();
  await store.close();
  return Math.round(accepted / elapsed);
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      seconds: { type: 'string', default: '10' },
      connections: { type: 'string', default: '16' },
      'node-flags': { type: 'string', default: '--max-semi-space-size=16' },
    },
  });
  const seconds = Number(values.seconds);
  const connections = Number(values.connections);
  const nodeFlags = values['node-flags'].split(' ').filter((flag) => flag !== '');
  const dir = mkdtempSync(join(tmpdir(), 'tickets-http-load-'));
  try {
    process.stdout.write(
      `\nHTTP load: tickets serve (SQLite, projector + command relay running), autocannon ${connections} connections, ${seconds} s per phase, node ${process.versions.node}\n`,
    );
    // In-process first, while nothing else of this run is using the CPU.
    const inProcess = await inProcessRate(dir, seconds, 100, 4);
    const { results, check } = await httpLoad(
      dir,
      [
        { name: 'single', batch: 1, seconds, connections },
        { name: 'batch-100', batch: 100, seconds, connections },
      ],
      nodeFlags,
    );
    // The same batches against the ingest service alone: what the followers of `serve` cost it.
    const alone = await httpLoad(
      dir,
      [{ name: 'batch-100, tickets ingest alone', batch: 100, seconds, connections }],
      nodeFlags,
      'ingest',
    );
    const batches = results.find((r) => r.batch === 100)!;
    const share = (batches.eventsPerSecond / inProcess) * 100;
    const row = (r: LoadResult) =>
      `| ${r.name} | ${r.requests} | ${r.acknowledged} | ${r.eventsPerSecond} | ${r.p50Ms} | ${r.p99Ms} | ${r.errors} |`;
    const lines = [
      '',
      '| phase | requests | events acknowledged | events/s | p50 ms | p99 ms | errors |',
      '|---|---:|---:|---:|---:|---:|---:|',
      ...results.map(row),
      ...alone.results.map(row),
      `| in-process ingest (batches of 100, 4 callers) | | | ${inProcess} | | | |`,
      '',
      `serve's store after stop: ${check.stored} inbound events; acknowledged ${check.acknowledged}; lost ${check.lost}; stored but unanswered (cut off at a phase's end) ${check.unanswered}`,
      `ingest's store after stop: ${alone.check.stored} inbound events; acknowledged ${alone.check.acknowledged}; lost ${alone.check.lost}; stored but unanswered ${alone.check.unanswered}`,
      '',
      'targets:',
      `  HTTP batches (serve) ≥ 50% of in-process ingest:  ${share.toFixed(1)}%  ${share >= 50 ? 'met' : 'NOT met'}`,
      `    (ingest alone: ${((alone.results[0]!.eventsPerSecond / inProcess) * 100).toFixed(1)}%)`,
      `  nothing acknowledged is lost:                     ${check.lost + alone.check.lost === 0 ? 'met' : `NOT met (${check.lost + alone.check.lost} lost)`}`,
      `  no errors:                                        ${[...results, ...alone.results].every((r) => r.errors === 0) ? 'met' : 'NOT met'}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
