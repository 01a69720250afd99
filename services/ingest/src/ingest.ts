import {
  INBOUND_TYPES,
  type CustomerHistory,
  type ReopenPolicy,
  type RulesFile,
  type TicketState,
} from '@tickets/domain';
import {
  isConcurrencyError,
  retryOnConflict,
  type EventStore,
  type Json,
  type StreamAppend,
} from '@tickets/event-store';
import {
  noopMetrics,
  readTraceContext,
  startStageSpan,
  type Clock,
  type Logger,
  type PipelineMetrics,
  type TraceContext,
} from '@tickets/platform';
import {
  configStream,
  configurationHash,
  configurationRecorded,
  StreamStateCache,
  type Loaded,
} from '@tickets/streams';
import {
  decideBatch,
  type ClockResult,
  type PendingClock,
  type PendingInbound,
  type RulesDecided,
} from './decide-batch.js';
import type { IngestResult } from './ingest-results.js';
import { validateInbound } from './validate-inbound.js';

export interface IngestOptions {
  readonly store: EventStore;
  /** The automation rules: decided with the routing, in the same transaction. */
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  readonly logger: Logger;
  /** Most events decided and committed together (group commit). */
  readonly maxBatchSize?: number;
  /** Counts outcomes, routing decisions and latencies (no-op when absent). */
  readonly metrics?: PipelineMetrics;
  /**
   * When given, stamps `receivedAt` on the events' metadata, from which the relay measures the
   * event-to-command latency. Absent (tests, simulate), stored histories stay identical run to run.
   */
  readonly clock?: Clock;
}

export interface Ingest {
  /**
   * Validates, deduplicates, decides and appends the events, in order. Resolves once every accepted
   * event is durably stored, with one result per input. `trace` is the request's W3C trace context
   * (HTTP headers); an event's own `traceparent` attribute (CloudEvents distributed tracing) wins.
   */
  submit(inputs: readonly unknown[], via?: string, trace?: TraceContext): Promise<IngestResult[]>;
  /**
   * The clock passed `until` (event time) for these customers: fires their timers due by then, in
   * the same queue and through the same decision path as inbound events (the scheduler and
   * `simulate --until` call it). Resolves with how many timers fired, once stored.
   */
  fireTimers(customerIds: readonly string[], until: string): Promise<number>;
  /**
   * The customer's state as this ingest's last decision left it, with its revision, when it is still
   * cached; nothing is read. Trust it only where the store's head is that revision.
   */
  knownCustomer(customerId: string): Loaded<CustomerHistory> | undefined;
  /** The ticket's state as this ingest last decided on it, when it is still cached; nothing is read. */
  knownTicket(ticketId: string): Loaded<TicketState | null> | undefined;
  /** Waits for what is in flight, then refuses new work. */
  close(): Promise<void>;
}

type Waiting =
  | (PendingInbound & { readonly resolve: (result: IngestResult) => void; readonly reject: (error: unknown) => void })
  | (PendingClock & { readonly resolve: (result: ClockResult) => void; readonly reject: (error: unknown) => void });

