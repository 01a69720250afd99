import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { Writable } from 'node:stream';
import { once } from 'node:events';
import { join } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_REOPEN_POLICY, DEFAULT_RULES, ticketIdFor } from '@tickets/domain';
import { createLogger, type SecurityConfig } from '@tickets/platform';
import { createMemorySink } from '@tickets/rule-reactor';
import {
  agentEvent,
  AGENT_SOURCE,
  messageReceived,
  SMS_SOURCE,
  ticketCreated,
  tempDir,
  waitFor,
} from '@tickets/testing';
import { createHttpApp, openRuntime, type Runtime } from '../src/index.js';
import { runTickets, BIN, REPO } from './cli-runner.js';
import {
  ADMIN_TOKEN,
  CHAT_SOURCE,
  CHATCO_SECRET,
  HELPDESK_SECRET,
  movableClock,
  POSTSCRIPT_NEW,
  POSTSCRIPT_OLD,
  READ_TOKEN,
  securedConfig,
  signedHeaders,
} from './signed-requests.js';

// Signed ingest, tokens on reads, limits and rate limits, through the HTTP API of `tickets serve`
// (in process, a clock the test moves), plus development mode as a real process.

const logger = createLogger({ level: 'silent' });
const START = '2026-03-02T09:00:00Z';

interface Fixture {
  readonly app: FastifyInstance;
  readonly runtime: Runtime;
  readonly time: ReturnType<typeof movableClock>;
}

