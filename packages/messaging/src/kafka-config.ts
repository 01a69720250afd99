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

const flag = z.enum(['true', 'false', '1', '0']).transform((text) => text === 'true' || text === '1');

/**
 * Kafka settings from the environment, validated once at start-up. Kafka is used only when
 * `KAFKA_BROKERS` is set; otherwise the services run on the embedded sink.
 */
export const KafkaEnv = z
  .object({
    KAFKA_BROKERS: csv,
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
  })
  .superRefine((env, ctx) => {
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
  });
export type KafkaEnv = z.infer<typeof KafkaEnv>;

export interface KafkaTopics {
  readonly inbound: string;
  readonly deadLetters: string;
  readonly commands: string;
  readonly state: string;
}

export const topicsOf = (env: KafkaEnv): KafkaTopics => ({
  inbound: env.KAFKA_TOPIC_INBOUND,
  deadLetters: env.KAFKA_TOPIC_DLQ,
  commands: env.KAFKA_TOPIC_COMMANDS,
  state: env.KAFKA_TOPIC_STATE,
});
