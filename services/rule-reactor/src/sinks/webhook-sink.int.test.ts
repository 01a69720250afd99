import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import type { Command } from '@tickets/domain';
import { createLogger } from '@tickets/platform';
import { describe, expect, it } from 'vitest';
import { CommandSinkError } from './command-sink.port.js';
import { CLOUDEVENTS_BATCH, createWebhookSink, WebhookDeliveryError } from './webhook-sink.js';

const tagCommand = (n: number): Command => ({
  specversion: '1.0',
  id: `cmd_webhook_${n}`,
  source: 'urn:tickets:rule-reactor',
  type: 'ticket.tag.add',
  subject: `tk_webhook_${n}`,
  time: '2025-03-01T09:00:00.000Z',
  datacontenttype: 'application/json',
  data: { ruleId: 'sms-reopened', causationId: `ev_${n}`, correlationId: `in_${n}`, tag: 'reopened-sms' },
});
const batch = (from: number, count: number): Command[] => Array.from({ length: count }, (_, i) => tagCommand(from + i));

interface Received {
  readonly method: string | undefined;
  readonly url: string | undefined;
  readonly headers: IncomingMessage['headers'];
  readonly body: unknown;
}

/** A real HTTP server on a free port; `answer` decides each response from the request number. */
async function webhookServer(answer: (call: number, response: ServerResponse) => void) {
  const received: Received[] = [];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({
        method: request.method,
        url: request.url,
        headers: request.headers,
        body: JSON.parse(Buffer.concat(chunks).toString('utf8')),
      });
      answer(received.length, response);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hooks/commands?token=secret-token`,
    port,
    received,
    async [Symbol.asyncDispose]() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

const status = (code: number) => (_call: number, response: ServerResponse) => response.writeHead(code).end();
const fast = { backoffMs: 5, maxBackoffMs: 20, timeoutMs: 2_000 };

describe('webhook sink', () => {
  it('POSTs the batch as a CloudEvents JSON batch', async () => {
    await using server = await webhookServer(status(202));
    const sink = createWebhookSink({ url: server.url, ...fast });
    await sink.publish(batch(1, 3));
    await sink.close();

    expect(server.received).toEqual([
      expect.objectContaining({ method: 'POST', url: '/hooks/commands?token=secret-token', body: batch(1, 3) }),
    ]);
    expect(server.received[0]?.headers['content-type']).toBe(CLOUDEVENTS_BATCH);
  });

  it('retries after a 503 and then succeeds', async () => {
    await using server = await webhookServer((call, response) => response.writeHead(call === 1 ? 503 : 200).end());
    const sink = createWebhookSink({ url: server.url, maxAttempts: 3, ...fast });
    await sink.publish(batch(1, 2));
    await sink.close();

    expect(server.received).toHaveLength(2);
    expect(server.received.map((request) => request.body)).toEqual([batch(1, 2), batch(1, 2)]);
  });

  it('gives up after maxAttempts with a retriable error', async () => {
    await using server = await webhookServer(status(503));
    const sink = createWebhookSink({ url: server.url, maxAttempts: 3, ...fast });
    const error = await sink.publish(batch(1, 1)).catch((caught: unknown) => caught);
    await sink.close();

    expect(server.received).toHaveLength(3);
    expect(error).toBeInstanceOf(WebhookDeliveryError);
    expect(error).toBeInstanceOf(CommandSinkError);
    expect(error).toMatchObject({ code: 'SINK.UNAVAILABLE', retriable: true, attempts: 3, status: 503 });
    // The URL's path and query may hold a secret: only the origin is named.
    expect((error as Error).message).toBe(`webhook http://127.0.0.1:${server.port} failed 3 times, last: HTTP 503`);
  });

  it('waits what Retry-After asks for, within maxBackoffMs, without jitter', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    await using server = await webhookServer((call, response) =>
      call === 1 ? response.writeHead(429, { 'retry-after': '1' }).end() : response.writeHead(200).end(),
    );
    const sink = createWebhookSink({
      url: server.url,
      logger: createLogger({ destination }),
      maxAttempts: 2,
      backoffMs: 5,
      maxBackoffMs: 40,
      timeoutMs: 2_000,
    });
    await sink.publish(batch(1, 1));
    await sink.close();

    expect(server.received).toHaveLength(2);
    expect(lines.map((line) => (JSON.parse(line) as { delayMs?: number }).delayMs)).toEqual([40]);
  });

  it('does not retry a 4xx refusal', async () => {
    await using server = await webhookServer(status(422));
    const sink = createWebhookSink({ url: server.url, maxAttempts: 3, ...fast });
    await expect(sink.publish(batch(1, 1))).rejects.toMatchObject({
      code: 'SINK.REJECTED',
      retriable: false,
      attempts: 1,
      status: 422,
    });
    await sink.close();
    expect(server.received).toHaveLength(1);
  });

  it('retries a request that times out', async () => {
    // The first request gets no answer at all; the second one is accepted.
    await using server = await webhookServer((call, response) => {
      if (call > 1) response.writeHead(200).end();
    });
    const sink = createWebhookSink({ url: server.url, ...fast, timeoutMs: 150, maxAttempts: 2 });
    await sink.publish(batch(1, 1));
    await sink.close();
    expect(server.received).toHaveLength(2);
  });

  it('treats a refused connection as retriable', async () => {
    const server = await webhookServer(status(200));
    const url = server.url;
    await server[Symbol.asyncDispose]();
    const sink = createWebhookSink({ url, ...fast, maxAttempts: 2 });
    await expect(sink.publish(batch(1, 1))).rejects.toMatchObject({
      code: 'SINK.UNAVAILABLE',
      retriable: true,
      attempts: 2,
      status: null,
    });
    await sink.close();
  });

  it('splits large publishes, sends credentials from the URL as basic auth, and skips empty batches', async () => {
    await using server = await webhookServer(status(200));
    const withCredentials = server.url.replace('http://', 'http://relay:p%40ss@');
    const sink = createWebhookSink({ url: withCredentials, ...fast, maxBatchSize: 2 });
    await sink.publish([]);
    await sink.publish(batch(1, 5));
    await sink.close();

    expect(server.received.map((request) => request.body)).toEqual([batch(1, 2), batch(3, 2), batch(5, 1)]);
    expect(server.received[0]?.headers.authorization).toBe(`Basic ${Buffer.from('relay:p@ss').toString('base64')}`);
  });

  it('logs each retry without the URL path, and stops waiting when closed', async () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer | string, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ destination });
    await using server = await webhookServer(status(503));
    const sink = createWebhookSink({
      url: server.url,
      logger,
      maxAttempts: 10,
      backoffMs: 60_000,
      maxBackoffMs: 60_000,
      timeoutMs: 2_000,
    });

    const publishing = sink.publish(batch(1, 1)).catch((caught: unknown) => caught);
    // Poll until the first attempt has failed and the sink is waiting to retry.
    for (let i = 0; i < 200 && lines.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
    const started = Date.now();
    await sink.close();
    const error = await publishing;

    expect(Date.now() - started).toBeLessThan(5_000);
    expect(error).toMatchObject({ code: 'SINK.CLOSED' });
    expect(server.received).toHaveLength(1);
    expect(lines).toHaveLength(1);
    const record = JSON.parse(lines[0] ?? '{}') as Record<string, unknown>;
    expect(record).toMatchObject({
      level: 'warn',
      msg: 'webhook delivery failed, retrying',
      target: `http://127.0.0.1:${server.port}`,
      attempt: 1,
      status: 503,
      commandIds: ['cmd_webhook_1'],
    });
    // Jittered: between half and all of the backoff.
    expect(record['delayMs']).toBeGreaterThanOrEqual(30_000);
    expect(record['delayMs']).toBeLessThanOrEqual(60_000);
    expect(lines[0]).not.toContain('secret-token');
    await expect(sink.publish(batch(2, 1))).rejects.toMatchObject({ code: 'SINK.CLOSED' });
  });
});
