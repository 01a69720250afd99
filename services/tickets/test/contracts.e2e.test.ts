import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kafkaFromEnv, type KafkaSetup } from '@tickets/messaging';
import { createLogger, hashToken } from '@tickets/platform';
import { tempDir, TEST_KAFKA_BROKERS, waitFor } from '@tickets/testing';
import { asyncApiDocument } from '../src/contracts/asyncapi.js';
import { openApiDocument } from '../src/contracts/openapi.js';
import { runTickets } from './cli-runner.js';
import { documentValidator, pointerOf } from './contract-documents.js';
import { contractReference } from '../src/contracts/reference-markdown.js';
import { startServe, type ServeProcess } from './serve-process.js';
import { ADMIN_TOKEN, HELPDESK_SECRET, POSTSCRIPT_NEW, READ_TOKEN, signedHeaders } from './signed-requests.js';

// The contract test: a real `tickets serve` driven through the documents' own examples, and through
// every other documented answer, each response, record and header validated against the documents.
// The documents cannot drift from the code without this failing.

type Json = Record<string, unknown>;
const entries = (value: unknown): [string, Json][] => Object.entries((value ?? {}) as Record<string, Json>);
const isObject = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const WORKED_EXAMPLES = join(resolve(import.meta.dirname, '../../..'), 'examples/integrators');
const run = promisify(execFile);
/** Runs a worked example as an integrator would, and returns its last output line as JSON. */
async function runExample(
  script: string,
  args: readonly string[],
  env: Record<string, string>,
): Promise<Record<string, number>[]> {
  const { stdout } = await run(process.execPath, [join(WORKED_EXAMPLES, script), ...args], {
    env: { ...process.env, ...env },
    timeout: 60_000,
  });
  return stdout
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, number>);
}

const THROTTLED_SECRET = `whsec_${Buffer.alloc(32, 14).toString('base64')}`;
const SECRETS: [prefix: string, secret: string][] = [
  ['https://postscript.example', POSTSCRIPT_NEW],
  ['https://helpdesk.example/', HELPDESK_SECRET],
  ['https://throttled.example/', THROTTLED_SECRET],
];
const MAX_BATCH = 5;

/** The secret of the integration owning the events' source (binary mode: the `ce-source` header). */
const secretFor = (events: unknown, headers: Record<string, string> = {}): string => {
  // An empty batch is refused before any signature is read: any integration's will do.
  const first = (Array.isArray(events) ? (events[0] ?? { source: SECRETS[0]![0] }) : events) as
    { source?: string } | undefined;
  const source = headers['ce-source'] ?? first?.source;
  const found = SECRETS.find(([prefix]) => source?.startsWith(prefix) === true);
  if (found === undefined) throw new Error(`no integration owns ${JSON.stringify(source)}`);
  return found[1];
};

/** A secured `tickets serve`: three integrations (one with a tiny rate limit), a read and an admin token. */
function securedEnv(): Record<string, string> {
  return {
    TICKETS_WEBHOOK_SECRETS: JSON.stringify([
      { name: 'postscript', sources: [SECRETS[0]![0]], secrets: [POSTSCRIPT_NEW] },
      // Its agents act on Postscript's tickets (the integration scope).
      { name: 'helpdesk', sources: [SECRETS[1]![0]], secrets: [HELPDESK_SECRET], scope: { tickets: ['postscript'] } },
      {
        name: 'throttled',
        sources: [SECRETS[2]![0]],
        secrets: [THROTTLED_SECRET],
        rateLimit: { perSecond: 0.001, burst: MAX_BATCH },
      },
    ]),
    TICKETS_API_TOKENS: JSON.stringify([
      { name: 'dashboard', role: 'read', sha256: hashToken(READ_TOKEN) },
      { name: 'ops', role: 'admin', sha256: hashToken(ADMIN_TOKEN) },
    ]),
    TICKETS_MAX_BATCH_EVENTS: String(MAX_BATCH),
  };
}

interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: unknown;
}

// Headers that are part of the contract wherever they appear: each must be documented on the response that carries it.
const CONTRACT_HEADERS = ['ratelimit', 'ratelimit-policy', 'retry-after', 'www-authenticate'];

