import { request as httpRequest, maxHeaderSize } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, inboundKey } from '@tickets/domain';
import { encodeHttpHeaderValue } from '@tickets/messaging';
import { createLogger } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import { inboundStream } from '@tickets/streams';
import { messageReceived, tempDir } from '@tickets/testing';
import { createHttpApp, openRuntime, type Runtime } from '../src/index.js';
import { asBinaryMode, headerMutation, hostileShape, render, type HostileInput } from './hostile-inputs.js';

// Invariant 6 at the HTTP boundary, by fuzzing: 10 000 generated hostile bodies through the real
// app (fastify inject), over a quarter of them as CloudEvents binary-mode requests (the attributes
// in percent-encoded `ce-*` headers, some dropped, garbled or added), then binary-mode requests,
// truncated bodies and invalid UTF-8 through a real socket. Every input is either refused with a
// 4xx and a reason, the store untouched, or answered 202 with one result per event and exactly the
// accepted events stored. Never a 5xx, never a crash, never a polluted prototype.

const logger = createLogger({ level: 'silent' });
const CONTENT_TYPES = [
  'application/json',
  'application/cloudevents+json',
  'application/cloudevents-batch+json',
  'application/json; charset=utf-8',
  'text/plain',
  undefined,
];
const PROTOTYPE_KEYS = Object.getOwnPropertyNames(Object.prototype).sort();

interface Answer {
  readonly status: number;
  readonly body: string;
}
interface Result {
  readonly status: string;
  readonly id?: string;
  readonly source?: string;
  readonly ticketId?: string;
  readonly reasons?: unknown[];
}

/** What the boundary must have done with one input, given the answer and the store before and after. */
async function checkAnswer(
  runtime: Runtime,
  input: HostileInput,
  answer: Answer,
  headBefore: number,
  known: string[],
): Promise<string> {
  const where = `${input.what} → ${answer.status} ${answer.body.slice(0, 300)}`;
  expect(answer.status, where).toBeLessThan(500);
  const headAfter = await runtime.store.headPosition();
  const body = JSON.parse(answer.body) as { results?: Result[]; error?: { code: string; message: string } };
  if (answer.status !== 202) {
    // Refused: a reason, and nothing of the request stored.
    expect(body.error?.code, where).toEqual(expect.any(String));
    expect(body.error?.message, where).not.toBe('');
    expect(headAfter, where).toBe(headBefore);
    return `${answer.status} ${body.error?.code}`;
  }
  const results = body.results ?? [];
  expect(results.length, where).toBeGreaterThan(0);
  for (const result of results) {
    expect(['accepted', 'duplicate', 'rejected'], where).toContain(result.status);
    if (result.status === 'rejected') expect(result.reasons?.length, where).toBeGreaterThan(0);
    if (result.status === 'accepted') {
      // Processed correctly: the event is in the inbound log, once.
      expect(await runtime.store.readStream(inboundStream(inboundKey(result.source!, result.id!))), where).toHaveLength(
        1,
      );
      known.push(result.ticketId!);
    }
  }
  const anyAccepted = results.some((r) => r.status === 'accepted');
  if (anyAccepted) expect(headAfter, where).toBeGreaterThan(headBefore);
  else expect(headAfter, where).toBe(headBefore);
  return `202 ${[...new Set(results.map((r) => r.status))].sort().join('+')}`;
}

