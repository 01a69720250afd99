import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { join } from 'node:path';
import { CloudEvent, emitterFor, HTTP, httpTransport, Mode, type Message } from 'cloudevents';
import type { FastifyInstance } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, inboundKey, ticketIdFor, type Command } from '@tickets/domain';
import { encodeHttpHeaderValue } from '@tickets/messaging';
import { createLogger, type SecurityConfig } from '@tickets/platform';
import { createMemorySink, createWebhookSink, type CommandSink } from '@tickets/rule-reactor';
import { inboundStream } from '@tickets/streams';
import { AGENT_SOURCE, MARIE, SMS_SOURCE, tempDir } from '@tickets/testing';
import { createHttpApp, openRuntime, type Runtime } from '../src/index.js';
import { movableClock, POSTSCRIPT_NEW, securedConfig, signedHeaders } from './signed-requests.js';

// The official CloudEvents SDK for JavaScript as an integration uses it, against `POST /v1/events`
// over a real socket: binary mode (its default, and Knative's) and structured mode, signed and not;
// and as the receiver of what the webhook sink sends. Nothing of the event may be lost either way.

const logger = createLogger({ level: 'silent' });
const TRACEPARENT = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';

interface Answer {
  readonly results?: { status: string; id?: string; ticketId?: string }[];
  readonly error?: { code: string; message: string };
  readonly invalid?: { index: number; reasons: { path: string; code: string }[] }[];
}

/** A message.received as an integration builds it with the SDK. */
const smsEvent = (id: string, time: string, body: string, extensions: Record<string, string> = {}) =>
  new CloudEvent({
    id,
    source: SMS_SOURCE,
    type: 'message.received',
    time,
    subject: MARIE.id,
    datacontenttype: 'application/json',
    data: { channel: 'sms', integration: 'postscript', customer: MARIE, message: { id: `m-${id}`, body } },
    ...extensions,
  });

