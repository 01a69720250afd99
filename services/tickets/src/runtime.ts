import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { parseStoreUrl, type CheckpointStore, type EventStore, type PiiEventStore } from '@tickets/event-store';
import { createIngest, type Ingest } from '@tickets/ingest';
import { defaultConfig, noopMetrics, type Clock, type Logger, type PipelineMetrics } from '@tickets/platform';
import { createProjector, openTicketReadModel, type Projector, type TicketReadModel } from '@tickets/projector';
import { createCommandRelay, RELAY_SUBSCRIBER, type CommandRelay, type CommandSink } from '@tickets/rule-reactor';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import { openDomainStore, subscriberLag, type PiiSettings } from '@tickets/streams';

export interface RuntimeOptions {
  readonly store: string;
  /** The ticket read model's location when not next to the events (`--read-model`). */
  readonly readModel?: string | undefined;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  readonly sink: CommandSink;
  readonly logger: Logger;
  /** Where the pipeline's metrics go (no-op when absent). */
  readonly metrics?: PipelineMetrics;
  /** Stamps when inbound events were received (see IngestOptions.clock); serve passes the wall clock. */
  readonly clock?: Clock;
  /** Personal-data encryption (the configuration's `pii`); default: encryption on, keys next to the events. */
  readonly pii?: PiiSettings;
}

/** The whole pipeline on one store: the same pieces `serve`, `simulate`, `import` and `rebuild` use. */
export interface Runtime {
  readonly store: EventStore;
  /** The same store as its PII codec, when personal data is encrypted: what erasure goes through. */
  readonly pii: PiiEventStore | undefined;
  readonly checkpoints: CheckpointStore;
  readonly readModel: TicketReadModel;
  readonly ingest: Ingest;
  readonly projector: Projector;
  readonly relay: CommandRelay;
  /** How many ticket events the projector has not folded yet (readiness, metrics). */
  readonly projectorLag: () => Promise<number>;
  /**
   * Lets the projector catch up with everything committed so far. The command relay is left to the
   * caller: publishing moves its checkpoint, which only a real sink should do.
   */
  settle(): Promise<void>;
  /**
   * Runs the clock to `until` (event time): fires every timer due by then, customer by customer,
   * through the ingest's decision path, from the read model's due-time index; then lets the
   * projector catch up. What `simulate`, `import` and `what-if`'s `--until` do. Returns how many fired.
   */
  fireTimersUntil(until: string): Promise<number>;
  close(): Promise<void>;
}

export async function openRuntime(options: RuntimeOptions): Promise<Runtime> {
  const { logger } = options;
  const metrics = options.metrics ?? noopMetrics;
  const location = parseStoreUrl(options.store);
  const { store, checkpoints, pii, indexesMade } = await openDomainStore(location, options.pii ?? defaultConfig().pii);
  if (indexesMade.length > 0) logger.info({ indexes: indexesMade }, 'reach indexes made');
  const readModel = await openTicketReadModel(location, options.readModel);
  const ingest = createIngest({
    store,
    rules: options.rules,
    policy: options.policy,
    logger: logger.child({ component: 'ingest' }),
    metrics,
    ...(options.clock === undefined ? {} : { clock: options.clock }),
  });
  const projector = createProjector({ store, readModel, logger: logger.child({ component: 'projector' }), metrics });
  const relay = createCommandRelay({
    store,
    checkpoints,
    sink: options.sink,
    logger: logger.child({ component: 'command-relay' }),
    metrics,
  });
  const ticketLag = (checkpoint: () => Promise<number>) =>
    subscriberLag({ store, checkpoint, streamPrefixes: [TICKET_STREAM_PREFIX] });
  const projectorLag = ticketLag(() => readModel.checkpoint());
  metrics.lagProbe('projector', projectorLag);
  metrics.lagProbe(
    'command-relay',
    ticketLag(() => checkpoints.load(RELAY_SUBSCRIBER)),
  );

  return {
    store,
    pii,
    checkpoints,
    readModel,
    ingest,
    projector,
    relay,
    projectorLag,
    async settle() {
      // Every decision is complete once the ingest answered (rules included): only the projection follows.
      await projector.catchUp();
    },
    async fireTimersUntil(until) {
      let total = 0;
      for (;;) {
        await projector.catchUp();
        const customers = await readModel.dueCustomers(until, 1_000);
        if (customers.length === 0) break;
        const fired = await ingest.fireTimers(customers, until);
        total += fired;
        // The index is up to date (the projector caught up): nothing firing means nothing can.
        if (fired === 0) break;
      }
      await projector.catchUp();
      return total;
    },
    async close() {
      await ingest.close();
      await options.sink.close();
      await readModel.close();
      await checkpoints.close();
      await store.close();
    },
  };
}

/** Where the clock stopped and how many timers fired on the way: what simulate and import report. */
export interface ClockRun {
  readonly until: string | null;
  readonly timersFired: number;
}

/** Runs the runtime's clock to `until` (null: no event, nothing to run). */
export async function runClock(runtime: Runtime, until: string | null): Promise<ClockRun> {
  if (until === null) return { until, timersFired: 0 };
  return { until, timersFired: await runtime.fireTimersUntil(until) };
}