export function createIngest(options: IngestOptions): Ingest {
  const { store, rules, policy, logger } = options;
  const metrics = options.metrics ?? noopMetrics;
  const { clock } = options;
  const maxBatchSize = options.maxBatchSize ?? 500;
  const cache = new StreamStateCache(store);
  const configuration = { rules, policy };
  const configHash = configurationHash(configuration);
  // Until a commit has recorded it (or found it recorded), every batch checks for the configuration.
  let configRecorded = false;

  /** The configuration's record, when the store does not hold it yet: committed with the first decisions made under it. */
  async function configAppend(): Promise<StreamAppend[]> {
    if (configRecorded) return [];
    const stream = configStream(configHash);
    if ((await store.streamVersions([stream])).has(stream)) {
      configRecorded = true;
      return [];
    }
    // `no_stream`: two instances starting with the same new configuration conflict, and the loser
    // decides its batch again and finds the record.
    return [
      {
        stream,
        expectedVersion: 'no_stream',
        events: [configurationRecorded(configuration, configHash, clock?.().toISOString())],
      },
    ];
  }
  const queue: Waiting[] = [];
  let flushing: Promise<void> | null = null;
  let closed = false;

  async function commit(batch: readonly (PendingInbound | PendingClock)[]): Promise<(IngestResult | ClockResult)[]> {
    const decided = await decideBatch(batch, { store, cache, rules, policy, configHash });
    if (decided.appends.length > 0) {
      // First in the transaction: the configuration is in the log before any decision naming it. A
      // batch of checks only (rejections: appends with no events) stores nothing, not even that.
      const writes = decided.appends.some((append) => append.events.length > 0);
      const appends = writes ? [...(await configAppend()), ...decided.appends] : decided.appends;
      const stop = metrics.timeAppend('ingest');
      await store.appendMany(appends);
      stop();
      if (writes) configRecorded = true;
    }
    for (const loaded of decided.tickets) cache.setTicket(loaded);
    for (const loaded of decided.customers) cache.setCustomer(loaded);
    // Counted once committed: a batch decided again after a conflict counts once.
    for (const made of decided.rules) recordRules(logger, metrics, made);
    return decided.results;
  }

  /** Forgets the stream another writer changed, so the next decision reads it again. */
  const forgetConflicted = (error: unknown): void => {
    if (isConcurrencyError(error)) cache.invalidate(error.stream);
  };

  async function commitBatch(batch: readonly Waiting[]): Promise<(IngestResult | ClockResult)[]> {
    try {
      // Another writer (another ingest instance, an erasure) may have moved a stream the batch read:
      // nothing was written then; decide the batch again on fresh state a few times.
      return await retryOnConflict(() => commit(batch), { maxAttempts: 3, onRetry: forgetConflicted });
    } catch (error) {
      if (!isConcurrencyError(error)) throw error;
      // Still conflicting: one event at a time, so a hot stream costs its own events retries only.
      logger.debug({ err: error, batchSize: batch.length }, 'batch conflicted, retrying one by one');
      forgetConflicted(error);
      const results: (IngestResult | ClockResult)[] = [];
      for (const item of batch) {
        const [result] = await retryOnConflict(() => commit([item]), { maxAttempts: 20, onRetry: forgetConflicted });
        if (result !== undefined) results.push(result);
      }
      return results;
    }
  }

  async function flush(): Promise<void> {
    while (queue.length > 0) {
      const batch = queue.splice(0, maxBatchSize);
      try {
        const results = await commitBatch(batch);
        batch.forEach((item, i) => {
          const result = results[i];
          if (result === undefined) item.reject(new Error('ingest produced no result'));
          else if ('kind' in item) {
            if (result.status === 'clock') {
              if (result.fired > 0) logger.info({ fired: result.fired, until: item.until }, 'timers fired');
              item.resolve(result);
            } else item.reject(new Error('ingest produced no clock result'));
          } else if (result.status === 'clock') item.reject(new Error('ingest produced a clock result for an event'));
          else {
            logResult(logger, result, item.via, item.traceId);
            record(metrics, item.event, result, item.via);
            item.resolve(result);
          }
        });
      } catch (error) {
        cache.clear();
        logger.error({ err: error, batchSize: batch.length }, 'append failed');
        for (const item of batch) item.reject(error);
      }
    }
  }

  function schedule(): void {
    // One flush at a time: what arrives meanwhile waits and goes in the next batch.
    flushing ??= flush().finally(() => {
      flushing = null;
      if (queue.length > 0) schedule();
    });
  }

  return {
    async submit(inputs, via = 'api', trace) {
      if (closed) throw new Error('ingest is closed');
      const stopTimer = metrics.timeIngest();
      const receivedAt = clock?.().toISOString();
      const results: Promise<IngestResult>[] = inputs.map((raw) => {
        const validation = validateInbound(raw);
        const span = startStageSpan('tickets.ingest', readTraceContext(raw) ?? trace, { 'tickets.via': via });
        if (!validation.ok) {
          const result: IngestResult = {
            status: 'rejected',
            ...(validation.id === undefined ? {} : { id: validation.id }),
            reasons: validation.reasons,
          };
          logger.warn(
            { eventId: validation.id, via, traceId: span.traceId, reasons: validation.reasons.map((r) => r.path) },
            'inbound event rejected',
          );
          metrics.inboundEvent(typeLabel(raw), 'rejected', via);
          for (const reason of validation.reasons) metrics.rejection(reason.code);
          span.end();
          return Promise.resolve(result);
        }
        // The whole event at debug, for tracing a sender's payload: the logger redacts its personal fields.
        logger.debug({ correlationId: validation.event.id, via, event: validation.event }, 'inbound event validated');
        return new Promise<IngestResult>((resolve, reject) => {
          queue.push({
            event: validation.event,
            raw: raw as Json,
            via,
            ...(receivedAt === undefined ? {} : { receivedAt }),
            ...(span.trace === undefined ? {} : { trace: span.trace, traceId: span.traceId }),
            resolve: (result: IngestResult) => {
              span.end();
              resolve(result);
            },
            reject: (error: unknown) => {
              span.end(error);
              reject(error);
            },
          });
        });
      });
      schedule();
      return Promise.all(results).finally(stopTimer);
    },
    async fireTimers(customerIds, until) {
      if (closed) throw new Error('ingest is closed');
      const fired = customerIds.map(
        (customerId) =>
          new Promise<ClockResult>((resolve, reject) => {
            queue.push({ kind: 'clock', customerId, until, resolve, reject });
          }),
      );
      schedule();
      return (await Promise.all(fired)).reduce((sum, result) => sum + result.fired, 0);
    },
    knownCustomer: (customerId) => cache.peekCustomer(customerId),
    knownTicket: (ticketId) => cache.peekTicket(ticketId),
    async close() {
      closed = true;
      while (flushing) await flushing;
    },
  };
}

