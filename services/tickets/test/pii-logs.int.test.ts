import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES } from '@tickets/domain';
import { inboundConsumerFor } from '@tickets/ingest';
import { createLogger } from '@tickets/platform';
import { createMemorySink, type MemorySink } from '@tickets/rule-reactor';
import { AGENT_SOURCE, tempDir, waitFor } from '@tickets/testing';
import { createHttpApp, openRuntime, type Runtime } from '../src/index.js';
import { REPO } from './cli-runner.js';
import { openFreshKafka } from './kafka-test-topics.js';
import { HELPDESK_SECRET, movableClock, POSTSCRIPT_NEW, securedConfig, signedHeaders } from './signed-requests.js';

// The whole seed scenario, through HTTP (signed) and through Kafka, with every log line captured at
// debug level (ours, fastify's, kafkajs's): no phone number, e-mail address, customer name or message
// body may appear in them. Error paths are included: invalid, rejected and oversized events, a
// poison record on the topic, refused signatures.

const SEED = join(REPO, 'examples/seed-sms-story.ndjson');
const seedLines = readFileSync(SEED, 'utf8')
  .split('\n')
  .filter((line) => line !== '');
const seed = seedLines.map(
  (line) =>
    JSON.parse(line) as { id: string; source: string; time: string; subject: string; data: Record<string, unknown> },
);

// An e-mail customer too: the seed is SMS only.
const EMAIL_CUSTOMER = {
  id: 'cus_jeanne',
  name: 'Jeanne Lefèvre',
  email: 'jeanne.lefevre@example.org',
  phone: '+33 7 81 22 33 44',
};
const emailEvent = (id: string) => ({
  specversion: '1.0',
  id,
  source: 'https://postscript.example/email',
  type: 'message.received',
  time: '2026-03-05T10:00:00Z',
  subject: EMAIL_CUSTOMER.id,
  data: {
    channel: 'email',
    customer: EMAIL_CUSTOMER,
    message: { id: `m-${id}`, body: 'Ma facture 2231 est fausse, pouvez-vous me rappeler au 0781223344 ?' },
  },
});

/** Every piece of personal data the scenario carries, and the bodies of the commands it produced. */
function personalData(sink: MemorySink): string[] {
  const values = new Set<string>();
  const add = (value: unknown) => {
    if (typeof value === 'string' && value.length >= 4) values.add(value);
  };
  for (const event of [...seed, emailEvent('x')]) {
    const customer = event.data['customer'] as Record<string, unknown> | undefined;
    add(customer?.['name']);
    add(customer?.['phone']);
    add(customer?.['email']);
    add(String(customer?.['name'] ?? '').split(' ')[0]);
    add((event.data['message'] as { body?: string } | undefined)?.body);
  }
  for (const command of sink.commands) {
    add((command.data as { body?: string }).body);
    add((command.data as { to?: string }).to);
  }
  return [...values];
}

function memoryLogger() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((line) => line !== ''),
      );
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', name: 'tickets', destination }), lines };
}

function expectNoPersonalData(lines: readonly string[], pii: readonly string[]): void {
  expect(pii.length).toBeGreaterThan(8);
  // Personal fields were logged, and replaced: the scan looks at lines that had something to hide.
  expect(lines.filter((line) => line.includes('[redacted]')).length).toBeGreaterThan(0);
  const leaks = lines.flatMap((line) =>
    pii.filter((value) => line.includes(value)).map((value) => `${value} in ${line.slice(0, 300)}`),
  );
  expect(leaks).toEqual([]);
}

async function open(dir: string, logger: ReturnType<typeof createLogger>, sink: MemorySink): Promise<Runtime> {
  return openRuntime({
    store: `sqlite:${join(dir, 'tickets.db')}`,
    rules: DEFAULT_RULES,
    policy: DEFAULT_REOPEN_POLICY,
    sink,
    logger,
  });
}

const settle = async (runtime: Runtime) => {
  await runtime.settle();
  await runtime.relay.catchUp();
};

