import { z } from 'zod';
import {
  Command,
  InboundEvent,
  MessageReceivedEvent,
  MessageSentEvent,
  TicketAssignedEvent,
  TicketClosedEvent,
  TicketCreatedEvent,
  TicketState,
  TicketTaggedEvent,
} from '@tickets/domain';
import { DEFAULT_INGEST_LIMITS } from '@tickets/platform';
import { KafkaEnv, STATE_SOURCE, STATE_TYPE, stateEventHeaders } from '@tickets/messaging';
import { componentSchemas, ref, type JsonSchema } from './component-schemas.js';
import { CONTRACT_VERSIONS } from './contract-versions.js';
import {
  agentBatch,
  EXAMPLE_TICKET_ID,
  exampleTicketState,
  firstMessage,
  invalidMessage,
  secondMessage,
} from './examples.js';
import { RejectionReasonBody } from './http-bodies.js';

// AsyncAPI 3.0's default schema format is its own Schema Object, a superset of JSON Schema draft-07.
const TARGET = 'draft-07';
const BINDING = '0.5.0';

/** The topic defaults (KAFKA_TOPIC_*), partitions and replication, read from the environment schema. */
function topicDefaults() {
  const env = KafkaEnv.parse({ KAFKA_BROKERS: '127.0.0.1:9092' });
  return {
    inbound: env.KAFKA_TOPIC_INBOUND,
    deadLetters: env.KAFKA_TOPIC_DLQ,
    commands: env.KAFKA_TOPIC_COMMANDS,
    state: env.KAFKA_TOPIC_STATE,
    partitions: env.KAFKA_PARTITIONS,
    replicas: env.KAFKA_REPLICATION_FACTOR,
  };
}

/** One message per command type, named after it: `ticket.tag.add` → `TicketTagAdd`. */
const COMMAND_MESSAGES = Object.fromEntries(
  Command.options.map((schema) => [
    schema.shape.type.value
      .split('.')
      .map((part) => part[0]!.toUpperCase() + part.slice(1))
      .join(''),
    schema,
  ]),
);

const INBOUND_TYPES_BY_SCHEMA = {
  MessageReceivedEvent,
  MessageSentEvent,
  TicketCreatedEvent,
  TicketClosedEvent,
  TicketTaggedEvent,
  TicketAssignedEvent,
} as const;

const stringHeader = (description: string, extra: JsonSchema = {}): JsonSchema => ({
  type: 'string',
  description,
  ...extra,
});

/** The CloudEvents Kafka binding's binary mode: each attribute in a `ce_` header, the data as the value. */
function binaryHeaders(): JsonSchema {
  return {
    type: 'object',
    required: ['ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_time', 'ce_subject'],
    properties: {
      ce_specversion: stringHeader('`1.0`', { const: '1.0' }),
      ce_id: stringHeader('Unique per source; (source, id) deduplicates'),
      ce_source: stringHeader('URI-reference of the integration'),
      ce_type: stringHeader('The event type', {
        enum: Object.values(INBOUND_TYPES_BY_SCHEMA).map((schema) => schema.shape.type.value),
      }),
      ce_time: stringHeader('RFC 3339 event time'),
      ce_subject: stringHeader('The customer id'),
      'content-type': stringHeader('`application/json`'),
    },
  };
}

const closeEvent = agentBatch[1]!;

/**
 * The AsyncAPI 3.0 document of the Kafka interface, assembled from the zod schemas the ingest
 * validates with and the commands and states are built from. `tickets schema asyncapi`.
 */
