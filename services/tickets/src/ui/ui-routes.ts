import { customerStream, EventTime, ticketStream } from '@tickets/domain';
import type { EventStore } from '@tickets/event-store';
import { customerTimeline, ticketTimeline, timelinePageQuery } from '@tickets/streams';
import type { FastifyInstance, FastifyPluginAsync, FastifyReply } from 'fastify';
import { customerPage } from './customer-page.js';
import type { Html } from './html.js';
import { searchPage } from './search-page.js';
import { ticketPage } from './ticket-page.js';
import { TIMELINE_CSS } from './timeline-css.js';

export interface UiRoutesOptions {
  readonly store: EventStore;
}

// Defence in depth behind the escaping: no script runs on these pages at all, styles come from this
// origin only, forms post back here only, and no other site may frame them.
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
};

const page = (reply: FastifyReply, status: number, content: Html) =>
  reply.code(status).headers(SECURITY_HEADERS).type('text/html; charset=utf-8').send(content.markup);

type At = { ok: true; bound: { at?: string } } | { ok: false };
const atOf = (text: string | undefined): At => {
  if (text === undefined || text.trim() === '') return { ok: true, bound: {} };
  const parsed = EventTime.safeParse(text.trim());
  return parsed.success ? { ok: true, bound: { at: parsed.data } } : { ok: false };
};
/** Events per page of a ticket's timeline: a page a person scrolls, rendered in a few milliseconds. */
const UI_TIMELINE_PAGE = 100;

const BAD_AT = 'The time must be an RFC 3339 date-time, e.g. 2026-03-03T07:00:00Z.';

/** The timeline pages of `tickets serve`: rendered on the server from the same timelines as the JSON API. */
export const uiRoutes: FastifyPluginAsync<UiRoutesOptions> = async (app: FastifyInstance, options) => {
  const { store } = options;
  const exists = async (stream: string): Promise<boolean> => (await store.streamVersions([stream])).has(stream);

  // The site's root is where a person types the address: send them to the pages. Public, so that a
  // secured server's browser gets to /ui/, whose Basic challenge it can answer.
  app.get('/', { config: { access: 'public' } }, async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui', async (_request, reply) => reply.redirect('/ui/'));
  app.get('/ui/', async (_request, reply) => page(reply, 200, searchPage()));
  app.get('/ui/assets/timeline.css', async (_request, reply) =>
    reply.headers(SECURITY_HEADERS).type('text/css; charset=utf-8').send(TIMELINE_CSS),
  );

  app.get<{ Querystring: { q?: string; ticket?: string; customer?: string } }>('/ui/find', async (request, reply) => {
    const ticket = (request.query.ticket ?? '').trim();
    const customer = (request.query.customer ?? '').trim();
    const q = (request.query.q ?? '').trim();
    if (ticket !== '') return reply.redirect(`/ui/tickets/${encodeURIComponent(ticket)}`, 303);
    if (customer !== '') return reply.redirect(`/ui/customers/${encodeURIComponent(customer)}`, 303);
    // One box for both: a ticket id first, then a customer id.
    if (q !== '' && (await exists(ticketStream(q)))) return reply.redirect(`/ui/tickets/${encodeURIComponent(q)}`, 303);
    if (q !== '' && (await exists(customerStream(q))))
      return reply.redirect(`/ui/customers/${encodeURIComponent(q)}`, 303);
    return page(
      reply,
      q === '' ? 400 : 404,
      searchPage(q === '' ? 'Type a ticket id or a customer id.' : `No ticket and no customer ${q}.`),
    );
  });

  app.get<{ Params: { id: string }; Querystring: { at?: string; from?: string; limit?: string } }>(
    '/ui/tickets/:id',
    async (request, reply) => {
      const at = atOf(request.query.at);
      if (!at.ok) return page(reply, 400, searchPage(BAD_AT));
      const paging = timelinePageQuery(request.query, UI_TIMELINE_PAGE);
      if (!paging.ok) return page(reply, 400, searchPage(paging.message));
      const timeline = await ticketTimeline(store, request.params.id, { ...at.bound, page: paging.page });
      return timeline === null
        ? page(reply, 404, searchPage(`No ticket ${request.params.id}.`))
        : page(reply, 200, ticketPage(timeline));
    },
  );

  app.get<{ Params: { id: string }; Querystring: { at?: string } }>('/ui/customers/:id', async (request, reply) => {
    const at = atOf(request.query.at);
    if (!at.ok) return page(reply, 400, searchPage(BAD_AT));
    const timeline = await customerTimeline(store, request.params.id, at.bound);
    return timeline === null
      ? page(reply, 404, searchPage(`No customer ${request.params.id}.`))
      : page(reply, 200, customerPage(timeline));
  });
};
