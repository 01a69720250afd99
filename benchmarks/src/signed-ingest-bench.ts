// `npm run bench`: HTTP ingest with Standard Webhooks signatures and the per-integration rate limit
// on, and with personal data encrypted per customer (the PII codec), each beside the same run in
// development mode without encryption, in one run, on the same machine.
// Real HTTP over loopback, batches of 500 events, 4 requests in flight, each mode on a fresh SQLite
// store (or, with `--postgres URL`, a fresh schema of that PostgreSQL database, dropped after); the
// rounds alternate so that neither mode always runs on a warmer machine.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import {
  boundPort,
  createLogger,
  developmentSecurity,
  hashToken,
  signWebhook,
  verifyWebhookSignature,
  type SecurityConfig,
} from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { createHttpApp } from '@tickets/cli';
import { openRuntime } from '@tickets/cli';
import { syntheticEvents } from '@tickets/testing';

const SECRET = `whsec_${Buffer.alloc(32, 42).toString('base64')}`;
const BATCH = 500;
const IN_FLIGHT = 4;
const silent = createLogger({ level: 'silent' });

const secured: SecurityConfig = {
  ...developmentSecurity(),
  mode: 'secured',
  // The synthetic senders name two integrations and close tickets of both: one scope covers them all.
  integrations: [
    {
      name: 'bench',
      sources: ['https://bench.example/'],
      secrets: [SECRET],
      rateLimit: { perSecond: 1e9, burst: 1e9 },
      scope: { integrations: ['postscript', 'twilio'], tickets: ['*'] },
    },
  ],
  tokens: [{ role: 'read', sha256: hashToken('bench-token') }],
};

type Mode = 'plain' | 'signed' | 'encrypted' | 'secured';
const MODES: readonly Mode[] = ['plain', 'signed', 'encrypted', 'secured'];
const signs = (mode: Mode): boolean => mode === 'signed' || mode === 'secured';
const encrypts = (mode: Mode): boolean => mode === 'encrypted' || mode === 'secured';
const LABEL: Record<Mode, string> = {
  plain: 'plain (development mode, no encryption)',
  signed: 'signed (HMAC + ownership + rate limit)',
  encrypted: 'encrypted (personal data sealed per customer, AES-256-GCM)',
  secured: 'secured (signed + encrypted)',
};

interface Result {
  readonly mode: Mode;
  readonly events: number;
  readonly seconds: number;
  readonly perSecond: number;
  /** CPU time of this process per event (user + system): steadier than wall time on a shared machine. */
  readonly cpuMicrosPerEvent: number;
}

/** Where each measurement's fresh store goes: a directory of SQLite files, or PostgreSQL schemas. */
type Stores = { readonly kind: 'sqlite'; readonly dir: string } | { readonly kind: 'postgres'; readonly url: string };

const schemaOf = (mode: Mode, round: number): string => `bench_signed_${process.pid}_${mode}_${round}`;

function storeFor(stores: Stores, mode: Mode, round: number): string {
  if (stores.kind === 'sqlite') return `sqlite:${join(stores.dir, `${mode}-${round}.db`)}`;
  const url = new URL(stores.url);
  url.searchParams.set('schema', schemaOf(mode, round));
  return url.toString();
}

