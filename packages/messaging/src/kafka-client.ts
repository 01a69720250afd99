import { Kafka, logLevel, type KafkaConfig, type logCreator } from 'kafkajs';
import type { Logger } from '@tickets/platform';
import type { KafkaEnv } from './kafka-config.js';

/** kafkajs logs through our pino logger, at the level pino is set to. */
function pinoLogCreator(logger: Logger): logCreator {
  return () =>
    ({ namespace, level, log }) => {
      const { message, timestamp: _timestamp, ...extra } = log;
      const child = { component: 'kafka', namespace, ...extra };
      if (level === logLevel.ERROR) logger.error(child, message);
      else if (level === logLevel.WARN) logger.warn(child, message);
      else if (level === logLevel.INFO) logger.info(child, message);
      else logger.debug(child, message);
    };
}

/** The one place a kafkajs client is made: brokers, client id, TLS and SASL from the validated env. */
export function createKafka(env: KafkaEnv, logger: Logger): Kafka {
  const config: KafkaConfig = {
    clientId: env.KAFKA_CLIENT_ID,
    brokers: env.KAFKA_BROKERS,
    ssl: env.KAFKA_SSL,
    logLevel: logLevel.INFO,
    logCreator: pinoLogCreator(logger),
    retry: { retries: 8, initialRetryTime: 200, maxRetryTime: 10_000 },
  };
  if (env.KAFKA_SASL_MECHANISM !== undefined) {
    config.sasl = {
      mechanism: env.KAFKA_SASL_MECHANISM,
      username: env.KAFKA_SASL_USERNAME ?? '',
      password: env.KAFKA_SASL_PASSWORD ?? '',
    } as KafkaConfig['sasl'];
  }
  return new Kafka(config);
}
