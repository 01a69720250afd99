import { parseStoreUrl } from '@tickets/event-store';
import { TICKET_STREAM_PREFIX } from '@tickets/domain';
import {
  boundPort,
  createHttpServer,
  defaultConfig,
  followUntil,
  OpsEnv,
  serviceMetrics,
  type Logger,
  type PiiSettings,
} from '@tickets/platform';
import { followerLeases, openDomainStore, type LeasedFollower, storeReachable, subscriberLag } from '@tickets/streams';
import { createCommandRelay, RELAY_SUBSCRIBER } from './command-relay.js';
import { openCommandSink } from './open-command-sink.js';
import { createTimerScheduler, type TimerSchedulerOptions } from './timer-scheduler.js';
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
  /** Personal-data encryption (the configuration's `pii`); the defaults when absent: encryption on. */
  readonly pii?: PiiSettings;
  /** Where the followers' roles are leased (`TICKETS_LEASES`); see followerLeases. */
  readonly leases?: string | undefined;
  /**
   * The timer scheduler's ends, when this service also fires due timers: the due-time index (the
   * read model's) and the ingest's firing (its decision path). The caller owns and closes them.
   */
  readonly timers?: Pick<TimerSchedulerOptions, 'due' | 'fire' | 'clock'>;
}

/**
 * The rule-reactor service: the ingest decides the rules with each event's routing and records the
 * commands in the same transaction (the outbox); this service publishes them to the sink, at least
 * once, in store order, with their deterministic ids; and, given `timers`, fires the timers whose due
 * time the wall clock has passed, through the ingest's decision path.
 */
export async function runRuleReactorService(
  options: RuleReactorServiceOptions,
  until: Promise<unknown>,
): Promise<void> {
  const { logger } = options;
  const sink = openCommandSink(options.commands, options.kafka);
  const location = parseStoreUrl(options.store);
  const { store, checkpoints } = await openDomainStore(location, options.pii ?? defaultConfig().pii);
  const ops = options.ops ?? OpsEnv.parse({});
  const { metrics, registry } = serviceMetrics(ops.TICKETS_METRICS === 'on');
  const relay = createCommandRelay({ store, checkpoints, sink, logger, metrics });
  const leases = followerLeases(location, logger, options.leases);
  const leased: LeasedFollower[] = [];
  metrics.lagProbe(
    'command-relay',
    subscriberLag({
      store,
      checkpoint: () => checkpoints.load(RELAY_SUBSCRIBER),
      streamPrefixes: [TICKET_STREAM_PREFIX],
    }),
  );
  const kafkaCheck = options.kafka ? kafkaReadiness(options.kafka.kafka) : null;
  // The relay serves no API; this server is for probes and scrapes only.
  const app =
    options.port === undefined
      ? null
      : createHttpServer({
          logger,
          ops: { registry, readiness: [storeReachable(store), ...(kafkaCheck === null ? [] : [kafkaCheck])] },
        });
  try {
    if (app !== null) await app.listen({ host: options.host ?? '127.0.0.1', port: options.port ?? 0 });
    logger.info(
      {
        commands: options.commands ?? 'default',
        timers: options.timers !== undefined,
        ...(app === null ? {} : { port: boundPort(app, options.port ?? 0) }),
      },
      'rule-reactor ready',
    );
    // On a requested stop: publish what was committed meanwhile (flush the outbox).
    const scheduler =
      options.timers === undefined
        ? null
        : createTimerScheduler({ ...options.timers, logger: logger.child({ component: 'timer-scheduler' }) });
    // One instance at a time relays and one fires timers (a lease each, docs/scaling.md); the others stand by.
    leased.push(leases.leased('command-relay', () => (signal) => relay.run(signal)));
    if (scheduler !== null) leased.push(leases.leased('timer-scheduler', () => (signal) => scheduler.run(signal)));
    await followUntil(
      leased.map((role) => role.follow),
      until,
      async () => void (await app?.close()),
      // The outbox is flushed by the instance that holds the relay's role, before it lets the role go.
      async () => void (leased[0]?.held() === true ? await relay.catchUp() : 0),
    );
  } finally {
    for (const role of leased) await role.close();
    await kafkaCheck?.close();
    await sink.close();
    await checkpoints.close();
    await store.close();
    logger.info('rule-reactor stopped');
  }
}
