import type { PiiEventStore } from '@tickets/event-store';
import { errorBody, type Clock } from '@tickets/platform';
import { eraseCustomer, ErasureRequest, ErasureUnavailableError, UnknownCustomerError } from '@tickets/streams';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';

export interface ErasureRoutesOptions {
  readonly pii: PiiEventStore | undefined;
  /** Secured mode: the route needs an `admin` token. In development mode nobody is admin: refused. */
  readonly secured: boolean;
  readonly clock: Clock;
}

/**
 * `POST /v1/customers/:id/erase` (admin): the same erasure as `tickets forget`. The running projector
 * reads the recorded `CustomerErased` and purges the customer's rows a few milliseconds later (and the
 * state relay republishes them with Kafka).
 */
export const erasureRoutes: FastifyPluginAsync<ErasureRoutesOptions> = async (app: FastifyInstance, options) => {
  app.post<{ Params: { id: string } }>(
    '/v1/customers/:id/erase',
    { config: { access: 'admin' } },
    async (request, reply) => {
      if (!options.secured) {
        return reply
          .code(403)
          .send(
            errorBody(
              'AUTH.FORBIDDEN',
              'erasure over HTTP needs secured mode and an admin token; use `tickets forget`',
            ),
          );
      }
      const parsed = ErasureRequest.safeParse({ customerId: request.params.id, requestedBy: 'http' });
      if (!parsed.success) {
        return reply.code(400).send({
          error: {
            code: 'ERASURE.INVALID',
            message: 'invalid customer id',
            reasons: parsed.error.issues.map((i) => ({
              path: ['customerId', ...i.path].join('.'),
              message: i.message,
            })),
          },
        });
      }
      try {
        const result = await eraseCustomer(options.pii, parsed.data, options.clock());
        request.log.info({ customerId: result.customerId, keysDeleted: result.keysDeleted }, 'customer erased');
        return reply.code(200).send(result);
      } catch (error) {
        if (error instanceof ErasureUnavailableError) return reply.code(501).send(errorBody(error.code, error.message));
        if (error instanceof UnknownCustomerError) return reply.code(404).send(errorBody(error.code, error.message));
        throw error;
      }
    },
  );
};
