import type { EventStore } from '@tickets/event-store';
import { ticketTimeline } from '@tickets/streams';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { TicketReadModel } from '../ticket-read-model.port.js';
import { atQuery } from './at-query.js';

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
    const at = atQuery(request.query.at);
    if (!at.ok) return reply.code(400).send({ error: at.error });
    const timeline = await ticketTimeline(store, request.params.id, at.bound);
    return timeline === null ? reply.code(404).send(notFound(request.params.id)) : timeline;
  });
};