export function asyncApiDocument(): JsonSchema {
  const topics = topicDefaults();
  const inputs = componentSchemas({ InboundEvent, ...INBOUND_TYPES_BY_SCHEMA }, { io: 'input', target: TARGET });
  const outputs = componentSchemas(
    {
      Command,
      ...Object.fromEntries(Object.entries(COMMAND_MESSAGES).map(([name, schema]) => [`${name}Command`, schema])),
      TicketState,
      DeadLetterReasons: z.array(RejectionReasonBody).describe('The value of the `dlq_reasons` header, parsed'),
    },
    { io: 'output', target: TARGET },
  );
  const binaryData = Object.fromEntries(
    Object.entries(INBOUND_TYPES_BY_SCHEMA).map(([name, schema]) => [
      `${name}Data`,
      componentSchemas({ data: schema.shape.data }, { io: 'input', target: TARGET })['data']!,
    ]),
  );
  const kafkaKey = (description: string) => ({
    kafka: { key: { type: 'string', description }, bindingVersion: BINDING },
  });
  const channelBinding = (topic: string, more: JsonSchema = {}) => ({
    kafka: { topic, partitions: topics.partitions, replicas: topics.replicas, ...more, bindingVersion: BINDING },
  });

  const commandMessages = Object.fromEntries(
    Object.entries(COMMAND_MESSAGES).map(([name, schema]) => [
      `${name}Command`,
      {
        name: schema.shape.type.value,
        title: `\`${schema.shape.type.value}\``,
        contentType: 'application/cloudevents+json',
        headers: {
          type: 'object',
          required: ['content-type'],
          properties: {
            'content-type': stringHeader('CloudEvents structured mode', { const: 'application/cloudevents+json' }),
          },
        },
        payload: ref(`${name}Command`),
        bindings: kafkaKey("The ticket id (= `subject`): one ticket's commands stay in order"),
      },
    ]),
  );

  return {
    asyncapi: '3.1.0',
    info: {
      title: 'Ticket lifecycle Kafka topics',
      version: CONTRACT_VERSIONS.kafka,
      license: { name: 'Apache-2.0' },
      description: [
        'Channel integrations publish CloudEvents to the inbound topic; the service answers refused records on the dead-letter topic, and publishes commands and ticket states for downstream consumers.',
        'Topic names are settings (`KAFKA_TOPIC_INBOUND`, `KAFKA_TOPIC_DLQ`, `KAFKA_TOPIC_COMMANDS`, `KAFKA_TOPIC_STATE`); the addresses here are their defaults. Topics are created at start-up when missing',
        `(\`KAFKA_PARTITIONS\`, default ${topics.partitions}; \`KAFKA_REPLICATION_FACTOR\`, default ${topics.replicas}). Records are not signed: who may produce is the broker's decision (SASL, ACLs).`,
        'Delivery is at least once everywhere: consumers deduplicate by the CloudEvent `id` (commands) or keep the latest value per key (states).',
      ].join('\n'),
    },
    defaultContentType: 'application/cloudevents+json',
    servers: {
      local: {
        host: '127.0.0.1:9092',
        protocol: 'kafka',
        description: 'A local broker (`infra/kafka/kafka.sh start`); set KAFKA_BROKERS for yours',
      },
    },
    channels: {
      inbound: {
        address: topics.inbound,
        title: 'Inbound events',
        description: `Key = the customer id (the CloudEvent \`subject\`), so one customer's events stay in order. A record value over ${DEFAULT_INGEST_LIMITS.maxEventBytes} bytes, not JSON, invalid or rejected goes to the dead-letter topic.`,
        messages: {
          structured: { $ref: '#/components/messages/InboundStructured' },
          binary: { $ref: '#/components/messages/InboundBinary' },
        },
        bindings: channelBinding(topics.inbound),
      },
      deadLetters: {
        address: topics.deadLetters,
        title: 'Refused inbound records',
        description:
          'The original key, value and headers untouched, plus where the record came from and why it was refused. Fix and replay it as it was.',
        messages: { deadLetter: { $ref: '#/components/messages/DeadLetter' } },
        bindings: channelBinding(topics.deadLetters),
      },
      commands: {
        address: topics.commands,
        title: 'Commands for downstream consumers',
        description:
          'CloudEvents with deterministic ids: a redelivered command has the same `id`, so apply each id once.',
        messages: Object.fromEntries(
          Object.keys(commandMessages).map((name) => [name, { $ref: `#/components/messages/${name}` }]),
        ),
        bindings: channelBinding(topics.commands),
      },
      state: {
        address: topics.state,
        title: 'Ticket states',
        description:
          "Every changed ticket's state, published once the projection holds it. Compacted: the latest value per key is the ticket's state (an erasure republishes the erased states).",
        messages: { ticketState: { $ref: '#/components/messages/TicketState' } },
        bindings: channelBinding(topics.state, { topicConfiguration: { 'cleanup.policy': ['compact'] } }),
      },
    },
    operations: {
      receiveInbound: {
        action: 'receive',
        channel: { $ref: '#/channels/inbound' },
        summary:
          'The ingest consumes inbound events (consumer group `KAFKA_GROUP_INGEST`, default `tickets-ingest`); offsets are committed once they are stored',
      },
      sendDeadLetters: {
        action: 'send',
        channel: { $ref: '#/channels/deadLetters' },
        summary: 'The ingest dead-letters what it refused',
      },
      sendCommands: {
        action: 'send',
        channel: { $ref: '#/channels/commands' },
        summary: 'The command relay publishes each command from the outbox',
      },
      sendState: {
        action: 'send',
        channel: { $ref: '#/channels/state' },
        summary: 'The state relay publishes ticket states',
      },
    },
    components: {
      schemas: { ...inputs, ...outputs, ...binaryData },
      messages: {
        InboundStructured: {
          name: 'inbound-structured',
          title: 'Inbound CloudEvent, structured mode',
          contentType: 'application/cloudevents+json',
          headers: {
            type: 'object',
            properties: { 'content-type': stringHeader('`application/cloudevents+json` (optional)') },
          },
          payload: ref('InboundEvent'),
          bindings: kafkaKey('The customer id (= `subject`)'),
          examples: [
            {
              name: 'message',
              summary: `Key ${firstMessage.subject}`,
              headers: { 'content-type': 'application/cloudevents+json' },
              payload: firstMessage,
            },
            {
              name: 'close',
              summary: `Key ${closeEvent.subject}: an agent closes the ticket`,
              headers: { 'content-type': 'application/cloudevents+json' },
              payload: closeEvent,
            },
          ],
        },
        InboundBinary: {
          name: 'inbound-binary',
          title: 'Inbound CloudEvent, binary mode',
          contentType: 'application/json',
          description:
            "The attributes in `ce_` headers, the value is the event's `data` (its schema is the one of `ce_type`)",
          headers: binaryHeaders(),
          payload: { oneOf: Object.keys(binaryData).map((name) => ref(name)) },
          bindings: kafkaKey('The customer id (= `ce_subject`)'),
          examples: [
            {
              name: 'reply',
              summary: `Key ${secondMessage.subject}: the customer writes again within the window, the ticket reopens`,
              headers: {
                ce_specversion: '1.0',
                ce_id: secondMessage.id,
                ce_source: secondMessage.source,
                ce_type: secondMessage.type,
                ce_time: secondMessage.time,
                ce_subject: secondMessage.subject,
                'content-type': 'application/json',
              },
              payload: secondMessage.data,
            },
          ],
        },
        DeadLetter: {
          name: 'dead-letter',
          title: 'A refused inbound record',
          contentType: 'application/octet-stream',
          description: 'Key, value and headers as received (the value may not even be JSON), plus the `dlq_*` headers.',
          headers: {
            type: 'object',
            required: ['dlq_topic', 'dlq_partition', 'dlq_offset', 'dlq_timestamp', 'dlq_reasons'],
            properties: {
              dlq_topic: stringHeader('The topic the record was read from'),
              dlq_partition: stringHeader('Its partition', { pattern: '^[0-9]+$' }),
              dlq_offset: stringHeader('Its offset', { pattern: '^[0-9]+$' }),
              dlq_timestamp: stringHeader('Its timestamp (Unix milliseconds)', { pattern: '^-?[0-9]+$' }),
              dlq_reasons: stringHeader('JSON: `[{ path, message, code }]`, see the `DeadLetterReasons` schema', {
                contentMediaType: 'application/json',
              }),
            },
          },
          payload: { description: 'The original value, byte for byte' },
          bindings: kafkaKey('The original key'),
          examples: [
            {
              name: 'invalid',
              summary: `Key ${invalidMessage.subject}`,
              headers: {
                'content-type': 'application/cloudevents+json',
                dlq_topic: topics.inbound,
                dlq_partition: '0',
                dlq_offset: '2',
                dlq_timestamp: '1772438400000',
                dlq_reasons: JSON.stringify([
                  {
                    path: 'data.customer.id',
                    message: 'must equal the CloudEvent subject ("cus_marie")',
                    code: 'custom',
                  },
                ]),
              },
              payload: invalidMessage,
            },
          ],
        },
        ...commandMessages,
        TicketState: {
          name: 'ticket-state',
          title: "A ticket's state",
          contentType: 'application/json',
          description:
            'A CloudEvent in binary mode: the value is the plain state, the attributes are in `ce_` headers. No `ce_time`: a state is not one occurrence.',
          headers: {
            type: 'object',
            required: ['content-type', 'ce_specversion', 'ce_id', 'ce_source', 'ce_type', 'ce_subject'],
            properties: {
              'content-type': stringHeader('`application/json`', { const: 'application/json' }),
              ce_specversion: stringHeader('`1.0`', { const: '1.0' }),
              ce_id: stringHeader(
                '`<ticketId>:v<version>:<digest of the state>`: the same state republished has the same id',
              ),
              ce_source: stringHeader(`\`${STATE_SOURCE}\``, { const: STATE_SOURCE }),
              ce_type: stringHeader(`\`${STATE_TYPE}\``, { const: STATE_TYPE }),
              ce_subject: stringHeader('The ticket id'),
            },
          },
          payload: ref('TicketState'),
          bindings: kafkaKey('The ticket id'),
          examples: [
            {
              name: 'state',
              summary: `Key ${EXAMPLE_TICKET_ID}`,
              headers: {
                'content-type': 'application/json',
                ...stateEventHeaders(exampleTicketState as Parameters<typeof stateEventHeaders>[0]),
              },
              payload: exampleTicketState,
            },
          ],
        },
      },
    },
  };
}
