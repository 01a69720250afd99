import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessCheck } from '../readiness/readiness-check.js';

export interface OpsRoutesOptions {
  /** The process's metrics; `GET /metrics` answers 404 without them (metrics switched off). */
  readonly registry?: Registry | undefined;
  readonly readiness: readonly ReadinessCheck[];
}

/**
 * `GET /readyz` (200 when every check passes, else 503 with each failing check's reason) and
 * `GET /metrics` (Prometheus text format). Both for orchestrators and scrapers on the private
 * network: no authentication, like `/healthz`.
 */
export const opsRoutes: FastifyPluginAsync<OpsRoutesOptions> = async (app, options) => {
  app.get('/readyz', async (_request, reply) => {
    const report = await checkReadiness(options.readiness);
    return reply
      .code(report.ready ? 200 : 503)
      .send({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
  });
  const { registry } = options;
  if (registry !== undefined) {
    app.get('/metrics', async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  }
};
