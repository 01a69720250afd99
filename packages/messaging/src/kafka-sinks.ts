import type { Kafka } from 'kafkajs';
import type { Command, TicketState } from '@tickets/domain';
import { createKafkaPublisher } from './kafka-publisher.js';

/** Commands to downstream consumers: CloudEvents (structured), key = ticket id, so one ticket's commands stay in order. */
export function createKafkaCommandSink(options: { kafka: Kafka; topic: string }) {
  const publisher = createKafkaPublisher({ kafka: options.kafka, topic: options.topic, contentType: 'application/cloudevents+json' });
  return {
    publish: (commands: readonly Command[]) => publisher.publish(commands.map((command) => ({ key: command.subject, value: command }))),
    close: () => publisher.close(),
  };
}

/** Ticket states for a compacted topic: key = ticket id, the latest value wins. */
export function createKafkaStatePublisher(options: { kafka: Kafka; topic: string }) {
  const publisher = createKafkaPublisher({ kafka: options.kafka, topic: options.topic, contentType: 'application/json' });
  return {
    publish: (states: readonly TicketState[]) => publisher.publish(states.map((state) => ({ key: state.ticketId, value: state }))),
    close: () => publisher.close(),
  };
}
export type KafkaStatePublisher = ReturnType<typeof createKafkaStatePublisher>;
