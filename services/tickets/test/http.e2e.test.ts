import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync, existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DEFAULT_REOPEN_POLICY,
  DEFAULT_RULES,
  TicketState,
  ticketIdFor,
  type InboundEventInput,
} from '@tickets/domain';
import { createLogger } from '@tickets/platform';
import { createMemorySink, type MemorySink } from '@tickets/rule-reactor';
import type { CustomerTimeline, TicketTimeline } from '@tickets/streams';
import { agentEvent, messageReceived, SMS_SOURCE, tempDir, waitFor, type CustomerFixture } from '@tickets/testing';
import { createHttpApp, openRuntime, type Runtime } from '../src/index.js';

// The HTTP API of `tickets serve`: in process through fastify's inject, and once as a real process.

const REPO = resolve(import.meta.dirname, '../../..');
const BIN = join(REPO, 'services/tickets/bin/tickets.mjs');
const logger = createLogger({ level: 'silent' });

const PAUL: CustomerFixture = { id: 'cus_paul', name: 'Paul Martin', phone: '+33700000001' };
const BINDING_FIELDS = [
  'ticketId',
  'status',
  'channel',
  'integration',
  'customer',
  'subject',
  'tags',
  'team',
  'createdAt',
  'closedAt',
  'reopenDeadline',
  'reopenCount',
  'followUpOf',
  'messageCount',
  'lastMessageAt',
  'version',
];

interface IngestResponse {
  readonly results: { status: string; id?: string; source?: string; ticketId?: string; routing?: string | null }[];
}
interface ErrorResponse {
  readonly error: { code: string; message: string };
  readonly invalid?: { index: number; id?: string; reasons: { path: string; message: string; code: string }[] }[];
}

