import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ticketIdFor } from '@tickets/domain';
import { createSqliteEventStore } from '@tickets/event-store/sqlite';
import { createLogger, createPrometheusMetrics } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { lagBelow, storeReachable } from '@tickets/streams';
import { agentEvent, MARIE, messageReceived, tempDir, waitFor, type CustomerFixture } from '@tickets/testing';
import { createHttpApp, openRuntime, type Runtime } from '../src/index.js';
import { sample } from './prometheus-text.js';
import { startServe } from './serve-process.js';

// Operating the service: metrics after the seed story, readiness, trace context end to end, and a
// SIGTERM in the middle of a batch.

const REPO = resolve(import.meta.dirname, '../../..');
const SEED = readFileSync(join(REPO, 'examples/seed-sms-story.ndjson'), 'utf8')
  .split('\n')
  .filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as Record<string, unknown>);

const HEADER_TRACE = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
const ATTRIBUTE_TRACE = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
const traceIdOf = (traceparent: string): string => traceparent.split('-')[1]!;

describe('tickets serve: metrics, readiness and trace context over the seed story', () => {
  it('counts routing kinds, rule firings, suppressions and commands; carries traceparent into events, commands and logs', async () => {
    using dir = tempDir();
    const storePath = join(dir.path, 'tickets.db');
    const commandsFile = join(dir.path, 'commands.ndjson');
    using server = await startServe(['--store', `sqlite:${storePath}`, '--commands', `file:${commandsFile}`]);
    const metricsText = async () => (await fetch(`${server.base}/metrics`)).text();
    // The pipeline has settled when no subscriber is behind: the lag gauges say so.
    const settled = async () => {
      const text = await metricsText();
      const lags = ['projector', 'command-relay'].map((subscriber) =>
        sample(text, 'tickets_subscriber_lag_events', { subscriber }),
      );
      return lags.every((lag) => lag === 0) ? text : undefined;
    };

    const post = async (event: unknown, headers: Record<string, string> = {}) => {
      const response = await fetch(`${server.base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(event),
      });
      expect(response.status).toBe(202);
      await waitFor(settled, { what: 'the pipeline to settle' });
      return ((await response.json()) as { results: { ticketId?: string }[] }).results[0]?.ticketId ?? '';
    };

    let followUp = '';
    for (const event of SEED) {
      // The first message carries its trace in the HTTP header, the reopening one as a CloudEvent attribute.
      const headers: Record<string, string> = event['id'] === 'sms-1' ? { traceparent: HEADER_TRACE } : {};
      const body = event['id'] === 'sms-2' ? { ...event, traceparent: ATTRIBUTE_TRACE, tracestate: 'vendor=1' } : event;
      const ticketId = await post(body, headers);
      if (event['id'] === 'sms-4') followUp = ticketId;
    }
    // Then the follow-up ticket is closed and reopened twice within minutes: the second time its tag
    // and team are already there and the auto-reply is rate limited, so actions are suppressed.
    const close = (id: string, time: string) =>
      agentEvent('ticket.closed', { id, time, ticketId: followUp, customerId: MARIE.id });
    await post(close('ops-close-1', '2026-03-05T10:30:00Z'));
    await post(
      messageReceived({ id: 'ops-sms-5', time: '2026-03-05T10:40:00Z', body: 'Encore une question', customer: MARIE }),
    );
    await post(close('ops-close-2', '2026-03-05T10:41:00Z'));
    await post(messageReceived({ id: 'ops-sms-6', time: '2026-03-05T10:43:00Z', body: 'Et aussi', customer: MARIE }));

    const text = (await waitFor(settled, { what: 'the pipeline to settle' }))!;
    const count = (name: string, labels: Record<string, string> = {}) => sample(text, name, labels) ?? 0;
    expect({
      new_ticket: count('tickets_routing_decisions_total', { kind: 'new_ticket' }),
      reopen: count('tickets_routing_decisions_total', { kind: 'reopen' }),
      follow_up: count('tickets_routing_decisions_total', { kind: 'follow_up' }),
      open_ticket: count('tickets_routing_decisions_total', { kind: 'open_ticket' }),
    }).toEqual({ new_ticket: 1, reopen: 4, follow_up: 1, open_ticket: 0 });
    expect(count('tickets_inbound_events_total', { type: 'message.received', outcome: 'accepted', via: 'http' })).toBe(
      6,
    );
    expect(count('tickets_inbound_events_total', { type: 'ticket.closed', outcome: 'accepted', via: 'http' })).toBe(4);
    expect(count('tickets_rule_firings_total', { rule: 'sms-reopened' })).toBe(3);
    expect(count('tickets_rule_firings_total', { rule: 'sms-thanks-autoclose' })).toBe(1);
    expect(count('tickets_rule_firings_total', { rule: 'sms-follow-up-check' })).toBe(1);
    expect(count('tickets_rule_suppressions_total', { rule: 'sms-reopened', reason: 'no_change' })).toBe(2);
    expect(count('tickets_rule_suppressions_total', { rule: 'sms-reopened', reason: 'rate_limited' })).toBe(1);
    expect(count('tickets_commands_total', { type: 'message.send' })).toBe(2);
    expect(count('tickets_commands_total', { type: 'ticket.note.add' })).toBe(1);
    expect(count('tickets_commands_total', { type: 'ticket.close' })).toBe(1);
    expect(count('tickets_event_to_command_seconds_count')).toBe(
      count('tickets_commands_total', { type: 'ticket.tag.add' }) +
        2 +
        1 +
        1 +
        count('tickets_commands_total', { type: 'ticket.assign' }),
    );
    expect(count('tickets_append_duration_seconds_count', { stage: 'ingest' })).toBe(12);
    expect(count('tickets_last_processed_event_timestamp_seconds', { stage: 'projector' })).toBe(
      Date.parse('2026-03-05T10:43:00Z') / 1000,
    );
    expect(count('process_cpu_user_seconds_total')).toBeGreaterThan(0);

    const ready = await fetch(`${server.base}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'store', ok: true },
        { name: 'projector-lag', ok: true },
      ],
    });

    expect(await server.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    // The stored events keep the trace context they came with: the header's for sms-1, the
    // attribute's (and its tracestate) for sms-2, including the rule decision the reactor recorded.
    const store = createSqliteEventStore({ path: storePath });
    try {
      const events = await store.readAll({ maxCount: 10_000, streamPrefixes: ['ticket-'] });
      const of = (correlationId: string) => events.filter((e) => e.metadata.correlationId === correlationId);
      expect(of('sms-1').length).toBeGreaterThan(0);
      for (const event of of('sms-1')) expect(event.metadata).toMatchObject({ traceparent: HEADER_TRACE });
      expect(of('sms-2').map((e) => e.type)).toContain('RulesEvaluated');
      for (const event of of('sms-2'))
        expect(event.metadata).toMatchObject({ traceparent: ATTRIBUTE_TRACE, tracestate: 'vendor=1' });
      for (const event of of('sms-3')) expect(event.metadata['traceparent']).toBeUndefined();
    } finally {
      await store.close();
    }
    // The commands it caused go out with it (CloudEvents distributed tracing); the others without.
    const commands = readFileSync(commandsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map(
        (line) =>
          JSON.parse(line) as {
            type: string;
            traceparent?: string;
            tracestate?: string;
            data: { correlationId: string };
          },
      );
    const traced = commands.filter((c) => c.data.correlationId === 'sms-2');
    expect(traced.map((c) => c.type).sort()).toEqual(['message.send', 'ticket.assign', 'ticket.tag.add']);
    for (const command of traced)
      expect(command).toMatchObject({ traceparent: ATTRIBUTE_TRACE, tracestate: 'vendor=1' });
    for (const command of commands.filter((c) => c.data.correlationId !== 'sms-2'))
      expect(command.traceparent).toBeUndefined();
    // And every log line of that work names the trace.
    const messagesOf = (traceId: string) =>
      new Set(
        server
          .logLines()
          .filter((line) => line['traceId'] === traceId)
          .map((line) => line['msg']),
      );
    expect([...messagesOf(traceIdOf(ATTRIBUTE_TRACE))]).toEqual(
      expect.arrayContaining(['inbound event accepted', 'rule evaluated', 'command published']),
    );
    expect([...messagesOf(traceIdOf(HEADER_TRACE))]).toEqual(
      expect.arrayContaining(['incoming request', 'inbound event accepted', 'request completed']),
    );
  });
});

