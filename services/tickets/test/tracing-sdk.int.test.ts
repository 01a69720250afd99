import { join } from 'node:path';
import { trace } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ticketIdFor } from '@tickets/domain';
import { createLogger } from '@tickets/platform';
import { createMemorySink, type MemorySink } from '@tickets/rule-reactor';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir } from '@tickets/testing';
import { openRuntime, type Runtime } from '../src/index.js';

// With an OpenTelemetry SDK registered, each stage records a span in the caller's trace, and what
// is handed on (event metadata, commands) names the recording span, so the trace shows the chain.

const INCOMING = { traceId: '4bf92f3577b34da6a3ce929d0e0e4736', spanId: '00f067aa0ba902b7' };
const TRACEPARENT = `00-${INCOMING.traceId}-${INCOMING.spanId}-01`;

describe('spans with an OpenTelemetry SDK', () => {
  const exporter = new InMemorySpanExporter();
  let provider: TracerProvider;
  let dir: ReturnType<typeof tempDir>;
  let runtime: Runtime;
  let sink: MemorySink;
  beforeEach(async () => {
    provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
    trace.setGlobalTracerProvider(provider);
    dir = tempDir();
    sink = createMemorySink();
    runtime = await openRuntime({
      store: `sqlite:${join(dir.path, 'tickets.db')}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink,
      logger: createLogger({ level: 'silent' }),
    });
  });
  afterEach(async () => {
    await runtime.close();
    await provider.shutdown();
    trace.disable();
    exporter.reset();
    dir[Symbol.dispose]();
  });

  it('ingest (routing and rules) and command-relay spans form one trace under the incoming span', async () => {
    const ticketId = ticketIdFor(SMS_SOURCE, 't-1');
    await runtime.ingest.submit([messageReceived({ id: 't-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' })]);
    await runtime.ingest.submit([
      agentEvent('ticket.closed', { id: 't-close', time: '2026-03-02T09:00:00Z', ticketId }),
    ]);
    await runtime.settle();
    exporter.reset();

    const [result] = await runtime.ingest.submit([
      {
        ...messageReceived({ id: 't-2', time: '2026-03-02T10:00:00Z', body: 'Toujours rien' }),
        traceparent: TRACEPARENT,
      },
    ]);
    expect(result).toMatchObject({ status: 'accepted', routing: 'reopen' });
    await runtime.settle();
    await runtime.relay.catchUp();

    const spans = exporter.getFinishedSpans();
    const named = (name: string) => spans.filter((s) => s.name === name);
    const [ingest] = named('tickets.ingest');
    const [relay] = named('tickets.command-relay');
    for (const span of [ingest, relay]) expect(span?.spanContext().traceId).toBe(INCOMING.traceId);
    expect(ingest?.parentSpanContext?.spanId).toBe(INCOMING.spanId);
    expect(relay?.parentSpanContext?.spanId).toBe(ingest?.spanContext().spanId);
    // The rules are decided inside the ingest's decision: no span of their own.
    expect(named('tickets.rule-reactor')).toEqual([]);

    // Every event of the decision — the routing and the rule decision — and every command it caused
    // names the ingest span.
    const traceparent = `00-${INCOMING.traceId}-${ingest?.spanContext().spanId}-01`;
    const stored = (await runtime.store.readStream(`ticket-${ticketId}`)).filter(
      (e) => e.metadata.correlationId === 't-2',
    );
    expect(stored.map((e) => e.type)).toEqual(expect.arrayContaining(['MessageReceived', 'RulesEvaluated']));
    for (const event of stored) expect(event.metadata['traceparent']).toBe(traceparent);
    const commands = sink.commands.filter((c) => c.data.correlationId === 't-2');
    expect(commands.length).toBeGreaterThan(0);
    for (const command of commands) expect(command.traceparent).toBe(traceparent);
  });
});