describe('HTTP API in process (createHttpApp + openRuntime on a temp SQLite store)', () => {
  let dir: ReturnType<typeof tempDir>;
  let runtime: Runtime;
  let sink: MemorySink;
  let app: FastifyInstance;

  beforeEach(async () => {
    dir = tempDir();
    sink = createMemorySink();
    runtime = await openRuntime({
      store: `sqlite:${join(dir.path, 'tickets.db')}`,
      rules: DEFAULT_RULES,
      policy: DEFAULT_REOPEN_POLICY,
      sink,
      logger,
    });
    app = createHttpApp({ runtime, logger });
  });
  afterEach(async () => {
    await app.close();
    await runtime.close();
    dir[Symbol.dispose]();
  });

  const post = (payload: unknown, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> =>
    app.inject({ method: 'POST', url: '/v1/events', payload: payload as object, headers });
  const get = (url: string): Promise<LightMyRequestResponse> => app.inject({ method: 'GET', url });
  const head = (): Promise<number> => runtime.store.headPosition();

  /** Marie's first SMS, accepted and fully handled: a store that already holds something. */
  async function firstMessage(): Promise<string> {
    const response = await post(
      messageReceived({ id: 'h-1', time: '2026-03-02T08:00:00Z', body: "Bonjour, ma commande n'est pas arrivée" }),
    );
    expect(response.statusCode).toBe(202);
    await runtime.settle();
    return ticketIdFor(SMS_SOURCE, 'h-1');
  }

  it('POST one event: 202 with one accepted result, routed new_ticket', async () => {
    const response = await post(messageReceived({ id: 'h-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' }));
    expect(response.statusCode).toBe(202);
    expect(response.json()).toEqual({
      results: [
        {
          status: 'accepted',
          id: 'h-1',
          source: SMS_SOURCE,
          ticketId: ticketIdFor(SMS_SOURCE, 'h-1'),
          routing: 'new_ticket',
        },
      ],
    });
  });

  it('accepts the CloudEvents media type application/cloudevents+json', async () => {
    const event = messageReceived({ id: 'h-ce', time: '2026-03-02T08:00:00Z', body: 'Bonjour' });
    const response = await post(JSON.stringify(event), { 'content-type': 'application/cloudevents+json' });
    expect(response.statusCode).toBe(202);
    expect(response.json<IngestResponse>().results[0]?.status).toBe('accepted');
  });

  it('a batch gets one result per event, in order', async () => {
    const ticketId = ticketIdFor(SMS_SOURCE, 'b-1');
    const response = await post([
      messageReceived({ id: 'b-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' }),
      agentEvent('message.sent', { id: 'b-2', time: '2026-03-02T08:30:00Z', ticketId }),
      agentEvent('ticket.closed', { id: 'b-3', time: '2026-03-02T09:00:00Z', ticketId }),
      messageReceived({ id: 'b-4', time: '2026-03-02T10:00:00Z', body: 'Encore une question' }),
    ]);
    expect(response.statusCode).toBe(202);
    const { results } = response.json<IngestResponse>();
    expect(results.map((r) => [r.id, r.status, r.routing, r.ticketId])).toEqual([
      ['b-1', 'accepted', 'new_ticket', ticketId],
      ['b-2', 'accepted', null, ticketId],
      ['b-3', 'accepted', null, ticketId],
      ['b-4', 'accepted', 'reopen', ticketId],
    ]);
  });

  it('the same event again is a duplicate and stores nothing (invariant 1)', async () => {
    const ticketId = await firstMessage();
    const before = await head();
    const again = await post(
      messageReceived({ id: 'h-1', time: '2026-03-02T08:00:00Z', body: "Bonjour, ma commande n'est pas arrivée" }),
    );
    expect(again.statusCode).toBe(202);
    expect(again.json()).toEqual({ results: [{ status: 'duplicate', id: 'h-1', source: SMS_SOURCE }] });
    await runtime.settle();
    expect(await head()).toBe(before);
    expect((await get(`/v1/tickets/${ticketId}`)).json()).toMatchObject({ messageCount: 1 });
  });

  it('GET / sends the browser to the timeline pages at /ui/', async () => {
    const root = await get('/');
    expect(root.statusCode).toBe(302);
    expect(root.headers.location).toBe('/ui/');
    const page = await get('/ui/');
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toMatch(/^text\/html/);
  });

  it.each([
    { what: 'truncated JSON', body: '{"specversion": "1.0", "id": ' },
    { what: 'a bare word', body: 'hello' },
  ])('malformed JSON ($what): 400 with { error: { code, message } }, nothing stored', async ({ body }) => {
    await firstMessage();
    const before = await head();
    const response = await post(body, { 'content-type': 'application/json' });
    expect(response.statusCode).toBe(400);
    const { error } = response.json<ErrorResponse>();
    expect(error.code).toEqual(expect.any(String));
    expect(error.message).toEqual(expect.any(String));
    expect(await head()).toBe(before);
  });

  const valid = (): InboundEventInput =>
    messageReceived({ id: 'bad-1', time: '2026-03-02T08:05:00Z', body: 'Bonjour' });
  const withData = (data: Record<string, unknown>): unknown => {
    const event = valid();
    return { ...event, data: { ...event.data, ...data } };
  };
  it.each([
    {
      what: 'a field of the wrong type',
      event: withData({ message: { id: 'm', body: 42 } }),
      path: 'data.message.body',
    },
    // JSON drops undefined: the posted event has no customer at all.
    { what: 'a missing field', event: withData({ customer: undefined }), path: 'data.customer' },
    { what: 'an unknown event type', event: { ...valid(), type: 'ticket.exploded' }, path: 'type' },
    { what: 'a time that is not RFC 3339', event: { ...valid(), time: 'yesterday' }, path: 'time' },
    {
      what: 'a customer other than the subject',
      event: withData({ customer: { id: 'cus_paul' } }),
      path: 'data.customer.id',
    },
  ])(
    'an invalid event ($what): 400 listing the zod issues with their path, nothing stored',
    async ({ event, path }) => {
      await firstMessage();
      const before = await head();
      const response = await post(event);
      expect(response.statusCode).toBe(400);
      const body = response.json<ErrorResponse>();
      expect(body.error.code).toBe('REQUEST.INVALID_EVENTS');
      expect(body.invalid).toHaveLength(1);
      expect(body.invalid?.[0]).toMatchObject({ index: 0, id: 'bad-1' });
      expect(body.invalid?.[0]?.reasons.map((r) => r.path)).toContain(path);
      for (const reason of body.invalid?.[0]?.reasons ?? []) expect(reason.message).not.toBe('');
      expect(await head()).toBe(before);
    },
  );

  it('a batch with one invalid event: 400 naming its index, and none of the batch is stored', async () => {
    await firstMessage();
    const before = await head();
    const response = await post([
      messageReceived({ id: 'ok-1', time: '2026-03-02T08:10:00Z', body: 'Un', customer: PAUL }),
      {
        ...messageReceived({ id: 'ko-2', time: '2026-03-02T08:11:00Z', body: 'Deux', customer: PAUL }),
        specversion: '0.3',
      },
      messageReceived({ id: 'ok-3', time: '2026-03-02T08:12:00Z', body: 'Trois', customer: PAUL }),
    ]);
    expect(response.statusCode).toBe(400);
    const body = response.json<ErrorResponse>();
    expect(body.invalid?.map((i) => [i.index, i.id, i.reasons.map((r) => r.path)])).toEqual([
      [1, 'ko-2', ['specversion']],
    ]);
    await runtime.settle();
    expect(await head()).toBe(before);
    expect((await get('/v1/tickets?customer=cus_paul')).json()).toEqual({ tickets: [] });
  });

  it('a body over 1 MiB: 413 and nothing stored, though every event in it is valid', async () => {
    await firstMessage();
    const before = await head();
    const body = 'x'.repeat(19_000);
    const batch = Array.from({ length: 60 }, (_, i) =>
      messageReceived({ id: `big-${i}`, time: '2026-03-02T08:10:00Z', body, customer: PAUL }),
    );
    expect(JSON.stringify(batch).length).toBeGreaterThan(1_048_576);
    const response = await post(batch);
    expect(response.statusCode).toBe(413);
    expect(response.json<ErrorResponse>().error.code).toEqual(expect.any(String));
    expect(await head()).toBe(before);
  });

  it('GET /v1/tickets/:id: 200 with the binding fields, reopenDeadline = closedAt + 24 h; unknown id: 404', async () => {
    const ticketId = await firstMessage();
    await post(agentEvent('ticket.closed', { id: 'h-close', time: '2026-03-02T09:00:00Z', ticketId }));
    await runtime.settle();

    const response = await get(`/v1/tickets/${ticketId}`);
    expect(response.statusCode).toBe(200);
    const ticket = response.json<Record<string, unknown>>();
    expect(Object.keys(ticket)).toEqual(expect.arrayContaining(BINDING_FIELDS));
    expect(TicketState.safeParse(ticket).error).toBeUndefined();
    expect(ticket).toMatchObject({
      ticketId,
      status: 'closed',
      channel: 'sms',
      integration: 'postscript',
      customer: { id: 'cus_marie', name: 'Marie Dupont', phone: '+33612345678' },
      subject: 'SMS from Marie Dupont',
      tags: [],
      team: null,
      createdAt: '2026-03-02T08:00:00.000Z',
      closedAt: '2026-03-02T09:00:00.000Z',
      reopenDeadline: '2026-03-03T09:00:00.000Z',
      reopenCount: 0,
      followUpOf: null,
      messageCount: 1,
      lastMessageAt: '2026-03-02T08:00:00.000Z',
      version: expect.any(Number),
    });

    const unknown = await get('/v1/tickets/tk_nope');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json<ErrorResponse>().error.code).toBe('TICKET.NOT_FOUND');
  });

  it("GET /v1/tickets?customer= lists that customer's tickets, oldest first; without customer: 400", async () => {
    const first = await firstMessage();
    await post([
      agentEvent('ticket.closed', { id: 'l-close', time: '2026-03-02T09:00:00Z', ticketId: first }),
      // Two days later: outside the 24 h window, so a follow-up ticket.
      messageReceived({ id: 'l-later', time: '2026-03-04T10:00:00Z', body: 'Une autre question' }),
      messageReceived({ id: 'l-paul', time: '2026-03-02T08:30:00Z', body: 'Bonjour', customer: PAUL }),
    ]);
    await runtime.settle();

    const response = await get('/v1/tickets?customer=cus_marie');
    expect(response.statusCode).toBe(200);
    const { tickets } = response.json<{ tickets: TicketState[] }>();
    expect(tickets.map((t) => [t.ticketId, t.status, t.followUpOf])).toEqual([
      [first, 'closed', null],
      [ticketIdFor(SMS_SOURCE, 'l-later'), 'open', first],
    ]);
    expect(tickets[1]?.tags).toEqual(['new-sms-follow-up-check']);

    for (const url of ['/v1/tickets', '/v1/tickets?customer=']) {
      const missing = await get(url);
      expect(missing.statusCode).toBe(400);
      expect(missing.json<ErrorResponse>().error.code).toEqual(expect.any(String));
    }
  });

  it('GET /v1/tickets/:id/timeline: every event with its state; ?at= stops at that moment', async () => {
    const ticketId = await firstMessage();
    await post([
      agentEvent('ticket.closed', { id: 't-close', time: '2026-03-02T09:00:00Z', ticketId }),
      messageReceived({ id: 't-back', time: '2026-03-02T12:00:00Z', body: 'Toujours rien reçu' }),
    ]);
    await runtime.settle();

    const full = await get(`/v1/tickets/${ticketId}/timeline`);
    expect(full.statusCode).toBe(200);
    const timeline = full.json<TicketTimeline>();
    expect(timeline).toMatchObject({
      ticketId,
      at: null,
      state: { status: 'open', reopenCount: 1, tags: ['reopened-sms'] },
    });
    const reopen = timeline.entries.find((e) => e.type === 'MessageReceived' && e.correlationId === 't-back');
    expect(reopen?.event).toMatchObject({ routing: { kind: 'reopen', reopenDeadline: '2026-03-03T09:00:00.000Z' } });

    const at = await get(`/v1/tickets/${ticketId}/timeline?at=${encodeURIComponent('2026-03-02T10:00:00Z')}`);
    expect(at.statusCode).toBe(200);
    const before = at.json<TicketTimeline>();
    expect(before).toMatchObject({ at: '2026-03-02T10:00:00.000Z', state: { status: 'closed', reopenCount: 0 } });
    expect(before.entries.every((e) => e.time <= '2026-03-02T10:00:00.000Z')).toBe(true);

    expect((await get(`/v1/tickets/${ticketId}/timeline?at=yesterday`)).statusCode).toBe(400);
    expect((await get('/v1/tickets/tk_nope/timeline')).statusCode).toBe(404);
  });

  it('GET /v1/tickets/:id/timeline and /ui/tickets/:id: a long timeline comes in pages, with links to the previous and next ones', async () => {
    const ticketId = await firstMessage();
    const more = Array.from({ length: 6 }, (_, i) =>
      messageReceived({ id: `p-${i}`, time: `2026-03-02T08:0${i + 1}:00Z`, body: `message ${i}` }),
    );
    expect((await post(more)).statusCode).toBe(202);
    await runtime.settle();
    const whole = (await get(`/v1/tickets/${ticketId}/timeline`)).json<TicketTimeline>();
    const total = whole.entries.length;
    expect(total).toBeGreaterThan(6);
    expect(whole.page).toMatchObject({ from: 0, limit: 500, total, links: { previous: null, next: null } });

    type Paged = TicketTimeline & {
      page: { from: number; limit: number; total: number; links: { previous: string | null; next: string | null } };
    };
    const first = (await get(`/v1/tickets/${ticketId}/timeline?limit=3`)).json<Paged>();
    expect(first.entries.map((entry) => entry.version)).toEqual([0, 1, 2]);
    expect(first.page).toEqual({
      from: 0,
      limit: 3,
      total,
      links: { previous: null, next: `/v1/tickets/${ticketId}/timeline?from=3&limit=3` },
    });
    // The state is the ticket's, whatever the page; each entry's changes are against the event before it.
    expect(first.state).toEqual(whole.state);
    const second = (await get(first.page.links.next!)).json<Paged>();
    expect(second.entries).toEqual(whole.entries.slice(3, 6));
    expect(second.page.links.previous).toBe(`/v1/tickets/${ticketId}/timeline?from=0&limit=3`);
    let page: Paged = second;
    const seen = [...first.entries, ...second.entries];
    while (page.page.links.next !== null) {
      page = (await get(page.page.links.next)).json<Paged>();
      seen.push(...page.entries);
    }
    expect(seen).toEqual(whole.entries);
    const at = (await get(`/v1/tickets/${ticketId}/timeline?at=2026-03-02T08:03:00Z&limit=2&from=2`)).json<Paged>();
    expect(at.page.links.next).toBe(`/v1/tickets/${ticketId}/timeline?at=2026-03-02T08%3A03%3A00.000Z&from=4&limit=2`);

    for (const bad of ['limit=0', 'limit=1001', 'from=-1', 'limit=abc']) {
      const refused = await get(`/v1/tickets/${ticketId}/timeline?${bad}`);
      expect(refused.statusCode, bad).toBe(400);
      expect(refused.json<ErrorResponse>().error.code).toBe('REQUEST.INVALID_PARAMETER');
    }

    const ui = await get(`/ui/tickets/${ticketId}?limit=3&from=3`);
    expect(ui.statusCode).toBe(200);
    expect(ui.body).toContain(`events 4–6 of ${total}`);
    expect(ui.body).toContain(`rel="prev" href="/ui/tickets/${ticketId}?from=0&amp;limit=3"`);
    expect(ui.body).toContain(`rel="next" href="/ui/tickets/${ticketId}?from=6&amp;limit=3"`);
    expect(ui.body.match(/<li class="(event|rules)"/g)).toHaveLength(3);
    expect((await get(`/ui/tickets/${ticketId}?limit=many`)).statusCode).toBe(400);
  });

  it('GET /v1/tickets/:id/timeline: each rule decision with every rule, its conditions and what became of its actions', async () => {
    const ticketId = await firstMessage();
    await post([
      agentEvent('ticket.closed', { id: 'r-close', time: '2026-03-02T09:00:00Z', ticketId }),
      messageReceived({ id: 'r-back', time: '2026-03-02T12:00:00Z', body: 'Toujours rien reçu' }),
    ]);
    await runtime.settle();

    const timeline = (await get(`/v1/tickets/${ticketId}/timeline`)).json<TicketTimeline>();
    const decision = timeline.entries.find((e) => e.type === 'RulesEvaluated' && e.correlationId === 'r-back');
    expect(decision?.event).toMatchObject({
      trigger: { type: 'message.received' },
      evaluations: [
        {
          ruleId: 'sms-thanks-autoclose',
          outcome: 'not_matched',
          conditions: expect.arrayContaining([
            {
              path: 'all[2]',
              field: 'message.intent',
              op: 'eq',
              expected: 'gratitude',
              actual: 'other',
              passed: false,
            },
          ]),
        },
        {
          ruleId: 'sms-reopened',
          outcome: 'fired',
          actions: [
            { type: 'add_tag', status: 'emitted' },
            { type: 'assign_team', status: 'emitted' },
            { type: 'send_auto_reply', status: 'emitted' },
          ],
        },
      ],
      commands: [{ type: 'ticket.tag.add' }, { type: 'ticket.assign' }, { type: 'message.send' }],
    });
  });

  it("GET /v1/customers/:id/timeline: the customer's tickets in order with each routing decision and window; ?at=; unknown: 404", async () => {
    const ticketId = await firstMessage();
    await post([
      agentEvent('ticket.closed', { id: 'c-close', time: '2026-03-02T09:00:00Z', ticketId }),
      messageReceived({ id: 'c-late', time: '2026-03-10T09:00:00Z', body: 'Bonjour, encore moi' }),
    ]);
    await runtime.settle();

    const response = await get('/v1/customers/cus_marie/timeline');
    expect(response.statusCode).toBe(200);
    const timeline = response.json<CustomerTimeline>();
    const followUp = ticketIdFor(SMS_SOURCE, 'c-late');
    expect(timeline.tickets.map((t) => [t.ticketId, t.status, t.followUpOf])).toEqual([
      [ticketId, 'closed', null],
      [followUp, 'open', ticketId],
    ]);
    expect(timeline.tickets[0]?.closes).toEqual([
      expect.objectContaining({
        reopenDeadline: '2026-03-03T09:00:00.000Z',
        window: { duration: '24h', ms: 86_400_000, source: 'integration', key: 'postscript' },
      }),
    ]);
    expect(timeline.tickets[1]?.routing).toEqual([
      expect.objectContaining({
        kind: 'follow_up',
        previousTicketId: ticketId,
        reopenDeadline: '2026-03-03T09:00:00.000Z',
      }),
    ]);

    const earlier = (await get('/v1/customers/cus_marie/timeline?at=2026-03-05T00:00:00Z')).json<CustomerTimeline>();
    expect(earlier.tickets.map((t) => t.ticketId)).toEqual([ticketId]);
    expect((await get('/v1/customers/cus_marie/timeline?at=soon')).statusCode).toBe(400);
    expect((await get('/v1/customers/cus_nobody/timeline')).statusCode).toBe(404);
  });

  it('GET /healthz answers ok', async () => {
    const response = await get('/healthz');
    expect(response.statusCode).toBe(200);
    expect(response.json()).toEqual({ status: 'ok' });
  });

  it('an agent action on an unknown ticket: 422 with the reason, nothing stored', async () => {
    await firstMessage();
    const before = await head();
    const response = await post(
      agentEvent('ticket.closed', { id: 'u-close', time: '2026-03-02T09:00:00Z', ticketId: 'tk_unknown' }),
    );
    expect(response.statusCode).toBe(422);
    expect(response.json()).toMatchObject({
      results: [{ status: 'rejected', id: 'u-close', reasons: [{ path: 'data.ticketId' }] }],
    });
    expect(await head()).toBe(before);
  });

  it('two concurrent first messages from one customer on one channel make exactly one ticket (invariant 2)', async () => {
    const [a, b] = await Promise.all([
      post(messageReceived({ id: 'c-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour', customer: PAUL })),
      post(messageReceived({ id: 'c-2', time: '2026-03-02T08:00:01Z', body: 'Ma commande ?', customer: PAUL })),
    ]);
    expect([a.statusCode, b.statusCode]).toEqual([202, 202]);
    const results = [a, b].map((r) => r.json<IngestResponse>().results[0]);
    expect(results.map((r) => r?.routing).sort()).toEqual(['new_ticket', 'open_ticket']);
    expect(new Set(results.map((r) => r?.ticketId)).size).toBe(1);
    await runtime.settle();
    const { tickets } = (await get('/v1/tickets?customer=cus_paul')).json<{ tickets: TicketState[] }>();
    expect(tickets).toHaveLength(1);
    expect(tickets[0]).toMatchObject({ ticketId: results[0]?.ticketId, messageCount: 2 });
  });

  it('keeps answering after bad input (invariant 6)', async () => {
    expect((await post('{oops', { 'content-type': 'application/json' })).statusCode).toBe(400);
    expect((await post({ type: 'message.received' })).statusCode).toBe(400);
    expect((await post([])).statusCode).toBe(400);
    expect((await post('x'.repeat(1_100_000), { 'content-type': 'application/json' })).statusCode).toBe(413);
    expect((await post('<event/>', { 'content-type': 'application/xml' })).statusCode).toBe(415);
    expect((await get('/healthz')).statusCode).toBe(200);
    const response = await post(messageReceived({ id: 'after-bad', time: '2026-03-02T08:00:00Z', body: 'Bonjour' }));
    expect(response.statusCode).toBe(202);
    await runtime.settle();
    expect((await get(`/v1/tickets/${ticketIdFor(SMS_SOURCE, 'after-bad')}`)).statusCode).toBe(200);
  });

  it('with the follower loops running, as in serve, a reopen shows up in the projection and its auto-reply reaches the sink', async () => {
    const stop = new AbortController();
    const loops = [runtime.projector.run(stop.signal), runtime.relay.run(stop.signal)];
    try {
      const ticketId = ticketIdFor(SMS_SOURCE, 'f-1');
      const response = await post([
        messageReceived({ id: 'f-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour' }),
        agentEvent('ticket.closed', { id: 'f-close', time: '2026-03-02T09:00:00Z', ticketId }),
        messageReceived({ id: 'f-2', time: '2026-03-02T12:00:00Z', body: 'Toujours rien reçu' }),
      ]);
      expect(response.statusCode).toBe(202);
      const ticket = await waitFor(
        async () => {
          const read = await get(`/v1/tickets/${ticketId}`);
          const state = read.statusCode === 200 ? read.json<TicketState>() : undefined;
          return state?.team === 'SMS Support' ? state : undefined;
        },
        { what: 'the reopened ticket assigned to SMS Support' },
      );
      expect(ticket).toMatchObject({ status: 'open', reopenCount: 1, tags: ['reopened-sms'] });
      const send = await waitFor(() => sink.commands.find((c) => c.type === 'message.send'), {
        what: 'the auto-reply command',
      });
      expect(send).toMatchObject({
        subject: ticketId,
        data: { correlationId: 'f-2', to: '+33612345678', segments: 2 },
      });
    } finally {
      stop.abort();
      await Promise.allSettled(loops);
    }
  });
});