describe('GET /readyz (in process)', () => {
  const logger = createLogger({ level: 'silent' });
  let dir: ReturnType<typeof tempDir>;
  let runtime: Runtime;
  beforeEach(async () => {
    dir = tempDir();
    runtime = await openRuntime({
      store: `sqlite:${join(dir.path, 'tickets.db')}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger,
    });
  });
  afterEach(async () => {
    await runtime.close().catch(() => {}); // one test closes the store itself
    dir[Symbol.dispose]();
  });
  const appWith = (maxLag: number) =>
    createHttpApp({
      runtime,
      logger,
      ops: {
        registry: createPrometheusMetrics({ processMetrics: false }).registry,
        readiness: [storeReachable(runtime.store), lagBelow('projector', runtime.projectorLag, maxLag)],
      },
    });
  const PAUL: CustomerFixture = { id: 'cus_paul_ready', phone: '+33700000009' };

  it('is not ready, with the reason, while the projector lags beyond the bound; ready once it caught up', async () => {
    const app = appWith(2);
    try {
      const events = [0, 1, 2].map((i) =>
        messageReceived({ id: `r-${i}`, time: `2026-03-02T08:0${i}:00Z`, body: 'Bonjour', customer: PAUL }),
      );
      expect((await app.inject({ method: 'POST', url: '/v1/events', payload: events })).statusCode).toBe(202);
      // Nothing follows the store here: the projector is as far behind as the ticket events written.
      const behind = await runtime.projectorLag();
      expect(behind).toBeGreaterThan(2);
      const lagging = await app.inject({ method: 'GET', url: '/readyz' });
      expect(lagging.statusCode).toBe(503);
      expect(lagging.json()).toEqual({
        status: 'not_ready',
        checks: [
          { name: 'store', ok: true },
          { name: 'projector-lag', ok: false, reason: `projector is ${behind} events behind the store (bound 2)` },
        ],
      });
      await runtime.projector.catchUp();
      const caughtUp = await app.inject({ method: 'GET', url: '/readyz' });
      expect(caughtUp.statusCode).toBe(200);
      expect(caughtUp.json()).toMatchObject({ status: 'ready' });
      // Liveness does not depend on any of it.
      expect((await app.inject({ method: 'GET', url: '/healthz' })).json()).toEqual({ status: 'ok' });
    } finally {
      await app.close();
    }
  });

  it('is not ready, with the reason, when the store cannot be reached', async () => {
    const app = appWith(1_000);
    try {
      expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
      await runtime.store.close();
      const response = await app.inject({ method: 'GET', url: '/readyz' });
      expect(response.statusCode).toBe(503);
      const body = response.json<{ status: string; checks: { name: string; ok: boolean; reason?: string }[] }>();
      expect(body.status).toBe('not_ready');
      expect(body.checks[0]).toEqual({
        name: 'store',
        ok: false,
        reason: expect.stringMatching(/^event store unreachable: /),
      });
      expect(body.checks[1]).toMatchObject({ name: 'projector-lag', ok: false });
      // The metrics endpoint keeps answering: a scrape must not fail because the store is down.
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('serves no /metrics when metrics are off, and /readyz and /metrics need no credentials', async () => {
    const off = createHttpApp({ runtime, logger, ops: { registry: undefined, readiness: [] } });
    try {
      expect((await off.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
      expect((await off.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    } finally {
      await off.close();
    }
  });
});

describe('SIGTERM during a batch', () => {
  it('answers the batch in flight, decides it, flushes its commands and exits 0: nothing lost', async () => {
    using dir = tempDir();
    const storePath = join(dir.path, 'tickets.db');
    const commandsFile = join(dir.path, 'commands.ndjson');
    using server = await startServe([
      '--store',
      `sqlite:${storePath}`,
      '--commands',
      `file:${commandsFile}`,
      '--shutdown-timeout',
      '20000',
    ]);
    // 300 customers, each: a first message, an agent's close, a reply inside the window (a reopen,
    // whose rule emits three commands). 900 events in one request, two commit batches.
    const customers = Array.from({ length: 300 }, (_, i) => ({
      id: `cus_sig_${i}`,
      phone: `+3370${String(i).padStart(7, '0')}`,
    }));
    const events = customers.flatMap((customer, i) => {
      const first = messageReceived({ id: `sig-${i}-1`, time: '2026-03-02T08:00:00Z', body: 'Bonjour', customer });
      const ticketId = ticketIdFor(first.source, first.id);
      return [
        first,
        agentEvent('ticket.closed', {
          id: `sig-${i}-close`,
          time: '2026-03-02T09:00:00Z',
          ticketId,
          customerId: customer.id,
        }),
        messageReceived({ id: `sig-${i}-2`, time: '2026-03-02T10:00:00Z', body: 'Toujours rien', customer }),
      ];
    });
    const response = fetch(`${server.base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(events),
    });
    // The signal arrives once the ingest has begun deciding the batch, long before it is done.
    await waitFor(
      () => (server.logLines().some((line) => line['msg'] === 'inbound event accepted') ? true : undefined),
      { intervalMs: 1, what: 'the batch to be under way' },
    );
    const stopped = server.stop('SIGTERM');

    const answered = await response;
    expect(answered.status).toBe(202);
    const results = ((await answered.json()) as { results: { status: string }[] }).results;
    expect(results.filter((r) => r.status === 'accepted')).toHaveLength(900);
    expect(await stopped).toEqual({ code: 0, signal: null });
    expect(server.logLines().map((line) => line['msg'])).toEqual(
      expect.arrayContaining(['shutting down', 'drained', 'stopped']),
    );

    // Everything accepted is stored, decided and published: 3 commands per reopen, none twice.
    const commands = readFileSync(commandsFile, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as { id: string; type: string });
    expect(new Set(commands.map((c) => c.id)).size).toBe(900);
    expect(commands).toHaveLength(900);
    const store = createSqliteEventStore({ path: storePath });
    try {
      const inbound = await store.readAll({ maxCount: 100_000, streamPrefixes: ['inbound-'] });
      expect(inbound).toHaveLength(900);
      const decisions = (await store.readAll({ maxCount: 100_000, streamPrefixes: ['ticket-'] })).filter(
        (e) => e.type === 'RulesEvaluated',
      );
      expect(decisions.length).toBeGreaterThanOrEqual(300);
    } finally {
      await store.close();
    }
  });
});
