import { createHash } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import type { Command, TicketState } from '@tickets/domain';
import { createKafkaPublisher } from './kafka-publisher.js';

/** Commands to downstream consumers: CloudEvents (structured), key = ticket id, so one ticket's commands stay in order. */
export function createKafkaCommandSink(options: { kafka: Kafka; topic: string }) {
  const publisher = createKafkaPublisher({
    kafka: options.kafka,
    topic: options.topic,
    contentType: 'application/cloudevents+json',
  });
  return {
    publish: (commands: readonly Command[]) =>
      publisher.publish(commands.map((command) => ({ key: command.subject, value: command }))),
    close: () => publisher.close(),
  };
}

export const STATE_SOURCE = 'urn:tickets:projector';
export const STATE_TYPE = 'ticket.state';

/**
 * A ticket state as a CloudEvent in Kafka binary mode: the value stays the plain state (what
 * consumers of the compacted topic have always read), the attributes travel in `ce_` headers. The
 * id derives from the content, so republishing the same state repeats it and any other state (an
 * erasure rewrites a state without a new version) gets another. No `time`: a state is not one
 * occurrence; its own times are in the data.
 */
export function stateEventHeaders(state: TicketState): Record<string, string> {
  const digest = createHash('sha256').update(JSON.stringify(state)).digest('hex').slice(0, 16);
  return {
    ce_specversion: '1.0',
    ce_id: `${state.ticketId}:v${state.version}:${digest}`,
    ce_source: STATE_SOURCE,
    ce_type: STATE_TYPE,
    ce_subject: state.ticketId,
  };
}

/** Ticket states for a compacted topic: key = ticket id, the latest value wins. */
export function createKafkaStatePublisher(options: { kafka: Kafka; topic: string }) {
  const publisher = createKafkaPublisher({
    kafka: options.kafka,
    topic: options.topic,
    contentType: 'application/json',
  });
  return {
    publish: (states: readonly TicketState[]) =>
      publisher.publish(
        states.map((state) => ({ key: state.ticketId, value: state, headers: stateEventHeaders(state) })),
      ),
    close: () => publisher.close(),
  };
}
export type KafkaStatePublisher = ReturnType<typeof createKafkaStatePublisher>;
