import type { ReopenPolicy, RulesFile } from '@tickets/domain';
import { parseStoreUrl } from '@tickets/event-store';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import { boundPort, createHttpServer, followUntil, OpsEnv, serviceMetrics, type Logger } from '@tickets/platform';
import { openDomainStore, storeReachable, subscriberLag } from '@tickets/streams';
import { createCommandRelay, RELAY_SUBSCRIBER } from './command-relay.js';
import { createReactor, REACTOR_SUBSCRIBER } from './reactor.js';
import { openCommandSink } from './open-command-sink.js';
import { kafkaReadiness, type KafkaSetup } from '@tickets/messaging';

/** What one process runs: both loops (the default), or one of them when they are scaled or restarted apart. */
export const REACTOR_PARTS = ['reactor', 'relay'] as const;
export type ReactorPart = (typeof REACTOR_PARTS)[number];

export interface RuleReactorServiceOptions {
  readonly store: string;
  readonly rules: RulesFile;
  readonly policy: ReopenPolicy;
  /** Sink spec for the commands: kafka, stdout, none, file:PATH, http(s)://URL (default: see openCommandSink). */
  readonly commands?: string | undefined;
  readonly kafka: KafkaSetup | null;
  readonly logger: Logger;
  /** Where /healthz, /readyz and /metrics are served; none when absent. */
  readonly host?: string;
  readonly port?: number;
  /** Metrics on/off (TICKETS_METRICS…); defaults when absent. */
  readonly ops?: OpsEnv;
  /**
   * Only the reactor (decisions into the store) or only the command relay (outbox → sink). The two
   * share nothing but the store and their checkpoints, so they may run in separate processes.
   */
  readonly only?: ReactorPart | undefined;
}

/** The rule-reactor and its command relay on their own (or one of them), following the store. */
export async function runRuleReactorService(options: RuleReactorServiceOptions, until: Promise<unknown>): Promise<void> {
  const { logger, only } = options;
  // The reactor alone publishes nothing: it opens no sink (no Kafka producer, no file).
  const sink = only === 'reactor' ? null : openCommandSink(options.commands, options.kafka);
  const { store, checkpoints } = await openDomainStore(parseStoreUrl(options.store));
  const ops = options.ops ?? OpsEnv.parse({});
  const { metrics, registry } = serviceMetrics(ops.TICKETS_METRICS === 'on');
  const reactor = only === 'relay' ? null : createReactor({ store, checkpoints, rules: options.rules, policy: options.policy, logger, metrics });
  const relay = sink === null ? null : createCommandRelay({ store, checkpoints, sink, logger, metrics });
  const lag = (subscriber: string) => subscriberLag({ store, checkpoint: () => checkpoints.load(subscriber), streamPrefixes: [TICKET_STREAM_PREFIX] });
  if (reactor !== null) metrics.lagProbe('rule-reactor', lag(REACTOR_SUBSCRIBER));
  if (relay !== null) metrics.lagProbe('command-relay', lag(RELAY_SUBSCRIBER));
  const kafkaCheck = options.kafka ? kafkaReadiness(options.kafka.kafka) : null;
  // The reactor serves no API; this server is for probes and scrapes only.
  const app = options.port === undefined ? null : createHttpServer({ logger, ops: { registry, readiness: [storeReachable(store), ...(kafkaCheck === null ? [] : [kafkaCheck])] } });
  const followers: ((signal: AbortSignal) => Promise<void>)[] = [];
  if (reactor !== null) followers.push((signal) => reactor.run(signal));
  if (relay !== null) followers.push((signal) => relay.run(signal));
  try {
    if (app !== null) await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    logger.info(
      {
        rules: options.rules.rules.length,
        commands: sink === null ? 'none' : (options.commands ?? 'default'),
        parts: only ?? 'reactor+relay',
        ...(app === null ? {} : { port: boundPort(app, options.port ?? 0) }),
      },
      'rule-reactor ready',
    );
    // On a requested stop: decide what was committed meanwhile, then flush the outbox (the relay).
    await followUntil(
      followers,
      until,
      async () => void (await app?.close()),
      async () => {
        await reactor?.catchUp();
        await relay?.catchUp();
      },
    );
  } finally {
    await kafkaCheck?.close();
    await sink?.close();
    await checkpoints.close();
    await store.close();
    logger.info('rule-reactor stopped');
  }
}
