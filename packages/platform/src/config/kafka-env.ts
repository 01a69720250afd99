import { z } from 'zod';

const csv = z
  .string()
  .transform((text) =>
    text
      .split(',')
      .map((part) => part.trim())
      .filter((part) => part !== ''),
  )
  .pipe(z.array(z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port')).min(1, 'at least one broker'));

/** Bootstrap brokers, `host:port[,…]`: `KAFKA_BROKERS` and the CLI's `--kafka` read the same way. */
export const KafkaBrokers = csv;

const flag = z.enum(['true', 'false', '1', '0']).transform((text) => text === 'true' || text === '1');

const kafkaShape = {
  KAFKA_CLIENT_ID: z.string().min(1).default('tickets'),
  KAFKA_SSL: flag.default(false),
  KAFKA_SASL_MECHANISM: z.enum(['plain', 'scram-sha-256', 'scram-sha-512']).optional(),
  KAFKA_SASL_USERNAME: z.string().min(1).optional(),
  KAFKA_SASL_PASSWORD: z.string().min(1).optional(),
  KAFKA_TOPIC_INBOUND: z.string().min(1).default('tickets.inbound'),
  KAFKA_TOPIC_DLQ: z.string().min(1).default('tickets.inbound.dlq'),
  KAFKA_TOPIC_COMMANDS: z.string().min(1).default('tickets.commands'),
  KAFKA_TOPIC_STATE: z.string().min(1).default('tickets.state'),
  KAFKA_GROUP_INGEST: z.string().min(1).default('tickets-ingest'),
  // How long the broker waits for a silent ingest (e.g. killed) before giving its partitions to
  // another member; 6 s is the broker's default minimum. A graceful stop leaves the group at once.
  KAFKA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(3_600_000).default(30_000),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(1_000).default(6),
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(7).default(1),
};

const saslComplete = (
  env: { KAFKA_SASL_MECHANISM?: string | undefined; KAFKA_SASL_USERNAME?: string; KAFKA_SASL_PASSWORD?: string },
  ctx: z.RefinementCtx,
): void => {
  if (
    env.KAFKA_SASL_MECHANISM !== undefined &&
    (env.KAFKA_SASL_USERNAME === undefined || env.KAFKA_SASL_PASSWORD === undefined)
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['KAFKA_SASL_USERNAME'],
      message: 'SASL needs KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD',
    });
  }
};

/** The Kafka settings with brokers: what a Kafka client is built from. */
export const KafkaEnv = z.object({ KAFKA_BROKERS: csv, ...kafkaShape }).superRefine(saslComplete);
export type KafkaEnv = z.infer<typeof KafkaEnv>;

/**
 * The Kafka settings as configured: without `KAFKA_BROKERS` there is no Kafka, but the other
 * settings still hold for a CLI verb given `--kafka BROKERS`.
 */
export const KafkaSettings = z.object({ KAFKA_BROKERS: csv.optional(), ...kafkaShape }).superRefine(saslComplete);
export type KafkaSettings = z.infer<typeof KafkaSettings>;
