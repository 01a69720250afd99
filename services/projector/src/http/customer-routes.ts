import type { EventStore } from '@tickets/event-store';
import { errorBody } from '@tickets/platform';
import { customerTimeline } from '@tickets/streams';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { atQuery } from './at-query.js';

export interface CustomerRoutesOptions {
  readonly store: EventStore;
}

/** A customer's tickets with their routing decisions, read from the customer's and the tickets' streams. */
export const customerRoutes: FastifyPluginAsync<CustomerRoutesOptions> = async (app: FastifyInstance, options) => {
  app.get<{ Params: { id: string }; Querystring: { at?: string } }>(
    '/v1/customers/:id/timeline',
    async (request, reply) => {
      const at = atQuery(request.query.at);
      if (!at.ok) return reply.code(400).send(at.answer);
      const timeline = await customerTimeline(options.store, request.params.id, at.bound);
      return timeline === null
        ? reply.code(404).send(errorBody('CUSTOMER.NOT_FOUND', `unknown customer ${request.params.id}`))
        : timeline;
    },
  );
};
