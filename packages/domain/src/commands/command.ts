import { z } from 'zod';
import { UtcTime } from '../shared/time.js';
import { Channel } from '../inbound/channel.js';
import { CommandTicket } from '../ticket/ticket-timers.js';

// Commands are what downstream consumers receive: CloudEvents 1.0 with deterministic ids.

export const COMMAND_SOURCE = 'urn:tickets:rule-reactor';

const trace = {
  ruleId: z.string(),
  /** The domain event that triggered the rule. */
  causationId: z.string(),
  /** The inbound CloudEvent id this all started from. */
  correlationId: z.string(),
};

const envelope = {
  specversion: z.literal('1.0'),
  id: z.string().describe('Deterministic: derived from rule + triggering event + action'),
  source: z.string(),
  subject: z.string().describe('The ticket id'),
  time: UtcTime.describe('Event time of the triggering event'),
  datacontenttype: z.literal('application/json'),
  // CloudEvents distributed-tracing extension: the W3C trace context of the inbound event, when it had one.
  traceparent: z.string().optional().describe('W3C traceparent of the work that caused the command'),
  tracestate: z.string().optional().describe('W3C tracestate, with traceparent'),
};

// Optional for consumers and in the store: commands recorded before Kafka contract 1.3.0 lack it.
// Last in `data`, where the decision adds it, so a command reads the same before and after parsing.
const ticket = {
  ticket: CommandTicket.optional().describe(
    "The ticket's pending timers and SLA targets once the decision that emitted the command is made (Kafka 1.3.0; absent from commands recorded before)",
  ),
};

const command = <T extends string, P extends z.ZodRawShape>(type: T, payload: P) =>
  z.object({ ...envelope, type: z.literal(type), data: z.object({ ...trace, ...payload, ...ticket }) });

export const TagAddCommand = command('ticket.tag.add', { tag: z.string() });
export const TagRemoveCommand = command('ticket.tag.remove', { tag: z.string() });
export const AssignCommand = command('ticket.assign', { team: z.string() });
export const MessageSendCommand = command('message.send', {
  channel: Channel,
  to: z.string(),
  body: z.string(),
  segments: z.number().int().nonnegative().optional().describe('SMS segments (sms only)'),
  encoding: z.enum(['GSM-7', 'UCS-2']).optional().describe('SMS encoding (sms only)'),
});
export const NoteAddCommand = command('ticket.note.add', { body: z.string() });
export const CloseCommand = command('ticket.close', {});

export const Command = z
  .discriminatedUnion('type', [
    TagAddCommand,
    TagRemoveCommand,
    AssignCommand,
    MessageSendCommand,
    NoteAddCommand,
    CloseCommand,
  ])
  .describe('A command for downstream consumers (CloudEvent 1.0)');
export type Command = z.infer<typeof Command>;
export type CommandType = Command['type'];