describe('no personal data in the logs at debug level', () => {
  it('HTTP, signed: the seed story, an e-mail customer, invalid, rejected, oversized and unsigned requests', async () => {
    const { logger, lines } = memoryLogger();
    const dir = tempDir();
    const sink = createMemorySink();
    const runtime = await open(dir.path, logger, sink);
    const time = movableClock('2026-03-02T09:00:00Z');
    const app = createHttpApp({ runtime, logger, security: securedConfig(), clock: time.clock });
    const post = (payload: unknown, secret?: string) => {
      const body = JSON.stringify(payload);
      const headers =
        secret === undefined
          ? { 'content-type': 'application/json' }
          : signedHeaders(body, secret, { nowMs: time.nowMs() });
      return app.inject({ method: 'POST', url: '/v1/events', payload: body, headers });
    };
    try {
      for (const event of seed) {
        // Live, as it happened: event times are never far ahead of their receipt.
        time.advance(Math.max(0, Date.parse(event.time) - time.nowMs()));
        const response = await post(event, event.source.startsWith(AGENT_SOURCE) ? HELPDESK_SECRET : POSTSCRIPT_NEW);
        expect(response.statusCode).toBe(202);
        await settle(runtime);
      }
      time.advance(Math.max(0, Date.parse(emailEvent('e-1').time) - time.nowMs()));
      expect((await post(emailEvent('e-1'), POSTSCRIPT_NEW)).statusCode).toBe(202);
      await settle(runtime);
      // Invalid (bad channel), rejected (unknown ticket), oversized, unsigned, foreign source.
      expect(
        (await post({ ...emailEvent('e-2'), data: { ...emailEvent('e-2').data, channel: 'pigeon' } }, POSTSCRIPT_NEW))
          .statusCode,
      ).toBe(400);
      expect(
        (
          await post(
            { ...emailEvent('e-3'), data: { ...emailEvent('e-3').data, ticketId: 'tk_unknown' } },
            POSTSCRIPT_NEW,
          )
        ).statusCode,
      ).toBe(202);
      const long = emailEvent('e-4');
      expect(
        (
          await post(
            {
              ...long,
              data: { ...long.data, message: { id: 'm', body: `${long.data.message.body} ${'x'.repeat(20_000)}` } },
            },
            POSTSCRIPT_NEW,
          )
        ).statusCode,
      ).toBe(413);
      expect((await post(emailEvent('e-5'))).statusCode).toBe(401);
      expect((await post([emailEvent('e-6'), seed[1]], POSTSCRIPT_NEW)).statusCode).toBe(403);
      await settle(runtime);

      expect(sink.commands.length).toBeGreaterThan(0);
      expect(lines.length).toBeGreaterThan(50);
      expect(lines.some((line) => line.includes('"level":"debug"'))).toBe(true);
      expectNoPersonalData(lines, personalData(sink));
    } finally {
      await app.close();
      await runtime.close();
      dir[Symbol.dispose]();
    }
  });

  it('Kafka: the seed story from the inbound topic, a poison record and an oversized one to the dead letters', async () => {
    const { logger, lines } = memoryLogger();
    const setup = await openFreshKafka('pii', logger);
    const dir = tempDir();
    const sink = createMemorySink();
    const runtime = await open(dir.path, logger, sink);
    const consumer = inboundConsumerFor(setup, runtime.ingest, logger, { limits: securedConfig().limits });
    const producer = setup.kafka.producer();
    await producer.connect();
    await consumer.start();
    try {
      for (const line of seedLines) {
        const before = await runtime.store.headPosition();
        await producer.send({
          topic: setup.topics.inbound,
          acks: -1,
          messages: [{ key: JSON.parse(line).subject as string, value: line }],
        });
        await waitFor(async () => ((await runtime.store.headPosition()) > before ? true : undefined), {
          what: 'the event to be appended',
          timeoutMs: 20_000,
        });
        await settle(runtime);
      }
      const poison = `{"customer":{"name":"${EMAIL_CUSTOMER.name}","email":"${EMAIL_CUSTOMER.email}"`;
      const oversized = JSON.stringify({
        ...emailEvent('k-big'),
        data: { ...emailEvent('k-big').data, padding: 'x'.repeat(70_000) },
      });
      const invalid = JSON.stringify({
        ...emailEvent('k-bad'),
        data: { ...emailEvent('k-bad').data, channel: 'pigeon' },
      });
      await producer.send({
        topic: setup.topics.inbound,
        acks: -1,
        messages: [poison, oversized, invalid].map((value) => ({ key: EMAIL_CUSTOMER.id, value })),
      });
      await waitFor(() => (lines.some((line) => line.includes('inbound records dead-lettered')) ? true : undefined), {
        what: 'the dead letters',
        timeoutMs: 20_000,
      });

      expect(sink.commands.length).toBeGreaterThan(0);
      expectNoPersonalData(lines, personalData(sink));
    } finally {
      await consumer.stop();
      await producer.disconnect();
      await runtime.close();
      dir[Symbol.dispose]();
    }
  });
});