describe('tickets serve as a real process', () => {
  let child: ReturnType<typeof spawn> | undefined;
  afterEach(() => {
    // Only if a failed test left it running.
    if (child !== undefined && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    child = undefined;
  });

  /** The port from the `tickets serve ready` log line, once it has been printed. */
  function readyPort(stdout: string): number | undefined {
    for (const line of stdout.split('\n')) {
      if (!line.includes('tickets serve ready')) continue;
      const port = (JSON.parse(line) as { port?: unknown }).port;
      if (typeof port === 'number' && port > 0) return port;
      throw new Error(`the ready line does not say which port: ${line}`);
    }
    return undefined;
  }

  it('serves the API on the port it logs, makes one ticket of two concurrent first messages, and exits 0 on SIGTERM', async () => {
    using dir = tempDir();
    const commandsFile = join(dir.path, 'commands.ndjson');
    const env = { ...process.env };
    for (const name of ['TICKETS_STORE', 'TICKETS_HOST', 'TICKETS_PORT', 'TICKETS_COMMANDS', 'LOG_LEVEL'])
      delete env[name];
    const args = [
      'serve',
      '--store',
      `sqlite:${join(dir.path, 'tickets.db')}`,
      '--port',
      '0',
      '--commands',
      `file:${commandsFile}`,
      '--log-level',
      'info',
    ];
    const server = spawn(process.execPath, [BIN, ...args], { cwd: dir.path, env, stdio: ['ignore', 'pipe', 'pipe'] });
    child = server;
    const exited = once(server, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
    let stdout = '';
    let stderr = '';
    server.stdout?.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    server.stderr?.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));

    const port = await waitFor(
      () => {
        if (server.exitCode !== null) throw new Error(`tickets serve exited with ${server.exitCode}: ${stderr}`);
        return readyPort(stdout);
      },
      { timeoutMs: 15_000, what: 'the "tickets serve ready" log line' },
    );
    const base = `http://127.0.0.1:${port}`;
    // The ready line names the pages' address, and the site's root leads there.
    const ready = JSON.parse(stdout.split('\n').find((line) => line.includes('tickets serve ready')) ?? '{}') as {
      ui?: unknown;
    };
    expect(ready.ui).toBe(`${base}/ui/`);
    const root = await fetch(`${base}/`);
    expect({ status: root.status, url: root.url, redirected: root.redirected }).toEqual({
      status: 200,
      url: `${base}/ui/`,
      redirected: true,
    });
    const postEvents = (body: unknown) =>
      fetch(`${base}/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });

    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ status: 'ok' });

    // Invariant 2 over real connections: two first messages at once, one ticket.
    const [a, b] = await Promise.all([
      postEvents(messageReceived({ id: 'p-1', time: '2026-03-02T08:00:00Z', body: 'Bonjour', customer: PAUL })),
      postEvents(messageReceived({ id: 'p-2', time: '2026-03-02T08:00:01Z', body: 'Ma commande ?', customer: PAUL })),
    ]);
    expect([a.status, b.status]).toEqual([202, 202]);
    const results = [(await a.json()) as IngestResponse, (await b.json()) as IngestResponse].map((r) => r.results[0]);
    const ticketId = results[0]?.ticketId;
    expect(results[1]?.ticketId).toBe(ticketId);
    const tickets = await waitFor(
      async () => {
        const listed = (await (await fetch(`${base}/v1/tickets?customer=cus_paul`)).json()) as {
          tickets: TicketState[];
        };
        return listed.tickets[0]?.messageCount === 2 ? listed.tickets : undefined;
      },
      { what: "Paul's ticket with both messages" },
    );
    expect(tickets.map((t) => t.ticketId)).toEqual([ticketId]);

    // Bad input is refused and the server keeps going.
    const bad = await fetch(`${base}/v1/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{oops',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as ErrorResponse).error.code).toEqual(expect.any(String));

    // A reopen inside the window: the relay publishes the auto-reply to the --commands file.
    const more = await postEvents([
      agentEvent('ticket.closed', {
        id: 'p-close',
        time: '2026-03-02T09:00:00Z',
        ticketId: ticketId ?? '',
        customerId: PAUL.id,
      }),
      messageReceived({ id: 'p-3', time: '2026-03-02T10:00:00Z', body: 'Toujours rien', customer: PAUL }),
    ]);
    expect(more.status).toBe(202);
    const send = await waitFor(
      () => {
        if (!existsSync(commandsFile)) return undefined;
        const lines = readFileSync(commandsFile, 'utf8')
          .split('\n')
          .filter((line) => line !== '');
        return lines
          .map((line) => JSON.parse(line) as { type: string; subject: string; data: { to?: string } })
          .find((c) => c.type === 'message.send');
      },
      { what: 'the auto-reply in the commands file' },
    );
    expect(send).toMatchObject({ subject: ticketId, data: { to: PAUL.phone } });

    server.kill('SIGTERM');
    const [code, signal] = await exited;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(stdout).toContain('"msg":"stopped"');
  });
});
