// `node benchmarks/dist/bounce.js --events 20000 --mode kill|term`: the bounce test (see
// bounce-run.ts). Prints the stops survived, the duplicates seen and the comparison with simulate;
// exits 1 when the pipeline differs from simulate or never went quiet. It starts no broker: it
// expects one at --brokers (default KAFKA_BROKERS, else 127.0.0.1:9092).
//
// Options: --events 20000  --customers 3000  --mode kill|term  --interval 3 (mean seconds between
// stops)  --rate 1000 (events/s produced, nothing waits for the pipeline; 0 = unthrottled)  --seed 42  --store sqlite|postgres
// --postgres-url URL  --partitions 6  --log-level warn (the services')  --timeout 900 (seconds)
// --keep (keep the run's directory: events, store, service logs)  --json
// --ingests 1  --followers 1 (instances of the ingest, and of the projector and the rule-reactor each;
// with several, each SIGKILL's recovery is timed: the ingest group's rebalance, a standby's takeover)
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { createLogger } from '@tickets/platform';
import { runBounce, type BounceReport } from './bounce-run.js';

const Options = z.object({
  events: z.coerce.number().int().positive(),
  customers: z.coerce.number().int().positive(),
  mode: z.enum(['kill', 'term']),
  interval: z.coerce.number().positive(),
  rate: z.coerce.number().min(0),
  seed: z.coerce.number().int(),
  store: z.enum(['sqlite', 'postgres']),
  'postgres-url': z.string().url(),
  brokers: z.string().min(1),
  partitions: z.coerce.number().int().positive(),
  'log-level': z.string(),
  timeout: z.coerce.number().positive(),
  keep: z.boolean(),
  ingests: z.coerce.number().int().positive(),
  followers: z.coerce.number().int().positive(),
  json: z.boolean(),
});

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '20000' },
    customers: { type: 'string', default: '3000' },
    mode: { type: 'string', default: 'kill' },
    interval: { type: 'string', default: '3' },
    rate: { type: 'string', default: '1000' },
    seed: { type: 'string', default: '42' },
    store: { type: 'string', default: 'sqlite' },
    'postgres-url': {
      type: 'string',
      default: process.env['TICKETS_TEST_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test',
    },
    brokers: { type: 'string', default: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:9092' },
    partitions: { type: 'string', default: '6' },
    'log-level': { type: 'string', default: 'warn' },
    timeout: { type: 'string', default: '900' },
    keep: { type: 'boolean', default: false },
    ingests: { type: 'string', default: '1' },
    followers: { type: 'string', default: '1' },
    json: { type: 'boolean', default: false },
  },
});
const parsed = Options.safeParse(values);
if (!parsed.success) {
  for (const issue of parsed.error.issues)
    process.stderr.write(`bounce: --${issue.path.join('.')}: ${issue.message}\n`);
  process.exit(2);
}
const options = parsed.data;

const report = await runBounce({
  events: options.events,
  customers: options.customers,
  mode: options.mode,
  intervalSeconds: options.interval,
  rate: options.rate,
  seed: options.seed,
  store: options.store,
  postgresUrl: options['postgres-url'],
  brokers: options.brokers,
  partitions: options.partitions,
  logLevel: options['log-level'],
  timeoutSeconds: options.timeout,
  keep: options.keep,
  replicas: { ingest: options.ingests, projector: options.followers, relay: options.followers },
  logger: createLogger({ level: 'warn', name: 'bounce', destination: process.stderr }),
  progress: (line) => void process.stderr.write(`bounce: ${line}\n`),
});
process.stdout.write(options.json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
process.exitCode = report.quiet && report.comparison.equal ? 0 : 1;

function describe(r: BounceReport): string {
  const c = r.comparison;
  const stops = Object.entries(r.stops)
    .map(([name, count]) => `${name} ${count}`)
    .join(', ');
  const unexpected = Object.entries(r.unexpectedExits).filter(([, count]) => count > 0);
  const lines = [
    `bounce (${r.options.mode === 'kill' ? 'SIGKILL' : 'SIGTERM'}): ${r.options.events} events, ${r.options.customers} customers, ${r.options.store} store, ` +
      `${r.options.partitions} partitions, ` +
      `instances ${Object.entries(r.options.replicas)
        .map(([name, count]) => `${name}×${count}`)
        .join(
          ' ',
        )}, a stop every ~${r.options.intervalSeconds} s, produced at ${r.options.rate === 0 ? 'full speed' : `${r.options.rate}/s`}, seed ${r.options.seed}`,
    `stops survived: ${r.stopsTotal} (${stops})${r.forcedStops > 0 ? `, ${r.forcedStops} SIGTERM not honoured in 30 s` : ''}`,
    `unexpected exits: ${unexpected.length === 0 ? 'none' : unexpected.map(([name, count]) => `${name} ${count}`).join(', ')}`,
    `quiet: ${r.quiet ? 'yes' : 'NO (timeout)'}; seconds: simulate ${r.seconds.simulate}, produce ${r.seconds.produce}, pipeline until quiet ${r.seconds.pipeline}, total ${r.seconds.total}`,
    `events: ${c.events.stored} stored of ${c.events.accepted} accepted by simulate (lost ${c.events.lost}); dead letters ${c.events.deadLetters}, simulate rejected ${c.events.rejected}`,
    `tickets: ${c.tickets.equal} of ${c.tickets.expected} equal to simulate; missing ${c.tickets.missing.length}, extra ${c.tickets.extra.length}, different ${c.tickets.different.length}`,
    `commands: ${c.commands.expected} expected, ${c.commands.received} records read; duplicates (same id, same content) ${c.commands.duplicates}; ` +
      `missing ${c.commands.missing.length}, extra ${c.commands.extra.length}, different ${c.commands.different.length}`,
    ...Object.entries(r.recoverySummary).map(
      ([what, s]) =>
        `recovery after SIGKILL, ${what}: ${s.count} timed, median ${s.median ?? '-'} s, max ${s.max ?? '-'} s${s.failed > 0 ? `, ${s.failed} NOT within 60 s` : ''}`,
    ),
    `comparison: ${c.equal ? 'EQUAL to simulate' : `DIFFERENT from simulate:\n  ${c.problems.join('\n  ')}`}`,
    ...(r.dir === null ? [] : [`run directory kept: ${r.dir}`]),
  ];
  return `${lines.join('\n')}\n`;
}
