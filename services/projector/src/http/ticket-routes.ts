import type { EventStore } from '@tickets/event-store';
import { ticketTimeline } from '@tickets/streams';
import { EventTime } from '@tickets/domain';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { TicketReadModel } from '../ticket-read-model.port.js';

export interface TicketRoutesOptions {
  readonly readModel: TicketReadModel;
  /** For timelines, read straight from the ticket's stream. */
  readonly store: EventStore;
}

const notFound = (ticketId: string) => ({ error: { code: 'TICKET.NOT_FOUND', message: `unknown ticket ${ticketId}` } });

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
      return reply.code(400).send({ error: { code: 'REQUEST.MISSING_PARAMETER', message: 'query parameter `customer` is required' } });
    }
    return { tickets: await readModel.byCustomer(customer) };
  });

  app.get<{ Params: { id: string }; Querystring: { at?: string } }>('/v1/tickets/:id/timeline', async (request, reply) => {
    let at: string | undefined;
    if (request.query.at !== undefined) {
      const parsed = EventTime.safeParse(request.query.at);
      if (!parsed.success) {
        return reply.code(400).send({ error: { code: 'REQUEST.INVALID_PARAMETER', message: '`at` must be an RFC 3339 date-time' } });
      }
      at = parsed.data;
    }
    const timeline = await ticketTimeline(store, request.params.id, at === undefined ? {} : { at });
    return timeline === null ? reply.code(404).send(notFound(request.params.id)) : timeline;
  });
};
