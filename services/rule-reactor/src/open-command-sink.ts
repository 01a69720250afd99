import { createKafkaCommandSink, type KafkaSetup } from '@tickets/messaging';
import { ConfigError } from '@tickets/platform';
import type { CommandSink } from './sinks/command-sink.port.js';
import { createSink } from './sinks/parse-sink-url.js';

export const DEFAULT_COMMANDS_FILE = 'file:./data/commands.ndjson';

/**
 * `kafka` publishes to the commands topic; any other spec is an embedded sink. Without a spec,
 * commands go to Kafka when it is configured, else to ./data/commands.ndjson.
 */
export function openCommandSink(spec: string | undefined, kafka: KafkaSetup | null): CommandSink {
  const chosen = spec ?? (kafka === null ? DEFAULT_COMMANDS_FILE : 'kafka');
  if (chosen !== 'kafka') return createSink(chosen);
  if (kafka === null) throw new ConfigError('--commands kafka needs KAFKA_BROKERS');
  return createKafkaCommandSink({ kafka: kafka.kafka, topic: kafka.topics.commands });
}