/** Starts the HTTP API on a free port; the SDK's transport needs a URL. */
async function listen(app: FastifyInstance): Promise<string> {
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/v1/events`;
}

describe('the official CloudEvents SDK as a client of POST /v1/events', () => {
  let dir: ReturnType<typeof tempDir>;
  let runtime: Runtime;
  let app: FastifyInstance;
  let url: string;
  let time: ReturnType<typeof movableClock>;

  async function open(security?: SecurityConfig): Promise<void> {
    time = movableClock('2026-03-02T09:00:00Z');
    runtime = await openRuntime({
      store: `sqlite:${join(dir.path, `sdk-${Math.random()}.db`)}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger,
    });
    app = createHttpApp({ runtime, logger, ...(security === undefined ? {} : { security }), clock: time.clock });
    url = await listen(app);
  }
  const stored = async (source: string, id: string) =>
    (await runtime.store.readStream(inboundStream(inboundKey(source, id))))[0]?.data as
      { event: Record<string, unknown> } | undefined;
  const post = async (message: Message): Promise<{ status: number; answer: Answer }> => {
    const response = await fetch(url, {
      method: 'POST',
      headers: message.headers as Record<string, string>,
      body: message.body as string,
    });
    return { status: response.status, answer: (await response.json()) as Answer };
  };

  beforeEach(() => {
    dir = tempDir();
  });
  afterEach(async () => {
    await app.close();
    await runtime.close();
    dir[Symbol.dispose]();
  });

  it('accepts the SDK emitter in binary mode (its default) and in structured mode, storing the same event', async () => {
    await open();
    // The SDK's transport resolves with the answer's body: the per-event results.
    const binary = emitterFor(httpTransport(url));
    const structured = emitterFor(httpTransport(url), { mode: Mode.STRUCTURED });
    const viaBinary = (await binary(
      smsEvent('sdk-binary', '2026-03-02T08:00:00Z', 'Bonjour', { traceparent: TRACEPARENT }),
    )) as { body: string };
    const viaStructured = (await structured(
      smsEvent('sdk-structured', '2026-03-02T08:01:00Z', 'Encore moi', { traceparent: TRACEPARENT }),
    )) as { body: string };
    expect(JSON.parse(viaBinary.body)).toMatchObject({
      results: [{ status: 'accepted', id: 'sdk-binary', ticketId: ticketIdFor(SMS_SOURCE, 'sdk-binary') }],
    });
    // The second message joins the open ticket: the two modes are one contract.
    expect(JSON.parse(viaStructured.body)).toMatchObject({
      results: [{ status: 'accepted', id: 'sdk-structured', ticketId: ticketIdFor(SMS_SOURCE, 'sdk-binary') }],
    });

    const fromBinary = await stored(SMS_SOURCE, 'sdk-binary');
    expect(fromBinary?.event).toEqual({
      specversion: '1.0',
      id: 'sdk-binary',
      source: SMS_SOURCE,
      type: 'message.received',
      time: '2026-03-02T08:00:00.000Z',
      subject: MARIE.id,
      datacontenttype: 'application/json',
      traceparent: TRACEPARENT,
      data: {
        channel: 'sms',
        integration: 'postscript',
        customer: MARIE,
        message: { id: 'm-sdk-binary', body: 'Bonjour' },
      },
    });
    const fromStructured = await stored(SMS_SOURCE, 'sdk-structured');
    const { id: _b, data: _bd, time: _bt, ...binaryAttributes } = fromBinary!.event;
    const { id: _s, data: _sd, time: _st, ...structuredAttributes } = fromStructured!.event;
    expect(structuredAttributes).toEqual(binaryAttributes);
    // The event's own traceparent (a ce-traceparent header in binary mode) is the trace of its domain events.
    const events = await runtime.store.readStream(`ticket-${ticketIdFor(SMS_SOURCE, 'sdk-binary')}`);
    expect(events.filter((e) => e.type === 'MessageReceived').map((e) => e.metadata['traceparent'])).toEqual([
      TRACEPARENT,
      TRACEPARENT,
    ]);
  });

  it('refuses a binary-mode request without a required ce- header with 400 naming the header, storing nothing', async () => {
    await open();
    for (const header of ['ce-id', 'ce-source', 'ce-type', 'ce-specversion', 'ce-time', 'ce-subject']) {
      const message = HTTP.binary(smsEvent(`missing-${header}`, '2026-03-02T08:00:00Z', 'Bonjour'));
      delete message.headers[header];
      const before = await runtime.store.headPosition();
      const { status, answer } = await post(message);
      expect(status, header).toBe(400);
      expect(answer.error?.code).toBe('REQUEST.INVALID_HEADERS');
      expect(answer.error?.message).toContain(header);
      expect(answer.invalid?.[0]?.reasons).toEqual([expect.objectContaining({ path: header, code: 'missing_header' })]);
      expect(await runtime.store.headPosition()).toBe(before);
    }
  });

  it('decodes percent-encoded header values as the HTTP binding says, and refuses malformed ones naming the header', async () => {
    await open();
    const customer = { id: 'cus_zoé "z"', name: 'Zoé' };
    const message = HTTP.binary(
      new CloudEvent({
        id: 'evt 1 €',
        source: SMS_SOURCE,
        type: 'message.received',
        time: '2026-03-02T08:00:00Z',
        subject: customer.id,
        data: { channel: 'sms', customer, message: { id: 'm-pct', body: 'Salut' } },
      }),
    );
    // The SDK sends header values as they are; the binding wants them percent-encoded.
    for (const name of ['ce-id', 'ce-subject'])
      message.headers[name] = encodeHttpHeaderValue(String(message.headers[name]));
    expect(message.headers['ce-subject']).toBe('cus_zo%C3%A9%20%22z%22');
    const { status, answer } = await post(message);
    expect(status).toBe(202);
    expect(answer.results?.[0]).toMatchObject({ status: 'accepted', id: 'evt 1 €' });
    expect((await stored(SMS_SOURCE, 'evt 1 €'))?.event).toMatchObject({ id: 'evt 1 €', subject: 'cus_zoé "z"' });

    const overlong = HTTP.binary(smsEvent('overlong', '2026-03-02T08:00:00Z', 'Bonjour'));
    overlong.headers['ce-subject'] = 'cus%C0%A0';
    const refused = await post(overlong);
    expect(refused.status).toBe(400);
    expect(refused.answer.error?.message).toContain('ce-subject');
    expect(refused.answer.invalid?.[0]?.reasons).toEqual([
      expect.objectContaining({ path: 'ce-subject', code: 'invalid_header' }),
    ]);
  });

  it('gives a binary-mode event the same validation and answers as structured mode', async () => {
    await open();
    const bad = HTTP.binary(
      new CloudEvent({
        id: 'bad-channel',
        source: SMS_SOURCE,
        type: 'message.received',
        time: '2026-03-02T08:00:00Z',
        subject: MARIE.id,
        data: { channel: 'pigeon', customer: MARIE, message: { id: 'm', body: 'x' } },
      }),
    );
    const { status, answer } = await post(bad);
    expect(status).toBe(400);
    expect(answer.error?.code).toBe('REQUEST.INVALID_EVENTS');
    expect(answer.invalid?.[0]?.reasons.map((reason) => reason.path)).toEqual(['data.channel']);
    // An agent action on a ticket nobody knows: 422, as in structured mode.
    const unknown = HTTP.binary(
      new CloudEvent({
        id: 'close-unknown',
        source: AGENT_SOURCE,
        type: 'ticket.closed',
        time: '2026-03-02T08:00:00Z',
        subject: MARIE.id,
        data: { ticketId: 'tk_nope' },
      }),
    );
    expect((await post(unknown)).status).toBe(422);
    // Data that is an array is an event whose data is wrong, never a batch.
    const array = HTTP.binary(smsEvent('array-data', '2026-03-02T08:00:00Z', 'x'));
    const asArray = await post({ ...array, body: JSON.stringify([JSON.parse(array.body as string)]) });
    expect(asArray.status).toBe(400);
    expect(asArray.answer.invalid?.[0]?.reasons.map((reason) => reason.path)).toContain('data');
    // Data nested too deep to serialise again: refused with its reason, like a structured event.
    const deep = HTTP.binary(smsEvent('deep-data', '2026-03-02T08:00:00Z', 'x'));
    const tooDeep = await post({ ...deep, body: `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}` });
    expect(tooDeep.status).toBe(400);
    expect(tooDeep.answer.invalid?.[0]?.reasons).toEqual([expect.objectContaining({ code: 'too_deep' })]);
  });

  describe('signed (Standard Webhooks over the body, which in binary mode is the data)', () => {
    /** An SDK transport that signs what the SDK serialised, as an integration would. */
    const signingTransport = (secret: string, seen: Message[]) => (message: Message) => {
      seen.push(message);
      const { 'content-type': _ignored, ...signature } = signedHeaders(String(message.body), secret, {
        nowMs: time.nowMs(),
      });
      return httpTransport(url)(message, { headers: signature });
    };

    it('accepts a binary-mode event signed over its body; refuses it unsigned, or signed with another secret', async () => {
      await open(securedConfig());
      const seen: Message[] = [];
      const emit = emitterFor(signingTransport(POSTSCRIPT_NEW, seen));
      const answer = (await emit(smsEvent('signed-binary', '2026-03-02T08:00:00Z', 'Bonjour'))) as { body: string };
      expect(JSON.parse(answer.body)).toMatchObject({ results: [{ status: 'accepted', id: 'signed-binary' }] });
      expect(seen[0]?.headers['ce-id']).toBe('signed-binary');

      const unsigned = await post(HTTP.binary(smsEvent('unsigned-binary', '2026-03-02T08:00:00Z', 'Bonjour')));
      expect(unsigned.status).toBe(401);
      const wrong = emitterFor(signingTransport(`whsec_${Buffer.alloc(32, 99).toString('base64')}`, []));
      expect(
        JSON.parse(
          ((await wrong(smsEvent('wrong-secret', '2026-03-02T08:00:00Z', 'Bonjour'))) as { body: string }).body,
        ),
      ).toMatchObject({ error: { code: 'AUTH.INVALID_SIGNATURE' } });
      expect(await stored(SMS_SOURCE, 'unsigned-binary')).toBeUndefined();
      expect(await stored(SMS_SOURCE, 'wrong-secret')).toBeUndefined();
    });

    it('accepts a signed structured-mode event from the SDK', async () => {
      await open(securedConfig());
      const emit = emitterFor(signingTransport(POSTSCRIPT_NEW, []), { mode: Mode.STRUCTURED });
      const answer = (await emit(smsEvent('signed-structured', '2026-03-02T08:00:00Z', 'Bonjour'))) as { body: string };
      expect(JSON.parse(answer.body)).toMatchObject({ results: [{ status: 'accepted', id: 'signed-structured' }] });
    });

    it('binds the unsigned ce- headers to the webhook id: a retry must repeat them, another use of the id is refused (409)', async () => {
      await open(securedConfig());
      const message = HTTP.binary(smsEvent('bound-1', '2026-03-02T08:00:00Z', 'Bonjour'));
      const signature = signedHeaders(String(message.body), POSTSCRIPT_NEW, { nowMs: time.nowMs(), id: 'msg_bound_1' });
      const send = (headers: Record<string, unknown>) =>
        post({
          headers: {
            ...headers,
            ...signature,
            'content-type': String(message.headers['content-type']),
          } as Message['headers'],
          body: message.body,
        });
      expect((await send(message.headers)).status).toBe(202);
      // The same request again (a sender's retry): let through, and the ingest answers duplicate.
      const retry = await send(message.headers);
      expect(retry.status).toBe(202);
      expect(retry.answer.results?.[0]?.status).toBe('duplicate');
      // The captured signature with other attributes (a new id, another customer): refused, nothing stored.
      const before = await runtime.store.headPosition();
      const forged = await send({ ...message.headers, 'ce-id': 'bound-forged', 'ce-subject': 'cus_other' });
      expect(forged.status).toBe(409);
      expect(forged.answer.error?.code).toBe('AUTH.WEBHOOK_ID_REUSED');
      expect(await runtime.store.headPosition()).toBe(before);
    });
  });
});

