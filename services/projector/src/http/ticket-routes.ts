import type { EventStore } from '@tickets/event-store';
import { errorBody } from '@tickets/platform';
import { pageNeighbours, ticketTimeline, timelinePageQuery } from '@tickets/streams';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { TicketReadModel } from '../ticket-read-model.port.js';
import { atQuery } from './at-query.js';

export interface TicketRoutesOptions {
  readonly readModel: TicketReadModel;
  /** For timelines, read straight from the ticket's stream. */
  readonly store: EventStore;
}

/** Events per timeline page when the request names no `limit`. */
export const TIMELINE_PAGE = 500;

const notFound = (ticketId: string) => errorBody('TICKET.NOT_FOUND', `unknown ticket ${ticketId}`);

/** Read side: ticket state from the projection, timelines from the event store. */
export const ticketRoutes: FastifyPluginAsync<TicketRoutesOptions> = async (app: FastifyInstance, options) => {
  const { readModel, store } = options;

  app.get<{ Params: { id: string } }>('/v1/tickets/:id', async (request, reply) => {
    const ticket = await readModel.get(request.params.id);
    return ticket === null ? reply.code(404).send(notFound(request.params.id)) : ticket;
  });

  app.get<{ Querystring: { customer?: string } }>('/v1/tickets', async (request, reply) => {
    const customer = request.query.customer;
    if (customer === undefined || customer === '') {
      return reply.code(400).send(errorBody('REQUEST.MISSING_PARAMETER', 'query parameter `customer` is required'));
    }
    return { tickets: await readModel.byCustomer(customer) };
  });

  // Paginated: a ticket may hold thousands of events, each with its whole state. `page.links` give
  // the neighbouring pages (same `at`), null at either end.
  app.get<{ Params: { id: string }; Querystring: { at?: string; from?: string; limit?: string } }>(
    '/v1/tickets/:id/timeline',
    async (request, reply) => {
      const at = atQuery(request.query.at);
      if (!at.ok) return reply.code(400).send(at.answer);
      const paging = timelinePageQuery(request.query, TIMELINE_PAGE);
      if (!paging.ok) return reply.code(400).send(errorBody('REQUEST.INVALID_PARAMETER', paging.message));
      const { id } = request.params;
      const timeline = await ticketTimeline(store, id, { ...at.bound, page: paging.page });
      if (timeline === null || timeline.page === undefined) return reply.code(404).send(notFound(id));
      const { previous, next } = pageNeighbours(timeline.page);
      const link = (from: number | null): string | null => {
        if (from === null) return null;
        const query = new URLSearchParams({
          ...(at.bound.at === undefined ? {} : { at: at.bound.at }),
          from: String(from),
          limit: String(timeline.page!.limit),
        });
        return `/v1/tickets/${encodeURIComponent(id)}/timeline?${query.toString()}`;
      };
      return { ...timeline, page: { ...timeline.page, links: { previous: link(previous), next: link(next) } } };
    },
  );
};