describe('fuzzing the HTTP boundary (invariant 6)', () => {
  let dir: ReturnType<typeof tempDir>;
  let runtime: Runtime;
  let app: FastifyInstance;
  const known: string[] = [];

  beforeAll(async () => {
    dir = tempDir();
    runtime = await openRuntime({
      store: `sqlite:${join(dir.path, 'fuzz.db')}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger,
    });
    app = createHttpApp({ runtime, logger });
  });
  afterAll(async () => {
    await app.close();
    await runtime.close();
    dir[Symbol.dispose]();
  });

  it(
    '10 000 generated hostile bodies: each refused with a reason and nothing stored, or processed; no 5xx; no prototype pollution',
    { timeout: 180_000 },
    async () => {
      const outcomes = new Map<string, number>();
      let inputs = 0;
      let binaryRequests = 0;
      const binaryOutcomes = new Map<string, number>();
      await fc.assert(
        fc.asyncProperty(
          hostileShape,
          fc.constantFrom(...CONTENT_TYPES),
          fc.option(headerMutation, { freq: 2 }),
          async (shape, contentType, binaryMode) => {
            inputs++;
            const rendered = render(shape, { ids: known });
            const binary = binaryMode === null ? null : asBinaryMode(rendered, binaryMode, encodeHttpHeaderValue);
            const input: HostileInput = binary ?? rendered;
            if (binary !== null) binaryRequests++;
            const headBefore = await runtime.store.headPosition();
            const response = await app.inject({
              method: 'POST',
              url: '/v1/events',
              payload: input.bytes,
              headers: { ...binary?.headers, ...(contentType === undefined ? {} : { 'content-type': contentType }) },
            });
            const outcome = await checkAnswer(
              runtime,
              input,
              { status: response.statusCode, body: response.body },
              headBefore,
              known,
            );
            outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
            if (binary !== null) binaryOutcomes.set(outcome, (binaryOutcomes.get(outcome) ?? 0) + 1);
            expect(Object.getOwnPropertyNames(Object.prototype).sort(), input.what).toEqual(PROTOTYPE_KEYS);
            expect(({} as Record<string, unknown>)['polluted'], input.what).toBeUndefined();
          },
        ),
        { numRuns: 10_000 },
      );
      expect(inputs).toBeGreaterThanOrEqual(10_000);
      // Binary mode reached acceptance, header refusals and the validation shared with structured mode.
      console.info(
        'HTTP fuzz outcomes in binary mode',
        binaryRequests,
        Object.fromEntries([...binaryOutcomes].sort(([a], [b]) => a.localeCompare(b))),
      );
      expect(binaryRequests).toBeGreaterThan(1_000);
      for (const expected of ['202 accepted', '400 REQUEST.INVALID_HEADERS', '400 REQUEST.INVALID_EVENTS'])
        expect([...binaryOutcomes.keys()], expected).toContain(expected);
      // The generator reached every kind of answer (printed, so the mix is visible in the test log).
      console.info('HTTP fuzz outcomes', Object.fromEntries([...outcomes].sort(([a], [b]) => a.localeCompare(b))));
      const kinds = [...outcomes.keys()];
      for (const expected of [
        '202 accepted',
        '400 REQUEST.INVALID_EVENTS',
        '400 REQUEST.INVALID_HEADERS',
        '400 FST_ERR_CTP_INVALID_JSON_BODY',
        '415 FST_ERR_CTP_INVALID_MEDIA_TYPE',
      ]) {
        expect(kinds, expected).toContain(expected);
      }
      expect(kinds.some((k) => k.startsWith('202') && k.includes('rejected'))).toBe(true);

      // Everything stored is fit for the rest of the pipeline: the reactor and the projector take it all.
      await runtime.settle();
      expect((await runtime.readModel.all()).length).toBeGreaterThan(0);
      const fine = await app.inject({
        method: 'POST',
        url: '/v1/events',
        payload: messageReceived({ id: 'after-fuzz', time: '2026-03-02T08:00:00Z', body: 'Bonjour' }),
      });
      expect(fine.statusCode).toBe(202);
    },
  );

  describe('through a real socket', () => {
    let port: number;
    beforeAll(async () => {
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      port = typeof address === 'object' && address !== null ? address.port : 0;
    });

    /** `ownConnection`: not through the keep-alive pool, where a socket the server just shut could be picked. */
    const post = (
      bytes: Buffer,
      contentType = 'application/json',
      headers: Record<string, string> = {},
      ownConnection = false,
    ): Promise<Answer> =>
      new Promise((resolve, reject) => {
        const options = {
          host: '127.0.0.1',
          port,
          method: 'POST',
          path: '/v1/events',
          headers: { ...headers, 'content-type': contentType, 'content-length': bytes.length },
        };
        const request = httpRequest(ownConnection ? { ...options, agent: false } : options, (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () =>
            resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
          );
        });
        request.on('error', reject);
        request.end(bytes);
      });

    /**
     * The head of a JSON request `post` sends on its own connection, as Node's parser counts it against
     * `maxHeaderSize` (the app leaves Node's default): the URL, and every header's name and value in
     * Latin-1, the client's own headers included; separators not counted (checked against Node 24).
     */
    const counted = (headers: Record<string, string>, bytes: Buffer): number =>
      Object.entries({
        ...headers,
        'content-type': 'application/json',
        'content-length': String(bytes.length),
        host: `127.0.0.1:${port}`,
        connection: 'close',
      }).reduce(
        (sum, [name, value]) => sum + Buffer.byteLength(name, 'latin1') + Buffer.byteLength(value, 'latin1'),
        '/v1/events'.length,
      );

    /** Bytes either side of the head limit where spaces the parser skips could tip the answer. */
    const NEAR_LIMIT = 64;

    /**
     * `post` on its own connection; a head the parser refuses may close the connection while the body
     * is still being written (reset, broken pipe): that answer is a 431 too.
     */
    const postHead = (bytes: Buffer, headers: Record<string, string>): Promise<Answer> =>
      post(bytes, 'application/json', headers, true).catch((error: NodeJS.ErrnoException) => {
        if (error.code === 'ECONNRESET' || error.code === 'EPIPE') return { status: 431, body: '' };
        throw error;
      });

    it(
      '500 binary-mode requests with real headers: the same answers as in process, or 431 for headers over the server limit',
      { timeout: 60_000 },
      async () => {
        let sent = 0;
        await fc.assert(
          fc.asyncProperty(hostileShape, headerMutation, async (shape, mutation) => {
            const binary = asBinaryMode(render(shape, { ids: known }), mutation, encodeHttpHeaderValue);
            if (binary === null) return;
            sent++;
            const headBefore = await runtime.store.headPosition();
            // A head that reaches the limit gets 431. The parser skips spaces around a value, so near
            // the limit either answer is right, and each is checked in full.
            const size = counted(binary.headers, binary.bytes);
            const answer =
              size < maxHeaderSize - NEAR_LIMIT
                ? await post(binary.bytes, 'application/json', binary.headers, true)
                : await postHead(binary.bytes, binary.headers);
            if (size >= maxHeaderSize + NEAR_LIMIT || (size >= maxHeaderSize - NEAR_LIMIT && answer.status === 431)) {
              expect(answer.status, `${binary.what} (${size} header bytes)`).toBe(431);
              expect(await runtime.store.headPosition()).toBe(headBefore);
              return;
            }
            await checkAnswer(runtime, binary, answer, headBefore, known);
          }),
          { numRuns: 500 },
        );
        expect(sent).toBeGreaterThan(100);
      },
    );

    it('a head one byte under the server limit is answered by the app; a head at the limit gets 431, nothing stored', async () => {
      const answers: number[] = [];
      for (const [n, under] of [
        [1, 1],
        [2, 0],
      ] as const) {
        const { data, ...attributes } = messageReceived({
          id: `head-limit-${n}`,
          time: '2026-03-02T09:00:00Z',
          body: 'Bonjour',
        });
        const bytes = Buffer.from(JSON.stringify(data));
        const headers: Record<string, string> = Object.fromEntries(
          Object.entries(attributes).map(([name, value]) => [`ce-${name}`, String(value)]),
        );
        // An extension attribute pads the head to the size wanted.
        headers['ce-xpad'] = '';
        headers['ce-xpad'] = 'x'.repeat(maxHeaderSize - under - counted(headers, bytes));
        expect(counted(headers, bytes)).toBe(maxHeaderSize - under);
        const headBefore = await runtime.store.headPosition();
        const answer = await postHead(bytes, headers);
        answers.push(answer.status);
        if (under === 1) expect(await runtime.store.headPosition()).toBeGreaterThan(headBefore);
        else expect(await runtime.store.headPosition()).toBe(headBefore);
      }
      expect(answers).toEqual([202, 431]);
    });

    /** Announces `announced` bytes, sends fewer, then closes its side: the body never completes. */
    const truncated = (bytes: Buffer, announced: number): Promise<string> =>
      new Promise((resolve) => {
        const socket = connect(port, '127.0.0.1', () => {
          socket.write(
            `POST /v1/events HTTP/1.1\r\nhost: x\r\ncontent-type: application/json\r\ncontent-length: ${announced}\r\n\r\n`,
          );
          socket.end(bytes);
        });
        let answer = '';
        socket.on('data', (chunk) => (answer += chunk.toString('utf8')));
        socket.on('close', () => resolve(answer));
        socket.on('error', () => resolve(answer));
      });

    it(
      '500 hostile bodies, invalid UTF-8 among them: the same answers as in process',
      { timeout: 60_000 },
      async () => {
        await fc.assert(
          fc.asyncProperty(hostileShape, async (shape) => {
            const input = render(shape, { ids: known });
            const headBefore = await runtime.store.headPosition();
            await checkAnswer(runtime, input, await post(input.bytes), headBefore, known);
          }),
          { numRuns: 500 },
        );
      },
    );

    it(
      '200 bodies cut short of their content-length: no answer but a 4xx, nothing stored, the server keeps serving',
      { timeout: 60_000 },
      async () => {
        await fc.assert(
          fc.asyncProperty(hostileShape, fc.integer({ min: 1, max: 10_000 }), async (shape, missing) => {
            const input = render(shape, { ids: known });
            const headBefore = await runtime.store.headPosition();
            const answer = await truncated(input.bytes, input.bytes.length + missing);
            // Either the server says why (400, 413) or it drops the incomplete request; never 5xx.
            const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(answer)?.[1] ?? '0');
            expect(status === 0 || (status >= 400 && status < 500), `${input.what}: ${answer.slice(0, 200)}`).toBe(
              true,
            );
            expect(await runtime.store.headPosition()).toBe(headBefore);
          }),
          { numRuns: 200 },
        );
        const health = await post(
          Buffer.from(
            JSON.stringify(messageReceived({ id: 'after-truncated', time: '2026-03-02T08:00:00Z', body: 'Bonjour' })),
          ),
        );
        expect(health.status).toBe(202);
      },
    );
  });
});
