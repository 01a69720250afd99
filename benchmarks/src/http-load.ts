import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { inboundKey } from '@tickets/domain';
import { openStore, parseStoreUrl } from '@tickets/event-store';
import { delay } from '@tickets/platform';
import { INBOUND_STREAM_PREFIX, inboundStream } from '@tickets/streams';

// An HTTP load test against a real `tickets serve` (embedded SQLite store, every follower running):
// autocannon posts unique events for a bounded time, one per request or in batches; afterwards the
// store is opened and every acknowledged event must be in it.

const BIN = fileURLToPath(new URL('../../services/tickets/bin/tickets.mjs', import.meta.url));
const SOURCE = 'https://load.example/sms';
const CUSTOMERS = 1_000;

export interface LoadPhase {
  readonly name: string;
  /** Events per request: 1 posts one CloudEvent, more posts a JSON array. */
  readonly batch: number;
  readonly seconds: number;
  readonly connections: number;
  /** A request unanswered this long counts as an error (autocannon's default: 10 s). */
  readonly timeoutSeconds?: number;
}

export interface LoadResult {
  readonly name: string;
  readonly batch: number;
  readonly seconds: number;
  readonly requests: number;
  /** Events answered `accepted` in a 202. */
  readonly acknowledged: number;
  readonly eventsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  /** Socket errors, timeouts and non-2xx answers. */
  readonly errors: number;
}

export interface LoadCheck {
  readonly acknowledged: number;
  /** Inbound events in the store after the server stopped. */
  readonly stored: number;
  /** Acknowledged events missing from the store: must be 0. */
  readonly lost: number;
  /** Stored events whose answer was cut off when a phase ended (sent, stored, never acknowledged). */
  readonly unanswered: number;
}

let serial = 0;
/** One SMS from one of many customers, with an id never used before in this process. */
export function uniqueEvent(phase: string): { id: string; json: string } {
  const n = ++serial;
  const customer = `cus_${n % CUSTOMERS}`;
  const id = `${phase}-${n}`;
  const time = new Date(Date.UTC(2026, 0, 1) + n * 1_000).toISOString();
  const json = `{"specversion":"1.0","id":"${id}","source":"${SOURCE}","type":"message.received","time":"${time}","subject":"${customer}","data":{"channel":"sms","integration":"postscript","customer":{"id":"${customer}","name":"Client ${n % CUSTOMERS}","phone":"+3361${String(n % CUSTOMERS).padStart(7, '0')}"},"message":{"id":"m-${id}","body":"Bonjour, ma commande n'est pas arrivée"}}}`;
  return { id, json };
}

async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}

export interface RunningServe {
  readonly url: string;
  stop(): Promise<void>;
}

/**
 * `tickets serve` (or `tickets ingest` alone, to see what the followers cost) in a child process on
 * `storePath`, without Kafka, commands dropped, warnings only.
 */
export async function startServe(
  storePath: string,
  nodeFlags: readonly string[] = [],
  verb: 'serve' | 'ingest' = 'serve',
): Promise<RunningServe> {
  const port = await freePort();
  const env = { ...process.env };
  // The embedded pipeline only, whatever the shell says.
  delete env['KAFKA_BROKERS'];
  const child: ChildProcess = spawn(
    process.execPath,
    [
      ...nodeFlags,
      BIN,
      verb,
      '--store',
      `sqlite:${storePath}`,
      '--host',
      '127.0.0.1',
      '--port',
      String(port),
      ...(verb === 'serve' ? ['--commands', 'none'] : []),
      '--log-level',
      'warn',
    ],
    { env, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const exited = once(child, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const deadline = performance.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`tickets ${verb} exited with ${child.exitCode}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch {
      // Not listening yet.
    }
    if (performance.now() > deadline) throw new Error(`tickets ${verb} did not start in 30 s`);
    await delay(100);
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Posts unique events for `phase.seconds`; `acknowledged` receives the inbound key of every accepted one. */
export async function loadPhase(
  url: string,
  phase: LoadPhase,
  acknowledged: Set<string>,
  sent: Set<string>,
): Promise<LoadResult> {
  let accepted = 0;
  const result = await autocannon({
    url,
    connections: phase.connections,
    duration: phase.seconds,
    timeout: phase.timeoutSeconds ?? 10,
    requests: [
      {
        method: 'POST',
        path: '/v1/events',
        headers: { 'content-type': 'application/json' },
        setupRequest: (request) => {
          const events = Array.from({ length: phase.batch }, () => uniqueEvent(phase.name));
          for (const e of events) sent.add(inboundKey(SOURCE, e.id));
          const body = phase.batch === 1 ? events[0]!.json : `[${events.map((e) => e.json).join(',')}]`;
          return { ...request, body };
        },
        onResponse: (status, body) => {
          if (status !== 202) return;
          for (const r of (JSON.parse(body) as { results: { status: string; id: string }[] }).results) {
            if (r.status !== 'accepted') continue;
            acknowledged.add(inboundKey(SOURCE, r.id));
            accepted++;
          }
        },
      },
    ],
  });
  return {
    name: phase.name,
    batch: phase.batch,
    seconds: phase.seconds,
    requests: result.requests.total,
    acknowledged: accepted,
    eventsPerSecond: Math.round(accepted / phase.seconds),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts + result.non2xx,
  };
}

/** After the server stopped: every acknowledged event is in the store, and nothing that was never sent. */
export async function checkStore(
  storePath: string,
  acknowledged: ReadonlySet<string>,
  sent: ReadonlySet<string>,
): Promise<LoadCheck> {
  const { store, checkpoints } = await openStore(parseStoreUrl(`sqlite:${storePath}`));
  try {
    const stored = new Set<string>();
    for (let after = 0; ;) {
      const page = await store.readAll({ after, maxCount: 50_000, streamPrefixes: [INBOUND_STREAM_PREFIX] });
      if (page.length === 0) break;
      for (const event of page) stored.add(event.stream);
      after = page.at(-1)!.position;
    }
    let lost = 0;
    for (const key of acknowledged) if (!stored.has(inboundStream(key))) lost++;
    let unexpected = 0;
    const sentStreams = new Set([...sent].map(inboundStream));
    for (const stream of stored) if (!sentStreams.has(stream)) unexpected++;
    if (unexpected > 0) throw new Error(`${unexpected} stored inbound events were never sent`);
    return {
      acknowledged: acknowledged.size,
      stored: stored.size,
      lost,
      unanswered: stored.size - (acknowledged.size - lost),
    };
  } finally {
    await checkpoints.close();
    await store.close();
  }
}

/** The whole load test on a fresh store in `dir`: the phases one after the other, then the check. */
export async function httpLoad(
  dir: string,
  phases: readonly LoadPhase[],
  nodeFlags: readonly string[] = [],
  verb: 'serve' | 'ingest' = 'serve',
): Promise<{ results: LoadResult[]; check: LoadCheck }> {
  const storePath = join(dir, `load-${verb}.db`);
  const serve = await startServe(storePath, nodeFlags, verb);
  const acknowledged = new Set<string>();
  const sent = new Set<string>();
  const results: LoadResult[] = [];
  try {
    for (const phase of phases) results.push(await loadPhase(serve.url, phase, acknowledged, sent));
  } finally {
    await serve.stop();
  }
  return { results, check: await checkStore(storePath, acknowledged, sent) };
}
