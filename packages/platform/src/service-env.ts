import { z } from 'zod';
import { opsEnvShape } from './ops-env.js';

/** Settings every service reads from its environment (the CLI maps its options onto the same names). */
export const serviceEnv = (defaultPort: number) =>
  z.object({
    TICKETS_STORE: z.string().min(1).default('sqlite:./data/tickets.db'),
    /** The ticket read model, when not next to the events (required sense for EventStoreDB stores). */
    TICKETS_READ_MODEL: z.string().min(1).optional(),
    /** Where the followers' roles are leased when the store is not PostgreSQL (docs/scaling.md). */
    TICKETS_LEASES: z.string().min(1).optional(),
    TICKETS_HOST: z.string().min(1).default('127.0.0.1'),
    TICKETS_PORT: z.coerce.number().int().min(0).max(65_535).default(defaultPort),
    TICKETS_RULES: z.string().min(1).optional(),
    TICKETS_POLICY: z.string().min(1).optional(),
    /** Where commands go: kafka, stdout, none, file:PATH, http(s)://URL; default Kafka if configured, else a file. */
    TICKETS_COMMANDS: z.string().min(1).optional(),
    ...opsEnvShape,
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  });
export type ServiceEnv = z.infer<ReturnType<typeof serviceEnv>>;
