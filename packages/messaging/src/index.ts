// The only package that imports kafkajs.
export { KafkaEnv, topicsOf } from './kafka-config.js';
export type { KafkaTopics } from './kafka-config.js';
export { createKafka } from './kafka-client.js';
export { createTopics, ensureTopics } from './ensure-topics.js';
export type { TopicSpec } from './ensure-topics.js';
export {
  binaryModeEvent,
  decodeHttpHeaderValue,
  encodeHttpHeaderValue,
  HTTP_BINARY,
  isBinaryMode,
  KAFKA_BINARY,
} from './cloudevent-binding.js';
export type { BinaryBinding, BinaryModeEvent, HeaderProblem } from './cloudevent-binding.js';
export { decodeCloudEvent } from './decode-cloudevent.js';
export type { DecodedRecord } from './decode-cloudevent.js';
export { deadLetter } from './dead-letter.js';
export type { DeadLetterReason, DeadLetterSource } from './dead-letter.js';
export { createInboundConsumer } from './inbound-consumer.js';
export type { InboundConsumer, InboundConsumerOptions, InboundHandler, InboundOutcome } from './inbound-consumer.js';
export { createKafkaPublisher } from './kafka-publisher.js';
export type { KafkaPublisher, KeyedRecord } from './kafka-publisher.js';
export {
  createKafkaCommandSink,
  createKafkaStatePublisher,
  STATE_SOURCE,
  STATE_TYPE,
  stateEventHeaders,
} from './kafka-sinks.js';
export type { KafkaStatePublisher } from './kafka-sinks.js';
export type { Kafka } from 'kafkajs';
export { kafkaFromConfig, kafkaFromEnv } from './kafka-from-env.js';
export type { KafkaSetup } from './kafka-from-env.js';
export { consumerConnected, kafkaReadiness } from './kafka-readiness.js';
export type { KafkaReadiness } from './kafka-readiness.js';