async function measure(
  mode: Result['mode'],
  batches: readonly string[],
  events: number,
  stores: Stores,
  round: number,
): Promise<Result> {
  const runtime = await openRuntime({
    store: storeFor(stores, mode, round),
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink: createMemorySink(),
    logger: silent,
    pii: { encryption: encrypts(mode) },
  });
  const app = createHttpApp({ runtime, logger: silent, security: signs(mode) ? secured : developmentSecurity() });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const url = `http://127.0.0.1:${boundPort(app, 0)}/v1/events`;
  let sequence = 0;
  const post = async (body: string): Promise<void> => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (signs(mode)) {
      // The sender's work is in the measurement too: client and server share this process.
      const id = `msg_${round}_${++sequence}`;
      const timestamp = Math.floor(Date.now() / 1000);
      Object.assign(headers, {
        'webhook-id': id,
        'webhook-timestamp': String(timestamp),
        'webhook-signature': signWebhook({ id, timestamp, body, secret: SECRET }),
      });
    }
    const response = await fetch(url, { method: 'POST', body, headers });
    if (response.status !== 202) throw new Error(`${mode}: HTTP ${response.status} ${await response.text()}`);
    await response.arrayBuffer();
  };
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    const inFlight = new Set<Promise<void>>();
    for (const body of batches) {
      const request = post(body);
      inFlight.add(request);
      void request.finally(() => inFlight.delete(request)).catch(() => undefined);
      if (inFlight.size >= IN_FLIGHT) await Promise.race(inFlight);
    }
    await Promise.all(inFlight);
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    return {
      mode,
      events,
      seconds: Number(seconds.toFixed(2)),
      perSecond: Math.round(events / seconds),
      cpuMicrosPerEvent: Number(((cpu.user + cpu.system) / events).toFixed(1)),
    };
  } finally {
    await app.close();
    await runtime.close();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      events: { type: 'string', default: '50000' },
      customers: { type: 'string', default: '5000' },
      rounds: { type: 'string', default: '3' },
      modes: { type: 'string', default: MODES.join(',') },
      postgres: { type: 'string' },
    },
  });
  const modes = values.modes.split(',').map((mode) => {
    if (!MODES.includes(mode as Mode))
      throw new Error(`--modes: unknown mode ${JSON.stringify(mode)}; modes: ${MODES.join(', ')}`);
    return mode as Mode;
  });
  const count = Number(values.events);
  const events = syntheticEvents(count, Number(values.customers));
  const batches: string[] = [];
  for (let i = 0; i < events.length; i += BATCH) batches.push(JSON.stringify(events.slice(i, i + BATCH)));
  const dir = mkdtempSync(join(tmpdir(), 'tickets-signed-bench-'));
  const stores: Stores =
    values.postgres === undefined ? { kind: 'sqlite', dir } : { kind: 'postgres', url: values.postgres };
  const results: Result[] = [];
  try {
    for (let round = 0; round < Number(values.rounds); round++) {
      // Rotated each round, so that no mode always runs first or last.
      const order = modes.map((_, i) => modes[(i + round) % modes.length]!);
      for (const mode of order) results.push(await measure(mode, batches, count, stores, round));
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    if (stores.kind === 'postgres') await dropSchemas(stores.url, modes, Number(values.rounds));
  }
  // The signature check alone, free of the machine's noise: what the secured path adds per request.
  const sample = Buffer.from(batches[0] ?? '[]');
  const signature = signWebhook({
    id: 'msg_x',
    timestamp: Math.floor(Date.now() / 1000),
    body: sample,
    secret: SECRET,
  });
  const checks = 500;
  const checkStarted = performance.now();
  for (let i = 0; i < checks; i++)
    verifyWebhookSignature(
      { id: 'msg_x', timestamp: String(Math.floor(Date.now() / 1000)), signature, body: sample },
      [SECRET],
      Date.now(),
      300,
    );
  const microsPerBatch = ((performance.now() - checkStarted) * 1000) / checks;
  const best = (mode: Result['mode']) => Math.max(...results.filter((r) => r.mode === mode).map((r) => r.perSecond));
  const ran = (mode: Mode): boolean => modes.includes(mode) && modes.includes('plain');
  const share = (mode: Mode): number => (best(mode) / best('plain')) * 100;
  const leastCpu = (mode: Mode) => Math.min(...results.filter((r) => r.mode === mode).map((r) => r.cpuMicrosPerEvent));
  // The rate the CPU time alone allows, relative to plain: the same comparison without other processes' noise.
  const cpuShare = (mode: Mode): number => (leastCpu('plain') / leastCpu(mode)) * 100;
  const target = (mode: Mode): string =>
    `${share(mode).toFixed(1)}%  ${share(mode) >= 85 ? 'met' : 'NOT met'}  (by CPU time per event: ${cpuShare(mode).toFixed(1)}%)`;
  const lines = [
    '',
    `HTTP ingest, signatures and encryption on vs off (${count} events, batches of ${BATCH}, ${IN_FLIGHT} in flight, ${stores.kind === 'sqlite' ? 'SQLite' : 'PostgreSQL'}, loopback; best of ${values.rounds} rounds each)`,
    '',
    '| mode | events | seconds | events/s | CPU µs/event |',
    '|---|---:|---:|---:|---:|',
    ...results.map(
      (r) => `| ${LABEL[r.mode]} | ${r.events} | ${r.seconds} | ${r.perSecond} | ${r.cpuMicrosPerEvent} |`,
    ),
    '',
    `signature check alone: ${microsPerBatch.toFixed(0)} µs per request of ${BATCH} events (${(sample.length / 1024).toFixed(0)} KiB), ${(microsPerBatch / BATCH).toFixed(2)} µs per event`,
    '',
    'targets:',
    ...(ran('signed') ? [`  signed ≥ 85% of plain:     ${target('signed')}`] : []),
    ...(ran('encrypted') ? [`  encrypted ≥ 85% of plain:  ${target('encrypted')}`] : []),
    ...(ran('secured')
      ? [
          `  secured (both): ${share('secured').toFixed(1)}% of plain (by CPU time per event: ${cpuShare('secured').toFixed(1)}%)`,
        ]
      : []),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

async function dropSchemas(url: string, modes: readonly Mode[], rounds: number): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    for (const mode of modes)
      for (let round = 0; round < rounds; round++)
        await client.query(`DROP SCHEMA IF EXISTS ${schemaOf(mode, round)} CASCADE`);
  } finally {
    await client.end();
  }
}

await main();
