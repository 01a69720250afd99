import { parseStoreUrl } from '@tickets/event-store';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import { boundPort, createHttpServer, followUntil, OpsEnv, serviceMetrics, type Logger } from '@tickets/platform';
import { openDomainStore, storeReachable, subscriberLag } from '@tickets/streams';
import { createCommandRelay, RELAY_SUBSCRIBER } from './command-relay.js';
import { openCommandSink } from './open-command-sink.js';
import { kafkaReadiness, type KafkaSetup } from '@tickets/messaging';

export interface RuleReactorServiceOptions {
  readonly store: string;
  /** Sink spec for the commands: kafka, stdout, none, file:PATH, http(s)://URL (default: see openCommandSink). */
  readonly commands?: string | undefined;
  readonly kafka: KafkaSetup | null;
  readonly logger: Logger;
  /** Where /healthz, /readyz and /metrics are served; none when absent. */
  readonly host?: string;
  readonly port?: number;
  /** Metrics on/off (TICKETS_METRICS…); defaults when absent. */
  readonly ops?: OpsEnv;
}

/**
 * The rule-reactor service: the ingest decides the rules with each event's routing and records the
 * commands in the same transaction (the outbox); this service publishes them to the sink, at least
 * once, in store order, with their deterministic ids.
 */
export async function runRuleReactorService(options: RuleReactorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger } = options;
  const sink = openCommandSink(options.commands, options.kafka);
  const { store, checkpoints } = await openDomainStore(parseStoreUrl(options.store));
  const ops = options.ops ?? OpsEnv.parse({});
  const { metrics, registry } = serviceMetrics(ops.TICKETS_METRICS === 'on');
  const relay = createCommandRelay({ store, checkpoints, sink, logger, metrics });
  metrics.lagProbe('command-relay', subscriberLag({ store, checkpoint: () => checkpoints.load(RELAY_SUBSCRIBER), streamPrefixes: [TICKET_STREAM_PREFIX] }));
  const kafkaCheck = options.kafka ? kafkaReadiness(options.kafka.kafka) : null;
  // The relay serves no API; this server is for probes and scrapes only.
  const app = options.port === undefined ? null : createHttpServer({ logger, ops: { registry, readiness: [storeReachable(store), ...(kafkaCheck === null ? [] : [kafkaCheck])] } });
  try {
    if (app !== null) await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    logger.info(
      { commands: options.commands ?? 'default', ...(app === null ? {} : { port: boundPort(app, options.port ?? 0) }) },
      'rule-reactor ready',
    );
    // On a requested stop: publish what was committed meanwhile (flush the outbox).
    await followUntil(
      [(signal) => relay.run(signal)],
      until,
      async () => void (await app?.close()),
      async () => void (await relay.catchUp()),
    );
  } finally {
    await kafkaCheck?.close();
    await sink.close();
    await checkpoints.close();
    await store.close();
    logger.info('rule-reactor stopped');
  }
}