describe('secured HTTP API', () => {
  let dir: ReturnType<typeof tempDir>;
  let fixture: Fixture;

  async function open(security: SecurityConfig, log = logger): Promise<Fixture> {
    const time = movableClock(START);
    const runtime = await openRuntime({
      store: `sqlite:${join(dir.path, `tickets-${Math.random()}.db`)}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink: createMemorySink(),
      logger,
    });
    const app = createHttpApp({ runtime, logger: log, security, clock: time.clock });
    // An admin-only route, as erasure and replays will be.
    app.get('/v1/admin/ping', { config: { access: 'admin' } }, async () => ({ ok: true }));
    return { app, runtime, time };
  }

  beforeEach(async () => {
    dir = tempDir();
    fixture = await open(securedConfig());
  });
  afterEach(async () => {
    await fixture.app.close();
    await fixture.runtime.close();
    dir[Symbol.dispose]();
  });

  const event = (id: string) =>
    messageReceived({ id, time: '2026-03-02T08:00:00Z', body: 'Bonjour, ma commande est en retard' });
  const post = (body: string | Buffer, headers: Record<string, string>): Promise<LightMyRequestResponse> =>
    fixture.app.inject({ method: 'POST', url: '/v1/events', payload: body, headers });
  const signedPost = (
    payload: unknown,
    secret = POSTSCRIPT_NEW,
    options: { id?: string; timestampSeconds?: number } = {},
  ) => {
    const body = JSON.stringify(payload);
    return post(body, signedHeaders(body, secret, { nowMs: fixture.time.nowMs(), ...options }));
  };
  const head = () => fixture.runtime.store.headPosition();

  /** Refused with `status`, and the store is exactly as before. */
  async function expectRefused(
    response: Promise<LightMyRequestResponse>,
    status: number,
    code: string,
  ): Promise<LightMyRequestResponse> {
    const before = await head();
    const answer = await response;
    expect(answer.statusCode).toBe(status);
    expect(answer.json<{ error: { code: string } }>().error.code).toBe(code);
    expect(await head()).toBe(before);
    return answer;
  }

  describe('signed ingest', () => {
    it('accepts an event signed with a current secret of the integration owning its source', async () => {
      const response = await signedPost(event('s-1'));
      expect(response.statusCode).toBe(202);
      expect(response.json()).toMatchObject({
        results: [{ status: 'accepted', id: 's-1', ticketId: ticketIdFor(SMS_SOURCE, 's-1') }],
      });
      expect(await head()).toBeGreaterThan(0);
    });

    it('accepts both secrets during a rotation, and a request carrying both signatures', async () => {
      expect((await signedPost(event('rot-old'), POSTSCRIPT_OLD)).statusCode).toBe(202);
      expect((await signedPost(event('rot-new'), POSTSCRIPT_NEW)).statusCode).toBe(202);
      const body = JSON.stringify(event('rot-both'));
      const old = signedHeaders(body, POSTSCRIPT_OLD, { nowMs: fixture.time.nowMs(), id: 'msg_rot' });
      const fresh = signedHeaders(body, POSTSCRIPT_NEW, { nowMs: fixture.time.nowMs(), id: 'msg_rot' });
      const both = { ...old, 'webhook-signature': `${old['webhook-signature']} ${fresh['webhook-signature']}` };
      expect((await post(body, both)).statusCode).toBe(202);
    });

    it('refuses a wrong secret, a tampered body, stale and future timestamps and missing headers: 401, one message, nothing stored', async () => {
      const body = JSON.stringify(event('bad-1'));
      const now = fixture.time.nowMs();
      const good = signedHeaders(body, POSTSCRIPT_NEW, { nowMs: now });
      const cases: [string, Promise<LightMyRequestResponse>][] = [
        ['wrong secret', post(body, signedHeaders(body, HELPDESK_SECRET, { nowMs: now }))],
        ['tampered body', post(body.replace('en retard', 'arrivée'), good)],
        ['stale', post(body, signedHeaders(body, POSTSCRIPT_NEW, { nowMs: now, timestampSeconds: now / 1000 - 301 }))],
        ['future', post(body, signedHeaders(body, POSTSCRIPT_NEW, { nowMs: now, timestampSeconds: now / 1000 + 301 }))],
        ['no headers', post(body, { 'content-type': 'application/json' })],
        ['no signature', post(body, { ...good, 'webhook-signature': '' })],
        ['unknown source', signedPost({ ...event('bad-2'), source: 'https://unknown.example/sms' })],
      ];
      const messages = new Set<string>();
      for (const [, response] of cases)
        messages.add(
          (await expectRefused(response, 401, 'AUTH.INVALID_SIGNATURE')).json<{ error: { message: string } }>().error
            .message,
        );
      // The sender learns what a signed request needs, not which check failed.
      expect(messages.size).toBe(1);
    });

    it("refuses a batch holding another integration's source (403), and a helpdesk event signed by Postscript", async () => {
      const agent = agentEvent('ticket.closed', {
        id: 'a-1',
        time: '2026-03-02T08:10:00Z',
        ticketId: ticketIdFor(SMS_SOURCE, 's-0'),
      });
      const answer = await expectRefused(signedPost([event('s-0'), agent]), 403, 'AUTH.FOREIGN_SOURCE');
      expect(answer.json<{ error: { message: string } }>().error.message).toContain('event 1');
      // Signed with Postscript's secret but claiming the helpdesk's source: not Postscript's to sign.
      await expectRefused(signedPost(agent, POSTSCRIPT_NEW), 401, 'AUTH.INVALID_SIGNATURE');
      // A look-alike host is not a sub-path of the owned prefix.
      await expectRefused(
        signedPost({ ...event('s-evil'), source: 'https://postscript.example.evil/sms' }),
        401,
        'AUTH.INVALID_SIGNATURE',
      );
    });

    it('answers a replayed request (same webhook-id, same body) idempotently, and refuses the id reused for another body', async () => {
      const body = JSON.stringify(event('r-1'));
      const headers = signedHeaders(body, POSTSCRIPT_NEW, { nowMs: fixture.time.nowMs(), id: 'msg_replay' });
      expect((await post(body, headers)).statusCode).toBe(202);
      const stored = await head();
      const replay = await post(body, headers);
      expect(replay.statusCode).toBe(202);
      expect(replay.json()).toMatchObject({ results: [{ status: 'duplicate', id: 'r-1' }] });
      expect(await head()).toBe(stored);

      const other = JSON.stringify(event('r-2'));
      await expectRefused(
        post(other, signedHeaders(other, POSTSCRIPT_NEW, { nowMs: fixture.time.nowMs(), id: 'msg_replay' })),
        409,
        'AUTH.WEBHOOK_ID_REUSED',
      );
      // Once the window has passed the captured request is stale anyway.
      fixture.time.advance(301_000);
      await expectRefused(post(body, headers), 401, 'AUTH.INVALID_SIGNATURE');
    });

    it("deduplicates a sender's retry days later (new webhook-id, new signature) by the event's source and id", async () => {
      expect((await signedPost(event('d-1'))).statusCode).toBe(202);
      const stored = await head();
      fixture.time.advance(3 * 24 * 3600_000);
      const retry = await signedPost(event('d-1'));
      expect(retry.statusCode).toBe(202);
      expect(retry.json()).toMatchObject({ results: [{ status: 'duplicate', id: 'd-1' }] });
      expect(await head()).toBe(stored);
    });

    it('needs no bearer token on POST /v1/events: the signature is its authentication', async () => {
      expect((await signedPost(event('nt-1'))).statusCode).toBe(202);
    });
  });

  describe('rate limit per integration (token bucket, events)', () => {
    it('answers 429 with Retry-After and RateLimit headers under a burst, for that integration only, and recovers', async () => {
      await fixture.app.close();
      await fixture.runtime.close();
      fixture = await open(
        securedConfig({
          integrations: securedConfig().integrations.map((integration) =>
            integration.name === 'postscript'
              ? { ...integration, rateLimit: { perSecond: 10, burst: 20 } }
              : integration,
          ),
          limits: { ...securedConfig().limits, maxBatchEvents: 20 },
        }),
      );
      const batch = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => event(`${prefix}-${i}`));
      const first = await signedPost(batch('b', 15));
      expect(first.statusCode).toBe(202);
      expect(first.headers['ratelimit-policy']).toBe('"events";q=20;w=2');
      expect(first.headers['ratelimit']).toBe('"events";r=5;t=2');

      const limited = await expectRefused(signedPost(batch('c', 10)), 429, 'REQUEST.RATE_LIMITED');
      expect(limited.headers['retry-after']).toBe('1');
      expect(limited.headers['ratelimit']).toBe('"events";r=5;t=2');
      // The helpdesk has its own bucket.
      const agent = agentEvent('ticket.tagged', {
        id: 'tag-1',
        time: '2026-03-02T08:20:00Z',
        ticketId: ticketIdFor(SMS_SOURCE, 'b-0'),
      });
      expect((await signedPost(agent, HELPDESK_SECRET)).statusCode).toBe(202);

      fixture.time.advance(1_000);
      expect((await signedPost(batch('c', 10))).statusCode).toBe(202);
    });
  });

  describe('limits', () => {
    it('refuses an event over 64 KiB (413, naming it), alone or in a batch, and stores nothing of the request', async () => {
      const big = { ...event('big-1'), data: { ...event('big-1').data, padding: 'x'.repeat(70_000) } };
      const answer = await expectRefused(signedPost([event('ok-1'), big]), 413, 'REQUEST.EVENT_TOO_LARGE');
      expect(answer.json()).toMatchObject({
        invalid: [{ index: 1, id: 'big-1', reasons: [{ path: '(event)', code: 'too_big' }] }],
      });
      await expectRefused(signedPost(big), 413, 'REQUEST.EVENT_TOO_LARGE');
    });

    it('refuses a message body over the length limit, naming the field', async () => {
      const long = messageReceived({ id: 'long-1', time: '2026-03-02T08:00:00Z', body: 'é'.repeat(16_385) });
      const answer = await expectRefused(signedPost(long), 413, 'REQUEST.EVENT_TOO_LARGE');
      expect(answer.json()).toMatchObject({
        invalid: [{ index: 0, reasons: [{ path: 'data.message.body', code: 'too_big' }] }],
      });
    });

    it('refuses more events than the batch limit, and a body over 1 MiB', async () => {
      const many = Array.from({ length: 1_001 }, (_, i) =>
        messageReceived({ id: `m-${i}`, time: '2026-03-02T08:00:00Z', body: 'x' }),
      );
      await expectRefused(signedPost(many), 413, 'REQUEST.BATCH_TOO_LARGE');
      const huge = Array.from({ length: 40 }, (_, i) => ({
        ...event(`h-${i}`),
        data: { ...event(`h-${i}`).data, padding: 'x'.repeat(30_000) },
      }));
      const before = await head();
      expect((await signedPost(huge)).statusCode).toBe(413);
      expect(await head()).toBe(before);
    });
  });

  describe('acknowledgement', () => {
    it('answers 202 only once the append has committed, and 500 (nothing stored) when it fails', async () => {
      const store = fixture.runtime.store;
      const append = store.appendMany.bind(store);
      let release!: () => void;
      const gate = new Promise<void>((resolve) => (release = resolve));
      store.appendMany = async (...args: Parameters<typeof append>) => {
        await gate;
        return append(...args);
      };
      let answered = false;
      const response = signedPost(event('ack-1')).then((answer) => ((answered = true), answer));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(answered).toBe(false);
      release();
      expect((await response).statusCode).toBe(202);
      expect(await head()).toBeGreaterThan(0);

      const stored = await head();
      store.appendMany = async () => {
        throw new Error('disk full');
      };
      const failed = await signedPost(event('ack-2'));
      expect(failed.statusCode).toBe(500);
      expect(await head()).toBe(stored);
    });
  });

  describe('slow clients', () => {
    it('closes a connection that stalls in the middle of a body, and stores nothing', async () => {
      await fixture.app.close();
      await fixture.runtime.close();
      fixture = await open(securedConfig({ timeouts: { requestMs: 30_000, idleMs: 300 } }));
      await fixture.app.listen({ host: '127.0.0.1', port: 0 });
      const address = fixture.app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const socket = connect(port, '127.0.0.1');
      await once(socket, 'connect');
      const started = Date.now();
      socket.write(
        'POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"specversion":"1.0",',
      );
      socket.resume();
      await once(socket, 'close');
      expect(Date.now() - started).toBeLessThan(5_000);
      expect(await head()).toBe(0);
    });
  });

  describe('tickets sign', () => {
    it('prints headers the server accepts for the exact file that is posted', async () => {
      const file = join(dir.path, 'event.json');
      writeFileSync(file, `${JSON.stringify(event('cli-1'))}\n`);
      const timestamp = String(Math.floor(fixture.time.nowMs() / 1000));
      const run = await runTickets([
        'sign',
        '--secret',
        POSTSCRIPT_NEW,
        '--body',
        file,
        '--id',
        'msg_cli',
        '--timestamp',
        timestamp,
      ]);
      expect(run.code).toBe(0);
      const headers = Object.fromEntries(
        run.stdout
          .trim()
          .split('\n')
          .map((line) => line.split(': ', 2) as [string, string]),
      );
      expect(Object.keys(headers)).toEqual(['webhook-id', 'webhook-timestamp', 'webhook-signature']);
      const response = await post(readFileSync(file, 'utf8'), {
        ...headers,
        'content-type': 'application/cloudevents+json',
      });
      expect(response.statusCode).toBe(202);
    });

    it('refuses a secret that is not a whsec_ key of 24 bytes or more (exit 2)', async () => {
      const run = await runTickets(['sign', '--secret', 'whsec_c2hvcnQ=', '--body', '/dev/null']);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('the key must be at least 24 bytes');
    });
  });

  describe('tokens on reads', () => {
    const get = (url: string, authorization?: string) =>
      fixture.app.inject({ method: 'GET', url, headers: authorization === undefined ? {} : { authorization } });

    it.each([
      '/v1/tickets?customer=cus_marie',
      '/v1/tickets/tk_x',
      '/v1/tickets/tk_x/timeline',
      '/v1/customers/cus_marie/timeline',
      '/ui/',
      '/ui/find?q=cus_marie',
      '/v1/nowhere',
    ])('%s: 401 without a token and with a wrong one', async (url) => {
      const none = await get(url);
      expect(none.statusCode).toBe(401);
      expect(none.json()).toEqual({
        error: { code: 'AUTH.UNAUTHORIZED', message: 'a valid bearer token is required' },
      });
      expect(none.headers['www-authenticate']).toMatch(url.startsWith('/ui') ? /^Basic / : /^Bearer /);
      expect((await get(url, 'Bearer not-the-token')).statusCode).toBe(401);
      expect((await get(url, `Bearer ${READ_TOKEN}x`)).statusCode).toBe(401);
      expect((await get(url, READ_TOKEN)).statusCode).toBe(401);
    });

    it('serves reads to a read token, and the pages to the token given as a Basic password', async () => {
      expect((await signedPost(event('t-1'))).statusCode).toBe(202);
      await fixture.runtime.settle();
      const tickets = await get('/v1/tickets?customer=cus_marie', `Bearer ${READ_TOKEN}`);
      expect(tickets.statusCode).toBe(200);
      expect(tickets.json<{ tickets: unknown[] }>().tickets).toHaveLength(1);
      expect(
        (await get(`/v1/tickets/${ticketIdFor(SMS_SOURCE, 't-1')}/timeline`, `Bearer ${ADMIN_TOKEN}`)).statusCode,
      ).toBe(200);
      const basic = `Basic ${Buffer.from(`engineer:${READ_TOKEN}`).toString('base64')}`;
      expect((await get('/ui/', basic)).statusCode).toBe(200);
    });

    it('answers GET / without a token: a redirect to /ui/, whose Basic challenge a browser can answer', async () => {
      const root = await get('/');
      expect(root.statusCode).toBe(302);
      expect(root.headers.location).toBe('/ui/');
      expect((await get('/ui/')).headers['www-authenticate']).toMatch(/^Basic /);
    });

    it('keeps admin routes for the admin role (403 for read)', async () => {
      expect((await get('/v1/admin/ping', `Bearer ${READ_TOKEN}`)).statusCode).toBe(403);
      expect((await get('/v1/admin/ping', `Bearer ${ADMIN_TOKEN}`)).statusCode).toBe(200);
    });

    it('leaves /healthz open', async () => {
      expect((await get('/healthz')).statusCode).toBe(200);
    });
  });

  describe('what hostile testing found (issue 14)', () => {
    const TIME = '2026-03-02T08:30:00Z';
    const VICTIM = { id: 'cus_victim', name: 'Victor Hugo', phone: '+33677777777' };
    const ATTACKER = { id: 'cus_victim', phone: '+33688888888' };
    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const asChatco = (payload: unknown) => signedPost(payload, CHATCO_SECRET);
    const fromChat = (options: Parameters<typeof messageReceived>[0]) => ({
      ...messageReceived(options),
      source: CHAT_SOURCE,
    });
    const messageOf = (answer: LightMyRequestResponse) => answer.json<{ error: { message: string } }>().error.message;
    const reasonsOf = (answer: LightMyRequestResponse) =>
      answer
        .json<{ invalid: { reasons: { path: string; code: string }[] }[] }>()
        .invalid.map((item) => item.reasons[0]);

    async function victimTicket(): Promise<string> {
      expect(
        (
          await signedPost(
            messageReceived({ id: 'v-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour', customer: VICTIM }),
          )
        ).statusCode,
      ).toBe(202);
      return ticketIdFor(SMS_SOURCE, 'v-1');
    }

    it("1: refuses an integration naming another integration, landing on or acting on another's ticket (403 AUTH.OUT_OF_SCOPE, nothing stored)", async () => {
      const victim = await victimTicket();
      const attacks: [string, unknown, string][] = [
        [
          'posing as postscript',
          fromChat({ id: 'c-1', time: TIME, body: 'x', customer: ATTACKER, channel: 'sms', integration: 'postscript' }),
          'data.integration',
        ],
        [
          "its own name, routed to postscript's SMS ticket",
          fromChat({ id: 'c-2', time: TIME, body: 'x', customer: ATTACKER, channel: 'sms', integration: 'chatco' }),
          'data.channel',
        ],
        [
          "naming postscript's ticket",
          fromChat({
            id: 'c-3',
            time: TIME,
            body: 'x',
            customer: ATTACKER,
            channel: 'chat',
            integration: 'chatco',
            ticketId: victim,
          }),
          'data.ticketId',
        ],
        ...(['ticket.closed', 'ticket.tagged', 'ticket.assigned', 'message.sent'] as const).map(
          (type): [string, unknown, string] => [
            type,
            {
              ...agentEvent(type, { id: `c-${type}`, time: TIME, ticketId: victim, customerId: VICTIM.id }),
              source: CHAT_SOURCE,
            },
            'data.ticketId',
          ],
        ),
      ];
      for (const [what, payload, path] of attacks) {
        const answer = await expectRefused(asChatco(payload), 403, 'AUTH.OUT_OF_SCOPE');
        expect(messageOf(answer), what).toContain(`event 0 (${(payload as { id: string }).id}): ${path}: `);
      }
      // A batch with one such event is refused whole.
      await expectRefused(
        asChatco([
          fromChat({ id: 'c-ok', time: TIME, body: 'x', customer: ATTACKER, channel: 'chat', integration: 'chatco' }),
          attacks[0]![1],
        ]),
        403,
        'AUTH.OUT_OF_SCOPE',
      );

      // Within its scope: its own channel and name, a ticket of its own, which it may then close.
      const own = await asChatco(
        fromChat({
          id: 'c-own',
          time: TIME,
          body: 'hello',
          customer: ATTACKER,
          channel: 'chat',
          integration: 'chatco',
        }),
      );
      expect(own.statusCode).toBe(202);
      const closed = await asChatco({
        ...agentEvent('ticket.closed', {
          id: 'c-close',
          time: '2026-03-02T08:31:00Z',
          ticketId: ticketIdFor(CHAT_SOURCE, 'c-own'),
          customerId: VICTIM.id,
        }),
        source: CHAT_SOURCE,
      });
      expect(closed.statusCode).toBe(202);
      // Naming no integration, the ticket it opens is its own (the integration owning the source).
      expect(
        (
          await asChatco(
            fromChat({
              id: 'c-anon',
              time: TIME,
              body: 'x',
              customer: { id: 'cus_anon' },
              channel: 'chat',
              integration: null,
            }),
          )
        ).statusCode,
      ).toBe(202);
      const anonClose = {
        ...agentEvent('ticket.closed', {
          id: 'c-anon-close',
          time: TIME,
          ticketId: ticketIdFor(CHAT_SOURCE, 'c-anon'),
          customerId: 'cus_anon',
        }),
        source: CHAT_SOURCE,
      };
      expect((await asChatco(anonClose)).statusCode).toBe(202);
      const anonTag = agentEvent('ticket.tagged', {
        id: 'h-anon',
        time: TIME,
        ticketId: ticketIdFor(CHAT_SOURCE, 'c-anon'),
        customerId: 'cus_anon',
      });
      await expectRefused(signedPost(anonTag, HELPDESK_SECRET), 403, 'AUTH.OUT_OF_SCOPE');
      // The helpdesk, scoped to Postscript's tickets, acts on the victim's ticket, and not on chatco's.
      expect(
        (
          await signedPost(
            agentEvent('ticket.tagged', { id: 'h-1', time: TIME, ticketId: victim, customerId: VICTIM.id }),
            HELPDESK_SECRET,
          )
        ).statusCode,
      ).toBe(202);
      await expectRefused(
        signedPost(
          agentEvent('ticket.tagged', {
            id: 'h-2',
            time: TIME,
            ticketId: ticketIdFor(CHAT_SOURCE, 'c-own'),
            customerId: VICTIM.id,
          }),
          HELPDESK_SECRET,
        ),
        403,
        'AUTH.OUT_OF_SCOPE',
      );

      await fixture.runtime.settle();
      const ticket = await fixture.app.inject({
        method: 'GET',
        url: `/v1/tickets/${victim}`,
        headers: bearer(READ_TOKEN),
      });
      expect(ticket.json()).toMatchObject({ status: 'open', customer: { phone: VICTIM.phone } });
    });

    it('1: takes the scope from the secrets entry: channels, integration names, and `*` for any ticket', async () => {
      await fixture.app.close();
      await fixture.runtime.close();
      const integrations = securedConfig().integrations.map((integration) =>
        integration.name === 'chatco'
          ? { ...integration, scope: { integrations: ['chatco', 'chatco-eu'], channels: ['chat' as const] } }
          : integration.name === 'helpdesk'
            ? { ...integration, scope: { tickets: ['*'] } }
            : integration,
      );
      fixture = await open(securedConfig({ integrations }));
      const answer = await expectRefused(
        asChatco(
          fromChat({ id: 'e-1', time: TIME, body: 'x', customer: ATTACKER, channel: 'email', integration: 'chatco' }),
        ),
        403,
        'AUTH.OUT_OF_SCOPE',
      );
      expect(messageOf(answer)).toContain(
        'event 0 (e-1): data.channel: chatco may not send on channel "email" (only "chat")',
      );
      expect(
        (
          await asChatco(
            fromChat({
              id: 'e-2',
              time: TIME,
              body: 'x',
              customer: ATTACKER,
              channel: 'chat',
              integration: 'chatco-eu',
            }),
          )
        ).statusCode,
      ).toBe(202);
      expect(
        (
          await signedPost(
            agentEvent('ticket.tagged', {
              id: 'h-3',
              time: TIME,
              ticketId: ticketIdFor(CHAT_SOURCE, 'e-2'),
              customerId: VICTIM.id,
            }),
            HELPDESK_SECRET,
          )
        ).statusCode,
      ).toBe(202);
      // The helpdesk opens tickets in its own name.
      const opened = ticketCreated({
        id: 'h-4',
        time: TIME,
        ticketId: 'tk_helpdesk_1',
        customer: ATTACKER,
        channel: 'chat',
        integration: 'helpdesk',
      });
      expect((await signedPost(opened, HELPDESK_SECRET)).statusCode).toBe(202);
    });

    it('2: refuses a body that is not valid UTF-8 (400 REQUEST.INVALID_UTF8): two ids differing in one bad byte are never taken for the same', async () => {
      const withByte = (byte: number, id: string) => {
        const [before, after] = JSON.stringify(event(`${id}-@@`)).split('@@') as [string, string];
        return Buffer.concat([Buffer.from(before), Buffer.from([byte]), Buffer.from(after)]);
      };
      for (const body of [withByte(0xff, 'u'), withByte(0xfe, 'u'), withByte(0xc3, 'u-lone-lead')]) {
        await expectRefused(
          post(body, signedHeaders(body, POSTSCRIPT_NEW, { nowMs: fixture.time.nowMs() })),
          400,
          'REQUEST.INVALID_UTF8',
        );
      }
      const text = JSON.stringify(event('u-body')).replace('en retard', 'en retard @@');
      const [before, after] = text.split('@@') as [string, string];
      const body = Buffer.concat([Buffer.from(before), Buffer.from([0xe9]), Buffer.from(after)]);
      await expectRefused(
        post(body, signedHeaders(body, POSTSCRIPT_NEW, { nowMs: fixture.time.nowMs() })),
        400,
        'REQUEST.INVALID_UTF8',
      );
      // Valid UTF-8, accents included, goes through untouched.
      expect((await signedPost(messageReceived({ id: 'u-é', time: TIME, body: 'Déjà reçu ? 👍' }))).statusCode).toBe(
        202,
      );
    });

    it('3: refuses an attribute name CloudEvents does not allow (it could not be sealed by name)', async () => {
      for (const name of ['x-contact', 'xContact', '']) {
        const answer = await expectRefused(
          signedPost({ ...event(`a-${name}`), [name]: 'marie@example.com' }),
          400,
          'REQUEST.INVALID_EVENTS',
        );
        expect(reasonsOf(answer)).toEqual([expect.objectContaining({ code: 'invalid_attribute_name' })]);
      }
      expect((await signedPost({ ...event('a-ok'), xcontact: 'marie@example.com' })).statusCode).toBe(202);
    });

    it('4: reads and erases ids of up to 256 characters, as the schema allows (no 414)', async () => {
      const customer = { id: `cus_${'l'.repeat(252)}`, name: 'Long Id' };
      expect((await signedPost(messageReceived({ id: 'l-1', time: TIME, body: 'x', customer }))).statusCode).toBe(202);
      await fixture.runtime.settle();
      const long = `tk_${'x'.repeat(253)}`;
      expect(
        (await fixture.app.inject({ method: 'GET', url: `/v1/tickets/${long}`, headers: bearer(READ_TOKEN) }))
          .statusCode,
      ).toBe(404);
      expect(
        (await fixture.app.inject({ method: 'GET', url: `/v1/tickets/${long}/timeline`, headers: bearer(READ_TOKEN) }))
          .statusCode,
      ).toBe(404);
      expect(
        (
          await fixture.app.inject({
            method: 'GET',
            url: `/v1/customers/${customer.id}/timeline`,
            headers: bearer(READ_TOKEN),
          })
        ).statusCode,
      ).toBe(200);
      expect(
        (await fixture.app.inject({ method: 'GET', url: `/ui/customers/${customer.id}`, headers: bearer(READ_TOKEN) }))
          .statusCode,
      ).toBe(200);
      expect(
        (
          await fixture.app.inject({
            method: 'POST',
            url: `/v1/customers/${customer.id}/erase`,
            headers: bearer(ADMIN_TOKEN),
          })
        ).statusCode,
      ).toBe(200);
    });

    it('5: ends a request still arriving when the request timeout is up, body or headers dripped faster than the idle timeout', async () => {
      await fixture.app.close();
      await fixture.runtime.close();
      fixture = await open(securedConfig({ timeouts: { requestMs: 1_000, idleMs: 10_000 } }));
      await fixture.app.listen({ host: '127.0.0.1', port: 0 });
      const address = fixture.app.server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      const body =
        'POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{';
      const headers = 'POST /v1/events HTTP/1.1\r\nhost: 127.0.0.1\r\nx-slow: ';
      for (const start of [body, headers]) {
        const socket = connect(port, '127.0.0.1');
        await once(socket, 'connect');
        const started = Date.now();
        socket.write(start);
        socket.resume();
        const drip = setInterval(() => socket.writable && socket.write('a'), 200);
        const closed = once(socket, 'close').then(() => Date.now() - started);
        const verdict = await Promise.race([
          closed,
          new Promise<'still open'>((resolve) => setTimeout(() => resolve('still open'), 5_000)),
        ]);
        clearInterval(drip);
        socket.destroy();
        expect(verdict).not.toBe('still open');
        expect(verdict).toBeLessThan(3_500);
      }
      expect(await head()).toBe(0);
    });

    it('7: answers a signed text/plain body 415, and a JSON body that is not an event 400, not "not signed"', async () => {
      const body = JSON.stringify(event('p-1'));
      await expectRefused(
        post(body, {
          ...signedHeaders(body, POSTSCRIPT_NEW, { nowMs: fixture.time.nowMs() }),
          'content-type': 'text/plain',
        }),
        415,
        'FST_ERR_CTP_INVALID_MEDIA_TYPE',
      );
      for (const value of ['null', '"x"', '1', 'true', '[1]', '[null]']) {
        await expectRefused(
          post(value, signedHeaders(value, POSTSCRIPT_NEW, { nowMs: fixture.time.nowMs() })),
          400,
          'REQUEST.NOT_AN_EVENT',
        );
      }
    });

    it('8: logs no query string: refused tokens and search terms stay out of the log', async () => {
      await fixture.app.close();
      await fixture.runtime.close();
      const lines: string[] = [];
      const sink = new Writable({
        write: (chunk: Buffer, _encoding, done) => (lines.push(chunk.toString('utf8')), done()),
      });
      fixture = await open(securedConfig(), createLogger({ level: 'debug', destination: sink }));
      await fixture.app.inject({ method: 'GET', url: `/v1/tickets?customer=cus_marie&token=${ADMIN_TOKEN}` });
      await fixture.app.inject({ method: 'GET', url: `/ui/find?q=Marie+Dupont&token=${READ_TOKEN}` });
      await fixture.app.inject({ method: 'GET', url: '/ui/find?q=%2B33612345678', headers: bearer(READ_TOKEN) });
      await fixture.app.inject({ method: 'GET', url: `/nowhere?token=${ADMIN_TOKEN}` });
      const log = lines.join('');
      expect(log).toContain('"url":"/ui/find?[redacted]"');
      for (const secret of [ADMIN_TOKEN, READ_TOKEN, 'Marie', '33612345678', 'cus_marie'])
        expect(log).not.toContain(secret);
    });

    it('9: serves /livez without a token', async () => {
      const live = await fixture.app.inject({ method: 'GET', url: '/livez' });
      expect(live.statusCode).toBe(200);
      expect(live.json()).toEqual({ status: 'ok' });
    });

    it('9: sends Cache-Control: no-store on reads and pages', async () => {
      expect((await signedPost(event('cc-1'))).statusCode).toBe(202);
      await fixture.runtime.settle();
      for (const url of [
        '/v1/tickets?customer=cus_marie',
        `/v1/tickets/${ticketIdFor(SMS_SOURCE, 'cc-1')}`,
        '/v1/customers/cus_marie/timeline',
        '/ui/',
        '/ui/customers/cus_marie',
      ]) {
        const answer = await fixture.app.inject({ method: 'GET', url, headers: bearer(READ_TOKEN) });
        expect(answer.statusCode, url).toBe(200);
        expect(answer.headers['cache-control'], url).toBe('no-store');
      }
    });

    it('9: refuses event times further ahead of their receipt than the skew allowed (400 too_far_ahead)', async () => {
      const at = (seconds: number) => new Date(fixture.time.nowMs() + seconds * 1000).toISOString();
      for (const time of ['9999-12-31T23:59:59Z', at(301)]) {
        const answer = await expectRefused(
          signedPost(messageReceived({ id: `f-${time}`, time, body: 'x' })),
          400,
          'REQUEST.INVALID_EVENTS',
        );
        expect(reasonsOf(answer)).toEqual([expect.objectContaining({ path: 'time', code: 'too_far_ahead' })]);
      }
      expect((await signedPost(messageReceived({ id: 'f-ok', time: at(299), body: 'x' }))).statusCode).toBe(202);
    });

    it('9: answers 404 to erasing a customer the store never saw, and records nothing', async () => {
      const answer = await expectRefused(
        fixture.app.inject({ method: 'POST', url: '/v1/customers/cus_never/erase', headers: bearer(ADMIN_TOKEN) }),
        404,
        'ERASURE.UNKNOWN_CUSTOMER',
      );
      expect(answer.json<{ error: { message: string } }>().error.message).toContain('cus_never');
    });

    it("9: compares sources parsed: a dot-segment path under Postscript's origin is nobody's", async () => {
      for (const source of [
        'https://postscript.example/../../helpdesk.example/agent',
        'https://postscript.example/sms/%2e%2e/agents',
      ]) {
        await expectRefused(signedPost({ ...event('dot-1'), source }), 401, 'AUTH.INVALID_SIGNATURE');
      }
      expect(AGENT_SOURCE.startsWith('https://helpdesk.example/')).toBe(true);
    });
  });
});

describe('development mode (nothing configured), as a real process', () => {
  const env = () =>
    Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('TICKETS_') && !name.startsWith('KAFKA_')),
    );

  it('refuses to listen anywhere but loopback: exit 2, says why, binds nothing', async () => {
    const dir = tempDir();
    try {
      const run = await runTickets([
        'serve',
        '--host',
        '0.0.0.0',
        '--port',
        '0',
        '--store',
        `sqlite:${join(dir.path, 't.db')}`,
      ]);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('refusing to listen on 0.0.0.0 in development mode');
    } finally {
      dir[Symbol.dispose]();
    }
  });

  it('6: exits 2 with a message naming the problem, and no stack, when it cannot start', async () => {
    const dir = tempDir();
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    try {
      const address = blocker.address();
      const busy = typeof address === 'object' && address !== null ? address.port : 0;
      mkdirSync(join(dir.path, 'a-directory'));
      writeFileSync(join(dir.path, 'not-a-database.db'), 'hello, not SQLite\n'.repeat(100));
      const store = `sqlite:${join(dir.path, 'ok.db')}`;
      const cases: [string[], string][] = [
        [['--store', `sqlite:${join(dir.path, 'a-directory')}`], 'is a directory, not a database file'],
        [['--store', `sqlite:${join(dir.path, 'not-a-database.db')}`], 'file is not a database'],
        [['--store', 'sqlite:/proc/nonexistent/x.db'], 'cannot create the directory /proc/nonexistent'],
        [['--store', store, '--port', String(busy)], `cannot listen on 127.0.0.1:${busy}`],
        [['--store', store, '--port', '99999'], 'expected a port number 0-65535'],
      ];
      for (const [args, message] of cases) {
        const run = await runTickets(['serve', ...args, '--commands', 'none']);
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toContain(message);
        expect(run.stderr).not.toMatch(/^\s+at /m);
      }
    } finally {
      blocker.close();
      dir[Symbol.dispose]();
    }
  }, 60_000);

  it('says so in its first log line, on loopback', async () => {
    const dir = tempDir();
    const server = spawn(
      process.execPath,
      [BIN, 'serve', '--port', '0', '--store', `sqlite:${join(dir.path, 't.db')}`, '--commands', 'none'],
      { cwd: REPO, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
    );
    try {
      let stdout = '';
      server.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
      await waitFor(() => (stdout.includes('tickets serve ready') ? true : undefined), {
        timeoutMs: 15_000,
        what: 'the ready line',
      });
      const first = JSON.parse(stdout.split('\n')[0] ?? '{}') as Record<string, unknown>;
      expect(first).toMatchObject({ level: 'warn', securityMode: 'development', host: '127.0.0.1' });
      expect(String(first['msg'])).toContain('development mode');
    } finally {
      server.kill('SIGTERM');
      await once(server, 'exit');
      dir[Symbol.dispose]();
    }
  });
});
