import { z } from 'zod';

/** Operational settings every service reads from its environment (metrics, readiness, shutdown). */
export const opsEnvShape = {
  /** `off` leaves the `tickets_` metrics out (GET /metrics answers 404) and records nothing. */
  TICKETS_METRICS: z.enum(['on', 'off']).default('on'),
  /** /readyz answers 503 while the projector is more than this many events behind the store. */
  TICKETS_READY_MAX_LAG: z.coerce.number().int().nonnegative().default(1_000),
  /** After SIGTERM/SIGINT, the time allowed to drain and close before the process is ended (exit 1). */
  TICKETS_SHUTDOWN_TIMEOUT_MS: z.coerce.number().int().positive().max(600_000).default(10_000),
};
export const OpsEnv = z.object(opsEnvShape);
export type OpsEnv = z.infer<typeof OpsEnv>;