function logResult(logger: Logger, result: IngestResult, via: string, traceId: string | undefined): void {
  switch (result.status) {
    case 'accepted':
      logger.info(
        { ticketId: result.ticketId, correlationId: result.id, routing: result.routing, via, traceId },
        'inbound event accepted',
      );
      return;
    case 'duplicate':
      logger.info({ correlationId: result.id, via, traceId }, 'inbound event duplicate');
      return;
    case 'rejected':
      logger.warn(
        { correlationId: result.id, via, traceId, reasons: result.reasons.map((r) => r.code) },
        'inbound event rejected',
      );
      return;
  }
}

/** A metric per rule fired and per suppressed action; a log line per rule that fired or was held by `once`. */
function recordRules(logger: Logger, metrics: PipelineMetrics, made: RulesDecided): void {
  for (const decision of made.rules) {
    for (const evaluation of decision.evaluations) {
      if (evaluation.outcome === 'fired') metrics.ruleFired(evaluation.ruleId);
      for (const action of evaluation.actions)
        if (action.status === 'suppressed') metrics.actionSuppressed(evaluation.ruleId, action.reason ?? 'unknown');
      if (evaluation.outcome === 'fired' || evaluation.outcome === 'skipped_once') {
        logger.info(
          {
            ticketId: made.ticketId,
            correlationId: made.correlationId,
            traceId: made.traceId,
            trigger: decision.trigger,
            ruleId: evaluation.ruleId,
            outcome: evaluation.outcome,
            suppressed: evaluation.actions.filter((a) => a.status === 'suppressed').map((a) => `${a.type}:${a.reason}`),
          },
          'rule evaluated',
        );
      }
    }
  }
}

const KNOWN_TYPES: ReadonlySet<string> = new Set(INBOUND_TYPES);

/** The event's type as a metric label: one of the known types, else `unknown` (labels stay few). */
const typeLabel = (raw: unknown): string => {
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  return typeof type === 'string' && KNOWN_TYPES.has(type) ? type : 'unknown';
};

function record(metrics: PipelineMetrics, event: PendingInbound['event'], result: IngestResult, via: string): void {
  metrics.inboundEvent(event.type, result.status, via);
  if (result.status === 'rejected') for (const reason of result.reasons) metrics.rejection(reason.code);
  if (result.status === 'accepted') {
    if (result.routing !== null) metrics.routing(result.routing);
    metrics.processed('ingest', event.time);
  }
}
