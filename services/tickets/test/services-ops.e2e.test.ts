import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { messageReceived, tempDir, waitFor } from '@tickets/testing';
import { sample } from './prometheus-text.js';

// Each service alone (node services/<name>/dist/main.js, as in docker-compose.yml): probes and
// metrics on its port, and a clean exit on SIGTERM.

const REPO = resolve(import.meta.dirname, '../../..');
const SERVICES = {
  ingest: 'ingest ready',
  projector: 'projector ready',
  'rule-reactor': 'rule-reactor ready',
} as const;
type Service = keyof typeof SERVICES;

async function startService(name: Service, env: Record<string, string>) {
  const base: NodeJS.ProcessEnv = { ...process.env };
  for (const key of Object.keys(base)) if (key.startsWith('TICKETS_') || key.startsWith('KAFKA_')) delete base[key];
  const child = spawn(process.execPath, [join(REPO, `services/${name}/dist/main.js`)], {
    env: { ...base, TICKETS_PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const lines = () =>
    stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
      const ready = lines().find((l) => l['msg'] === SERVICES[name]);
      return typeof ready?.['port'] === 'number' ? ready['port'] : undefined;
    },
    { timeoutMs: 15_000, what: `${name} to be ready` },
  );
  return {
    base: `http://127.0.0.1:${port}`,
    lines,
    async stop() {
      child.kill('SIGTERM');
      const [code, signal] = await exited;
      return { code, signal };
    },
    kill: () => child.exitCode === null && child.kill('SIGKILL'),
  };
}

describe('the services alone', () => {
  it('each serves /healthz, /readyz and /metrics, records its part of the work, and exits 0 on SIGTERM', async () => {
    using dir = tempDir();
    const env = {
      TICKETS_STORE: `sqlite:${join(dir.path, 'tickets.db')}`,
      TICKETS_COMMANDS: `file:${join(dir.path, 'commands.ndjson')}`,
    };
    const started: Awaited<ReturnType<typeof startService>>[] = [];
    try {
      const ingest = await startService('ingest', env);
      started.push(ingest);
      const projector = await startService('projector', env);
      started.push(projector);
      const reactor = await startService('rule-reactor', env);
      started.push(reactor);

      const event = messageReceived({ id: 'svc-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' });
      const posted = await fetch(`${ingest.base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(posted.status).toBe(202);

      const scrape = async (service: { base: string }) => (await fetch(`${service.base}/metrics`)).text();
      expect(sample(await scrape(ingest), 'tickets_routing_decisions_total', { kind: 'new_ticket' })).toBe(1);
      await waitFor(
        async () =>
          sample(await scrape(projector), 'tickets_subscriber_lag_events', { subscriber: 'projector' }) === 0
            ? true
            : undefined,
        {
          what: 'the projector to catch up',
        },
      );
      await waitFor(
        async () =>
          sample(await scrape(reactor), 'tickets_subscriber_lag_events', { subscriber: 'command-relay' }) === 0
            ? true
            : undefined,
        {
          what: 'the relay to catch up',
        },
      );
      expect(
        sample(await scrape(projector), 'tickets_last_processed_event_timestamp_seconds', { stage: 'projector' }),
      ).toBe(Date.parse('2026-03-02T08:00:00Z') / 1000);

      for (const service of [ingest, projector, reactor]) {
        expect(await (await fetch(`${service.base}/healthz`)).json()).toEqual({ status: 'ok' });
        const ready = await fetch(`${service.base}/readyz`);
        expect(ready.status).toBe(200);
        expect(((await ready.json()) as { checks: { name: string }[] }).checks.map((c) => c.name)).toContain('store');
      }
      for (const [service, stopped] of [
        [ingest, 'ingest stopped'],
        [projector, 'projector stopped'],
        [reactor, 'rule-reactor stopped'],
      ] as const) {
        expect(await service.stop()).toEqual({ code: 0, signal: null });
        expect(service.lines().map((l) => l['msg'])).toContain(stopped);
      }
    } finally {
      for (const service of started) service.kill();
    }
  });
});

describe('the rule-reactor alone fires timers', () => {
  it('configured from the environment only, it fires a timer the wall clock passed: TimerFired is recorded', async () => {
    using dir = tempDir();
    const rules = join(dir.path, 'rules.json');
    const commands = join(dir.path, 'commands.ndjson');
    writeFileSync(
      rules,
      JSON.stringify({
        rules: [
          {
            id: 'remind-1h',
            name: 'Remind',
            when: { after: '1h', since: 'customer_message' },
            then: [{ type: 'add_tag', tag: 'reminded' }],
          },
        ],
      }),
    );
    const path = join(dir.path, 'tickets.db');
    const env = { TICKETS_STORE: `sqlite:${path}`, TICKETS_COMMANDS: `file:${commands}`, TICKETS_RULES: rules };
    const started: Awaited<ReturnType<typeof startService>>[] = [];
    try {
      const ingest = await startService('ingest', env);
      started.push(ingest);
      const projector = await startService('projector', env);
      started.push(projector);
      const reactor = await startService('rule-reactor', env);
      started.push(reactor);
      expect(reactor.lines().find((l) => l['msg'] === 'rule-reactor ready')?.['timers']).toBe(true);

      // Event time long past: the timer (08:00 + 1 h) is due as soon as the index shows it.
      const event = messageReceived({ id: 'timer-svc-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' });
      const posted = await fetch(`${ingest.base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
      });
      expect(posted.status).toBe(202);
      const published = await waitFor(
        () => {
          // The sink's file appears with the first command published.
          if (!existsSync(commands)) return undefined;
          const lines = readFileSync(commands, 'utf8')
            .split('\n')
            .filter((l) => l !== '');
          const found = lines
            .map((l) => JSON.parse(l) as { type: string; time: string; data: { ruleId: string } })
            .find((c) => c.data.ruleId === 'remind-1h');
          return found;
        },
        { timeoutMs: 30_000, what: 'the timer’s command to be published' },
      );
      expect([published.type, published.time]).toEqual(['ticket.tag.add', '2026-03-02T09:00:00.000Z']);
      for (const service of started) expect(await service.stop()).toEqual({ code: 0, signal: null });
    } finally {
      for (const service of started) service.kill();
    }
    const store = createSqliteEventStore({ path });
    try {
      const fired = (await store.readAll()).filter((e) => e.type === 'TimerFired');
      expect(fired.map((e) => (e.data as { ruleId: string; dueAt: string }).ruleId)).toEqual(['remind-1h']);
      expect((fired[0]!.data as { dueAt: string }).dueAt).toBe('2026-03-02T09:00:00.000Z');
    } finally {
      await store.close();
    }
  });
});