describe('the official CloudEvents SDK as the receiver of the webhook sink', () => {
  it('parses every command POSTed by the webhook sink without loss: id, source, type, time, subject, data, traceparent', async () => {
    using dir = tempDir();
    const requests: { headers: IncomingHttpHeaders; body: string }[] = [];
    const receiver: Server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        requests.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
        response.writeHead(204).end();
      });
    });
    receiver.listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    const address = receiver.address();
    const port = typeof address === 'object' && address !== null ? address.port : 0;

    // What the reactor published, beside what the webhook delivered: the two must match.
    const memory = createMemorySink();
    const webhook = createWebhookSink({ url: `http://127.0.0.1:${port}/commands`, logger });
    const both: CommandSink = {
      publish: async (commands) => {
        await memory.publish(commands);
        await webhook.publish(commands);
      },
      close: async () => {
        await webhook.close();
        await memory.close();
      },
    };
    const runtime = await openRuntime({
      store: `sqlite:${join(dir.path, 'webhook.db')}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: both,
      logger,
    });
    const app = createHttpApp({ runtime, logger });
    try {
      const url = await listen(app);
      const emit = emitterFor(httpTransport(url));
      // A customer writes, an agent closes, the customer writes again: the SMS reopen rule fires.
      await emit(smsEvent('wh-1', '2026-03-02T08:00:00Z', 'Ma commande est en retard'));
      await emit(
        new CloudEvent({
          id: 'wh-close',
          source: AGENT_SOURCE,
          type: 'ticket.closed',
          time: '2026-03-02T09:00:00Z',
          subject: MARIE.id,
          data: { ticketId: ticketIdFor(SMS_SOURCE, 'wh-1') },
        }),
      );
      await emit(smsEvent('wh-2', '2026-03-02T10:00:00Z', 'Toujours rien reçu', { traceparent: TRACEPARENT }));
      await runtime.settle();
      await runtime.relay.catchUp();

      const commands: Command[] = [...memory.commands];
      expect(commands.map((command) => command.type).sort()).toEqual([
        'message.send',
        'ticket.assign',
        'ticket.tag.add',
      ]);
      const received = requests.flatMap((request): CloudEvent<unknown>[] => {
        // Typed as the CloudEventV1 interface; at run time the SDK hands back CloudEvent instances.
        const parsed = HTTP.toEvent<unknown>({
          headers: request.headers as Record<string, string>,
          body: request.body,
        }) as CloudEvent<unknown> | CloudEvent<unknown>[];
        return Array.isArray(parsed) ? parsed : [parsed];
      });
      expect(received).toHaveLength(commands.length);
      for (const command of commands) {
        const event = received.find((candidate) => candidate.id === command.id);
        // Every attribute and the data, as the SDK presents them, equal what was published.
        expect(event?.toJSON()).toEqual({ ...command, time: new Date(command.time).toISOString() });
        expect(event?.time).toBe(command.time);
        expect(event?.['traceparent']).toBe(TRACEPARENT);
      }
    } finally {
      await app.close();
      await runtime.close();
      receiver.close();
    }
  });
});
