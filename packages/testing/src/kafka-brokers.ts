/**
 * The broker the Kafka tests run against: scripts/test.sh starts one and names it here, or names the
 * one TICKETS_TEST_KAFKA_BROKERS already gave. No broker is a failure in those tests, never a skip.
 */
export const TEST_KAFKA_BROKERS = process.env['TICKETS_TEST_KAFKA_BROKERS'] ?? '127.0.0.1:9092';
