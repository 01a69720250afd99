import type { KafkaEnv } from '@tickets/platform';

// The Kafka variables are part of the one configuration (@tickets/platform's readConfig).
export { KafkaEnv } from '@tickets/platform';

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
