import type { FastifyPluginAsync } from 'fastify';
import { openApiDocument } from '../contracts/openapi.js';

/** `GET /openapi.json`: the HTTP API's contract, open like `/healthz` (it holds no secret), built once. */
export const openApiRoute: FastifyPluginAsync = async (app) => {
  const document = JSON.stringify(openApiDocument());
  app.get('/openapi.json', { config: { access: 'public' } }, async (_request, reply) =>
    reply.type('application/json; charset=utf-8').send(document),
  );
};
