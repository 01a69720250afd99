import { describe, expect, it } from 'vitest';
import { KafkaEnv } from './kafka-config.js';

describe('KafkaEnv: KAFKA_SESSION_TIMEOUT_MS', () => {
  it('defaults to kafkajs’s 30 s and takes a shorter one (a killed ingest’s partitions move sooner)', () => {
    expect(KafkaEnv.parse({ KAFKA_BROKERS: '127.0.0.1:9092' }).KAFKA_SESSION_TIMEOUT_MS).toBe(30_000);
    expect(
      KafkaEnv.parse({ KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_SESSION_TIMEOUT_MS: '6000' }).KAFKA_SESSION_TIMEOUT_MS,
    ).toBe(6_000);
  });

  it('refuses a value that is not a whole number of milliseconds, naming the setting', () => {
    const parsed = KafkaEnv.safeParse({ KAFKA_BROKERS: '127.0.0.1:9092', KAFKA_SESSION_TIMEOUT_MS: '6s' });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toEqual(['KAFKA_SESSION_TIMEOUT_MS']);
  });
});
