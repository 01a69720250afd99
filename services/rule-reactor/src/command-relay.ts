import type { Command } from '@tickets/domain';
import { isErased, TICKET_STREAM_PREFIX } from '@tickets/domain';
import type { CheckpointStore, EventStore, RecordedEvent } from '@tickets/event-store';
import {
  noopMetrics,
  readTraceContext,
  startStageSpan,
  traceFields,
  type Logger,
  type PipelineMetrics,
} from '@tickets/platform';
import { asTicketEvent, subscriberLoop, type SubscriberLoop } from '@tickets/streams';
import type { CommandSink } from './sinks/command-sink.port.js';

export const RELAY_SUBSCRIBER = 'command-relay';

export interface CommandRelayOptions {
  readonly store: EventStore;
  readonly checkpoints: CheckpointStore;
  readonly sink: CommandSink;
  readonly logger: Logger;
  readonly batchSize?: number;
  /** Commands by type, event-to-command latency (no-op when absent). */
  readonly metrics?: PipelineMetrics;
}

/** catchUp() returns how many events it read (commands are counted by the sink). */
export type CommandRelay = SubscriberLoop;

/**
 * The outbox relay: the recorded rule decisions are the outbox. Commands are published in store
 * order and the checkpoint moves only after the sink accepted them, so a crash re-publishes (same
 * ids, same content: consumers deduplicate by id) and never loses one.
 */
export function createCommandRelay(options: CommandRelayOptions): CommandRelay {
  const { store, checkpoints, sink, logger } = options;
  const batchSize = options.batchSize ?? 1_000;
  const metrics = options.metrics ?? noopMetrics;

  async function handle(batch: readonly RecordedEvent[]): Promise<void> {
    const commands: Command[] = [];
    const spans: { span: ReturnType<typeof startStageSpan>; receivedAt: string | undefined; count: number }[] = [];
    for (const recorded of batch) {
      const event = asTicketEvent(recorded);
      if (event.type !== 'RulesEvaluated' || event.data.commands.length === 0) continue;
      // The decision's recorded trace context goes out on its commands (CloudEvents distributed
      // tracing): recorded, not this span's, so a re-publish sends the very same command.
      const decided = readTraceContext(recorded.metadata);
      const span = startStageSpan('tickets.command-relay', decided);
      const trace = traceFields(decided);
      let count = 0;
      for (const command of event.data.commands) {
        // The customer was erased before this command went out: its recipient or body is gone, and a
        // message to "[erased]" must not reach a gateway.
        if (carriesErasedData(command)) {
          logger.warn(
            {
              ticketId: command.subject,
              correlationId: command.data.correlationId,
              commandId: command.id,
              type: command.type,
            },
            'command dropped: its customer was erased',
          );
          continue;
        }
        commands.push({ ...command, ...trace });
        count++;
      }
      const { receivedAt } = recorded.metadata;
      spans.push({ span, receivedAt: typeof receivedAt === 'string' ? receivedAt : undefined, count });
    }
    if (commands.length > 0) {
      try {
        await sink.publish(commands);
      } catch (error) {
        for (const { span } of spans) span.end(error);
        throw error;
      }
      let next = 0;
      for (const { span, receivedAt, count } of spans) {
        for (const command of commands.slice(next, next + count)) {
          logger.info(
            {
              ticketId: command.subject,
              correlationId: command.data.correlationId,
              traceId: span.traceId,
              commandId: command.id,
              type: command.type,
              ruleId: command.data.ruleId,
            },
            'command published',
          );
          metrics.commandPublished(command.type);
          if (receivedAt !== undefined) metrics.eventToCommand(receivedAt);
        }
        next += count;
        span.end();
      }
      metrics.processed('command-relay', commands.at(-1)!.time);
    }
    const last = batch.at(-1);
    if (last !== undefined) await checkpoints.save(RELAY_SUBSCRIBER, last.position);
  }

  return subscriberLoop({
    name: RELAY_SUBSCRIBER,
    store,
    logger,
    checkpoint: () => checkpoints.load(RELAY_SUBSCRIBER),
    handle,
    streamPrefixes: [TICKET_STREAM_PREFIX],
    batchSize,
  });
}

const carriesErasedData = (command: Command): boolean =>
  ('to' in command.data && isErased(command.data.to)) || ('body' in command.data && isErased(command.data.body));