describe('tickets schema openapi | asyncapi | reference', () => {
  it('prints the documents and the reference page', async () => {
    const [openapi, asyncapi, reference] = await Promise.all([
      runTickets(['schema', 'openapi']),
      runTickets(['schema', 'asyncapi']),
      runTickets(['schema', 'reference']),
    ]);
    expect(JSON.parse(openapi.stdout)).toEqual(JSON.parse(JSON.stringify(openApiDocument())));
    expect(JSON.parse(asyncapi.stdout)).toEqual(JSON.parse(JSON.stringify(asyncApiDocument())));
    expect(reference.stdout).toBe(contractReference(openApiDocument(), asyncApiDocument()));
    expect([openapi.code, asyncapi.code, reference.code]).toEqual([0, 0, 0]);
  });
});

describe('the HTTP API against its OpenAPI document', () => {
  const document = openApiDocument();
  const check = documentValidator(document, '2020-12');
  const seen = new Set<string>();
  const dir = tempDir();
  let server: ServeProcess;

  beforeAll(async () => {
    server = await startServe(
      ['--store', `sqlite:${join(dir.path, 'tickets.db')}`, '--commands', 'none'],
      securedEnv(),
    );
  });
  afterAll(async () => {
    await server.stop();
    dir[Symbol.dispose]();
  });

  const operation = (route: string, method: string): Json => {
    const found = ((document['paths'] as Json)[route] as Json | undefined)?.[method];
    if (!isObject(found)) throw new Error(`${method} ${route} is not documented`);
    return found;
  };
  const deref = (node: Json, at: string): [Json, string] =>
    typeof node['$ref'] === 'string' ? [pointerResolve(node['$ref']), node['$ref']] : [node, at];
  const pointerResolve = (ref: string): Json =>
    ref
      .slice(2)
      .split('/')
      .map((part) => part.replaceAll('~1', '/').replaceAll('~0', '~'))
      .reduce<Json>((node, key) => node[key] as Json, document);

  /** The response is one the operation documents: status, media type, body schema and headers. */
  function expectDocumented(route: string, method: string, answer: Answer): void {
    const where = `${method.toUpperCase()} ${route} → ${answer.status}`;
    const responses = operation(route, method)['responses'] as Json;
    const documented = responses[String(answer.status)];
    expect(documented, `${where} is not documented: ${answer.text.slice(0, 300)}`).toBeDefined();
    seen.add(`${method} ${route} ${answer.status}`);
    const [response, at] = deref(documented as Json, pointerOf('paths', route, method, 'responses', answer.status));
    const contentType = answer.headers.get('content-type') ?? '';
    const base = (type: string) => type.split(';')[0]!.trim().toLowerCase();
    if (isObject(response['content'])) {
      const mediaType = Object.keys(response['content']).find((type) => base(type) === base(contentType));
      expect(mediaType, `${where}: content-type ${contentType} is not documented`).toBeDefined();
      if (base(contentType).endsWith('json'))
        expect(check(`${at}/content/${mediaType!.replaceAll('/', '~1')}/schema`, answer.body), where).toEqual([]);
    }
    const documentedHeaders = new Set<string>();
    for (const [name, header] of entries(response['headers'])) {
      documentedHeaders.add(name.toLowerCase());
      const [resolved, headerAt] = deref(header, `${at}/headers/${name}`);
      const value = answer.headers.get(name);
      if (resolved['required'] === true)
        expect(value, `${where}: header ${name} is documented as always sent`).not.toBeNull();
      if (value !== null) expect(check(`${headerAt}/schema`, value), `${where} header ${name}`).toEqual([]);
    }
    for (const name of CONTRACT_HEADERS) {
      if (answer.headers.has(name))
        expect(documentedHeaders.has(name), `${where}: header ${name} is sent but not documented`).toBe(true);
    }
  }

  async function call(
    method: string,
    route: string,
    options: { path?: string; query?: Record<string, string>; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Answer> {
    const url = new URL(options.path ?? route, server.base);
    for (const [name, value] of Object.entries(options.query ?? {})) url.searchParams.set(name, value);
    const response = await fetch(url, {
      method: method.toUpperCase(),
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
      redirect: 'manual',
    });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json');
    const answer = {
      status: response.status,
      headers: response.headers,
      text,
      body: json && text !== '' ? (JSON.parse(text) as unknown) : text,
    };
    expectDocumented(route, method, answer);
    return answer;
  }

  const tokenFor = (security: unknown): Record<string, string> => {
    const roles = (Array.isArray(security) ? security : []).flatMap((requirement: Json) =>
      Array.isArray(requirement['bearerAuth']) ? (requirement['bearerAuth'] as string[]) : [],
    );
    if (roles.length === 0) return {};
    return { authorization: `Bearer ${roles.includes('admin') ? ADMIN_TOKEN : READ_TOKEN}` };
  };

  const signed = (
    body: string,
    events: unknown,
    more: { id?: string; contentType?: string; headers?: Record<string, string> } = {},
  ): Record<string, string> => ({
    ...signedHeaders(body, secretFor(events, more.headers), {
      nowMs: Date.now(),
      ...(more.id === undefined ? {} : { id: more.id }),
    }),
    ...(more.contentType === undefined ? {} : { 'content-type': more.contentType }),
    ...more.headers,
  });

  it('serves the document it is checked against at /openapi.json', async () => {
    const answer = await call('get', '/openapi.json');
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual(JSON.parse(JSON.stringify(document)));
  });

  it('answers every documented example as documented', async () => {
    let driven = 0;
    for (const [route, item] of entries(document['paths'])) {
      for (const [method, op] of entries(item)) {
        const parameters = (op['parameters'] ?? []) as Json[];
        const resolvedParameters = parameters.map((parameter) => deref(parameter, '')[0]);
        const bodies = new Map<string, { mediaType: string; value: unknown }>();
        for (const [mediaType, content] of entries((op['requestBody'] as Json | undefined)?.['content'])) {
          for (const [name, example] of entries(content['examples']))
            bodies.set(name, { mediaType, value: example['value'] });
        }
        const names = new Set([
          ...bodies.keys(),
          ...resolvedParameters.flatMap((parameter) => Object.keys((parameter['examples'] ?? {}) as Json)),
        ]);
        const required = resolvedParameters.filter((parameter) => parameter['required'] === true);
        if (names.size === 0 && required.length === 0 && op['requestBody'] === undefined) names.add('(none)');
        for (const name of names) {
          const value = (parameter: Json) =>
            (parameter['examples'] as Record<string, Json> | undefined)?.[name]?.['value'] as string | undefined;
          if (required.some((parameter) => value(parameter) === undefined)) continue;
          let path = route;
          const query: Record<string, string> = {};
          const given: Record<string, string> = {};
          for (const parameter of resolvedParameters) {
            const example = value(parameter);
            if (example === undefined) continue;
            if (parameter['in'] === 'path')
              path = path.replace(`{${String(parameter['name'])}}`, encodeURIComponent(example));
            else if (parameter['in'] === 'header') given[String(parameter['name'])] = example;
            else query[String(parameter['name'])] = example;
          }
          const body = bodies.get(name);
          const text = body === undefined ? undefined : JSON.stringify(body.value);
          const headers = {
            ...tokenFor(op['security']),
            ...(body === undefined || text === undefined
              ? given
              : signed(text, body.value, { contentType: body.mediaType, headers: given })),
          };
          // The documented answer to this example: the response holding an example of the same name.
          const expected = entries(op['responses']).flatMap(([status, response]) =>
            entries(deref(response, '')[0]['content']).flatMap(([, content]) => {
              const example = (content['examples'] as Record<string, Json> | undefined)?.[name];
              return example === undefined ? [] : [{ status: Number(status), value: example['value'] }];
            }),
          )[0];
          const send = () =>
            call(method, route, { path, query, headers, ...(text === undefined ? {} : { body: text }) });
          // Reads follow the store a few milliseconds behind: a documented read is awaited until it holds.
          const answer =
            expected !== undefined && method === 'get'
              ? await waitFor(
                  async () => {
                    const candidate = await send();
                    return JSON.stringify(candidate.body) === JSON.stringify(expected.value) ? candidate : undefined;
                  },
                  { timeoutMs: 10_000, what: `${method} ${path} to answer its documented example ${name}` },
                ).catch(async () => send())
              : await send();
          driven++;
          if (expected !== undefined) {
            expect(answer.status, `${method.toUpperCase()} ${path} example ${name}`).toBe(expected.status);
            expect(answer.body, `${method.toUpperCase()} ${path} example ${name}`).toEqual(expected.value);
          } else {
            expect(
              answer.status,
              `${method.toUpperCase()} ${path} example ${name}: ${answer.text.slice(0, 200)}`,
            ).toBeLessThan(400);
          }
        }
      }
    }
    expect(driven).toBeGreaterThan(15);
  });

  it('answers every other documented refusal with its documented body and headers', async () => {
    const sms = (id: string, source = 'https://postscript.example/sms', customer = 'cus_contract') => ({
      specversion: '1.0',
      id,
      source,
      type: 'message.received',
      time: '2026-03-04T09:00:00Z',
      subject: customer,
      data: { channel: 'sms', customer: { id: customer }, message: { id: `m-${id}`, body: 'Bonjour' } },
    });
    const post = (events: unknown, more: { id?: string; contentType?: string; unsigned?: boolean } = {}) => {
      const body = JSON.stringify(events);
      return call('post', '/v1/events', {
        body,
        headers:
          more.unsigned === true ? { 'content-type': 'application/cloudevents+json' } : signed(body, events, more),
      });
    };
    const read = { authorization: `Bearer ${READ_TOKEN}` };

    expect((await post(sms('c-1'), { unsigned: true })).status).toBe(401);
    expect(
      (
        await post([sms('c-2'), sms('c-3', 'https://helpdesk.example/agents')], {
          contentType: 'application/cloudevents-batch+json',
        })
      ).status,
    ).toBe(403);
    const posing = { ...sms('c-scope'), data: { ...sms('c-scope').data, integration: 'helpdesk' } };
    expect((await post(posing)).status).toBe(403);
    expect((await post(sms('c-4'), { id: 'msg_contract_reused' })).status).toBe(202);
    expect((await post(sms('c-5'), { id: 'msg_contract_reused' })).status).toBe(409);
    expect(
      (
        await post(
          Array.from({ length: MAX_BATCH + 1 }, (_, i) => sms(`c-big-${i}`)),
          { contentType: 'application/json' },
        )
      ).status,
    ).toBe(413);
    expect(
      (await post({ ...sms('c-6'), data: { ...sms('c-6').data, message: { id: 'm-long', body: 'x'.repeat(20_000) } } }))
        .status,
    ).toBe(413);
    expect((await post([], { contentType: 'application/json' })).status).toBe(400);
    expect(
      (await call('post', '/v1/events', { body: '{"specversion":', headers: { 'content-type': 'application/json' } }))
        .status,
    ).toBe(400);
    expect(
      (await call('post', '/v1/events', { body: '<event/>', headers: { 'content-type': 'application/xml' } })).status,
    ).toBe(415);
    const data = JSON.stringify(sms('c-bin').data);
    const binaryHeaders = {
      'ce-specversion': '1.0',
      'ce-id': 'c-bin',
      'ce-source': 'https://postscript.example/sms',
      'ce-type': 'message.received',
      'ce-time': '2026-03-04T09:00:00Z',
    };
    expect(
      (
        await call('post', '/v1/events', {
          body: data,
          headers: signed(data, [], { contentType: 'application/json', headers: binaryHeaders }),
        })
      ).status,
    ).toBe(400);
    const unknownTicket = {
      ...sms('c-7', 'https://helpdesk.example/agents'),
      type: 'message.sent',
      data: { ticketId: 'tk_nobody', message: { id: 'm-7', body: 'Hello' }, author: { type: 'agent' } },
    };
    expect((await post(unknownTicket)).status).toBe(422);
    const throttled = Array.from({ length: MAX_BATCH }, (_, i) =>
      sms(`t-${i}`, 'https://throttled.example/sms', 'cus_throttled'),
    );
    expect((await post(throttled, { contentType: 'application/cloudevents-batch+json' })).status).toBe(202);
    expect((await post(sms('t-more', 'https://throttled.example/sms', 'cus_throttled'))).status).toBe(429);

    expect((await call('get', '/v1/tickets', { headers: read })).status).toBe(400);
    // Every route that needs a token, without one.
    for (const [route, item] of entries(document['paths'])) {
      for (const [method, op] of entries(item)) {
        if (Object.keys(tokenFor(op['security'])).length === 0) continue;
        expect(
          (await call(method, route, { path: route.replace('{id}', 'x'), query: { customer: 'cus_marie' } })).status,
          `${method} ${route}`,
        ).toBe(401);
      }
    }
    expect(
      (
        await call('get', '/v1/tickets/{id}/timeline', {
          path: '/v1/tickets/tk_x/timeline',
          query: { at: 'yesterday' },
          headers: read,
        })
      ).status,
    ).toBe(400);
    expect(
      (await call('get', '/v1/tickets/{id}/timeline', { path: '/v1/tickets/tk_x/timeline', headers: read })).status,
    ).toBe(404);
    expect(
      (
        await call('get', '/v1/customers/{id}/timeline', {
          path: '/v1/customers/cus_x/timeline',
          query: { at: 'yesterday' },
          headers: read,
        })
      ).status,
    ).toBe(400);
    expect(
      (await call('post', '/v1/customers/{id}/erase', { path: '/v1/customers/cus_contract/erase', headers: read }))
        .status,
    ).toBe(403);
    expect(
      (
        await call('post', '/v1/customers/{id}/erase', {
          path: `/v1/customers/${encodeURIComponent(' ')}/erase`,
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).status,
    ).toBe(400);
    expect(
      (
        await call('post', '/v1/customers/{id}/erase', {
          path: '/v1/customers/cus_never_seen/erase',
          headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
        })
      ).status,
    ).toBe(404);
    expect((await call('get', '/ui/', {})).status).toBe(401);
    expect(
      (await call('get', '/ui/tickets/{id}', { path: '/ui/tickets/tk_x', query: { at: 'yesterday' }, headers: read }))
        .status,
    ).toBe(400);
    expect((await call('get', '/ui/tickets/{id}', { path: '/ui/tickets/tk_x', headers: read })).status).toBe(404);
    expect((await call('get', '/ui/customers/{id}', { path: '/ui/customers/cus_x', headers: read })).status).toBe(404);
    expect(
      (
        await call('get', '/ui/customers/{id}', {
          path: '/ui/customers/cus_x',
          query: { at: 'yesterday' },
          headers: read,
        })
      ).status,
    ).toBe(400);
    expect((await call('get', '/ui/find', { headers: read })).status).toBe(400);
    expect((await call('get', '/ui/find', { query: { q: 'nobody' }, headers: read })).status).toBe(404);
  });

  it('lets the worked example post signed events, and post them again with nothing stored twice', async () => {
    const events = ['w-1', 'w-2', 'w-3'].map((id, i) => ({
      specversion: '1.0',
      id,
      source: 'https://postscript.example/sms',
      type: 'message.received',
      time: `2026-03-05T09:0${i}:00Z`,
      subject: 'cus_worked',
      data: { channel: 'sms', customer: { id: 'cus_worked' }, message: { id: `m-${id}`, body: 'Bonjour' } },
    }));
    const file = join(dir.path, 'events.ndjson');
    writeFileSync(file, events.map((event) => JSON.stringify(event)).join('\n'));
    const env = { TICKETS_URL: server.base, TICKETS_SIGN_SECRET: POSTSCRIPT_NEW, BATCH_SIZE: '2' };
    expect(await runExample('post-signed-events.mjs', [file], env)).toEqual([
      { events: 2, accepted: 2, duplicate: 0, rejected: 0 },
      { events: 1, accepted: 1, duplicate: 0, rejected: 0 },
    ]);
    expect(await runExample('post-signed-events.mjs', [file], env)).toEqual([
      { events: 2, accepted: 0, duplicate: 2, rejected: 0 },
      { events: 1, accepted: 0, duplicate: 1, rejected: 0 },
    ]);
  });

  it('has exercised every documented answer but the ones a healthy test server cannot give', () => {
    // 500 (a bug), 503 (not ready), 501 (encryption off) and 404 on /metrics (metrics off) need a broken or differently configured server.
    const unreachable = new Set([
      'post /v1/events 500',
      'get /readyz 503',
      'post /v1/customers/{id}/erase 501',
      'get /metrics 404',
    ]);
    const documented = entries(document['paths']).flatMap(([route, item]) =>
      entries(item).flatMap(([method, op]) =>
        Object.keys(op['responses'] as Json).map((status) => `${method} ${route} ${status}`),
      ),
    );
    expect(documented.filter((answer) => !seen.has(answer) && !unreachable.has(answer))).toEqual([]);
  });
});

describe('the Kafka topics against their AsyncAPI document', () => {
  const document = asyncApiDocument();
  const check = documentValidator(document, 'draft-07');
  const suffix = randomUUID().slice(0, 8);
  const topics = {
    inbound: `contract-in-${suffix}`,
    deadLetters: `contract-dlq-${suffix}`,
    commands: `contract-cmd-${suffix}`,
    state: `contract-state-${suffix}`,
  };
  const kafkaEnv = {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS,
    KAFKA_TOPIC_INBOUND: topics.inbound,
    KAFKA_TOPIC_DLQ: topics.deadLetters,
    KAFKA_TOPIC_COMMANDS: topics.commands,
    KAFKA_TOPIC_STATE: topics.state,
    KAFKA_GROUP_INGEST: `contract-ingest-${suffix}`,
    KAFKA_PARTITIONS: '1',
  };
  const dir = tempDir();
  let server: ServeProcess;
  let setup: KafkaSetup;

  beforeAll(async () => {
    server = await startServe(['--store', `sqlite:${join(dir.path, 'tickets.db')}`, '--commands', 'kafka'], kafkaEnv);
    const found = await kafkaFromEnv(kafkaEnv, createLogger({ level: 'silent' }));
    if (found === null) throw new Error('no Kafka');
    setup = found;
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
    dir[Symbol.dispose]();
  });

  interface Received {
    readonly key: string | null;
    readonly value: Buffer | null;
    readonly headers: Record<string, string>;
  }

  async function readTopic(topic: string, enough: (records: Received[]) => boolean): Promise<Received[]> {
    const consumer = setup.kafka.consumer({ groupId: `contract-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    const records: Received[] = [];
    await consumer.connect();
    try {
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      await consumer.run({
        eachMessage: async ({ message }) => {
          const headers: Record<string, string> = {};
          for (const [name, value] of Object.entries(message.headers ?? {}))
            headers[name] = String(Array.isArray(value) ? value[0] : value);
          records.push({ key: message.key?.toString() ?? null, value: message.value, headers });
        },
      });
      await waitFor(() => (enough(records) ? true : undefined), { timeoutMs: 30_000, what: `records on ${topic}` });
      return records;
    } finally {
      await consumer.disconnect();
    }
  }

  const channel = (name: string) => (document['channels'] as Record<string, Json>)[name]!;
  const messageOf = (ref: Json): [string, Json] => {
    const id = String(ref['$ref']).split('/').at(-1)!;
    return [id, ((document['components'] as Json)['messages'] as Record<string, Json>)[id]!];
  };

  /** The record is one of the channel's messages: key, headers and payload each valid against it. */
  function expectDocumentedRecord(channelName: string, record: Received): string {
    const failures: string[] = [];
    for (const [, ref] of entries(channel(channelName)['messages'])) {
      const [id, message] = messageOf(ref);
      const at = pointerOf('components', 'messages', id);
      const contentType = String(message['contentType'] ?? document['defaultContentType']);
      const payload = contentType.includes('json')
        ? (JSON.parse(record.value?.toString('utf8') ?? 'null') as unknown)
        : record.value;
      const problems = [
        ...check(`${at}/headers`, record.headers),
        ...check(`${at}/bindings/kafka/key`, record.key),
        ...(contentType.includes('json') ? check(`${at}/payload`, payload) : []),
      ];
      if (problems.length === 0) return id;
      failures.push(`${id}: ${problems.join('; ')}`);
    }
    throw new Error(
      `a record on ${channelName} matches none of its documented messages:\n${failures.join('\n')}\nkey ${record.key} headers ${JSON.stringify(record.headers)}`,
    );
  }

  it('consumes the documented inbound examples, and publishes documented dead letters, commands and states', async () => {
    const producer = setup.kafka.producer();
    await producer.connect();
    const examples = entries(channel('inbound')['messages']).flatMap(([, ref]) =>
      ((messageOf(ref)[1]['examples'] ?? []) as Json[]).map((example) => ({ message: messageOf(ref)[0], example })),
    );
    // The dead-letter example's record as it was sent: its original headers, its payload.
    const refused = (
      (((document['components'] as Json)['messages'] as Json)['DeadLetter'] as Json)['examples'] as Json[]
    )[0]!;
    const originalHeaders = Object.fromEntries(
      Object.entries(refused['headers'] as Record<string, string>).filter(([name]) => !name.startsWith('dlq_')),
    );
    const keyOf = (example: Json) => {
      const payload = example['payload'] as { subject?: string };
      return payload.subject ?? (example['headers'] as Record<string, string>)['ce_subject']!;
    };
    try {
      await producer.send({
        topic: topics.inbound,
        messages: [
          ...examples.map(({ example }) => ({
            key: keyOf(example),
            value: JSON.stringify(example['payload']),
            headers: example['headers'] as Record<string, string>,
          })),
          { key: keyOf(refused), value: JSON.stringify(refused['payload']), headers: originalHeaders },
        ],
      });
    } finally {
      await producer.disconnect();
    }
    expect(new Set(examples.map(({ message }) => message))).toEqual(new Set(['InboundBinary', 'InboundStructured']));

    const [letter] = await readTopic(topics.deadLetters, (records) => records.length >= 1);
    expect(expectDocumentedRecord('deadLetters', letter!)).toBe('DeadLetter');
    expect(
      check(pointerOf('components', 'schemas', 'DeadLetterReasons'), JSON.parse(letter!.headers['dlq_reasons']!)),
    ).toEqual([]);
    expect(letter!.value?.toString('utf8')).toBe(JSON.stringify(refused['payload']));
    expect(letter!.key).toBe(keyOf(refused));
    expect(letter!.headers).toMatchObject({
      ...originalHeaders,
      dlq_topic: topics.inbound,
      dlq_reasons: (refused['headers'] as Record<string, string>)['dlq_reasons'],
    });

    // Both messages went to the same ticket: its latest state holds two messages.
    const states = await readTopic(topics.state, (records) =>
      records.some(
        (record) => (JSON.parse(record.value!.toString('utf8')) as { messageCount: number }).messageCount === 2,
      ),
    );
    for (const record of states) {
      expect(expectDocumentedRecord('state', record)).toBe('TicketState');
      expect(record.key).toBe((JSON.parse(record.value!.toString('utf8')) as { ticketId: string }).ticketId);
    }

    // The reopen fires the default rule's three commands: a tag, a team, an acknowledgment.
    const commands = await readTopic(topics.commands, (records) => records.length >= 3);
    for (const record of commands) {
      const command = JSON.parse(record.value!.toString('utf8')) as { type: string; subject: string };
      const message = expectDocumentedRecord('commands', record);
      expect(((document['components'] as Json)['messages'] as Record<string, Json>)[message]!['name']).toBe(
        command.type,
      );
      expect(record.key).toBe(command.subject);
    }

    // The worked consumer applies each command once; a second group reading them all again applies none.
    const consume = (group: string) =>
      runExample(
        'apply-commands.mjs',
        [
          '--db',
          join(dir.path, 'applied.db'),
          '--group',
          `${group}-${suffix}`,
          '--topic',
          topics.commands,
          '--idle-ms',
          '1500',
        ],
        { KAFKA_BROKERS: TEST_KAFKA_BROKERS },
      );
    const ids = new Set(commands.map((record) => (JSON.parse(record.value!.toString('utf8')) as { id: string }).id));
    expect(await consume('first')).toEqual([{ applied: ids.size, alreadyApplied: commands.length - ids.size }]);
    expect(await consume('again')).toEqual([{ applied: 0, alreadyApplied: commands.length }]);
  }, 120_000);
});
