import type { Admin, Kafka } from 'kafkajs';
import type { ReadinessCheck } from '@tickets/platform';

export interface KafkaReadiness extends ReadinessCheck {
  close(): Promise<void>;
}

/**
 * Ready while the brokers answer a metadata request. Uses one admin client, connected on the first
 * check and kept, so a probe costs one round trip.
 */
export function kafkaReadiness(kafka: Kafka): KafkaReadiness {
  let admin: Admin | null = null;
  return {
    name: 'kafka',
    async check() {
      try {
        if (admin === null) {
          const client = kafka.admin();
          await client.connect();
          admin = client;
        }
        await admin.describeCluster();
        return null;
      } catch (error) {
        const failed = admin;
        admin = null;
        await failed?.disconnect().catch(() => {});
        return `Kafka unreachable: ${error instanceof Error ? error.message : String(error)}`;
      }
    },
    async close() {
      await admin?.disconnect();
      admin = null;
    },
  };
}

/** Ready while the inbound consumer is connected and running (it stops being so when it crashes). */
export const consumerConnected = (consumer: { connected(): boolean }): ReadinessCheck => ({
  name: 'kafka-consumer',
  check: async () => (consumer.connected() ? null : 'the inbound Kafka consumer is not connected'),
});
