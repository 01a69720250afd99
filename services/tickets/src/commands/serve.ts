import {
  boundPort,
  followUntil,
  OpsEnv,
  serviceMetrics,
  shutdownSignal,
  systemClock,
  type Logger,
  type SecurityConfig,
} from '@tickets/platform';
import { inboundConsumerFor } from '@tickets/ingest';
import { consumerConnected, createKafkaStatePublisher, kafkaReadiness, type KafkaSetup } from '@tickets/messaging';
import { lagBelow, loadRulesAndPolicy, storeReachable, type PiiSettings } from '@tickets/streams';
import { createStateRelay } from '@tickets/projector';
import { createTimerScheduler, openCommandSink } from '@tickets/rule-reactor';
import { createHttpApp } from '../http/http-app.js';
import { openRuntime } from '../runtime.js';
import { startupStep, storeLabel } from '../startup-error.js';

export interface ServeOptions {
  readonly store: string;
  readonly readModel?: string | undefined;
  readonly rules?: string;
  readonly policy?: string;
  readonly host: string;
  readonly port: number;
  readonly commands?: string | undefined;
  readonly kafka: KafkaSetup | null;
  /** Loaded and announced by the caller (its first log line). */
  readonly security: SecurityConfig;
  /** Metrics on/off, readiness lag bound, shutdown time (TICKETS_METRICS…); defaults when absent. */
  readonly ops?: OpsEnv;
  /** The configuration's personal-data settings (defaults when absent). */
  readonly pii?: PiiSettings;
}

/** The timeline pages' address for a browser on this machine: a wildcard listen address is not one to open. */
export function pageAddress(host: string, port: number): string {
  const local = host === '' || host === '0.0.0.0' || host === '::' ? 'localhost' : host;
  return `http://${local.includes(':') ? `[${local}]` : local}:${port}/ui/`;
}

/**
 * All services in one process: HTTP ingest (routing and rules decided together), reads, the
 * projector and the command relay, following the store. Stops cleanly on SIGINT/SIGTERM.
 */
export async function serve(options: ServeOptions, logger: Logger): Promise<void> {
  const { rules, policy } = await loadRulesAndPolicy(options);
  const { kafka } = options;
  const ops = options.ops ?? OpsEnv.parse({});
  const { metrics, registry } = serviceMetrics(ops.TICKETS_METRICS === 'on');
  const runtime = await startupStep(`cannot open the store ${storeLabel(options.store)}`, () =>
    openRuntime({
      store: options.store,
      readModel: options.readModel,
      rules,
      policy,
      sink: openCommandSink(options.commands, kafka),
      logger,
      metrics,
      clock: systemClock,
      ...(options.pii === undefined ? {} : { pii: options.pii }),
    }),
  );
  const consumer =
    kafka === null
      ? null
      : inboundConsumerFor(kafka, runtime.ingest, logger, {
          limits: options.security.limits,
          metrics,
          scope: { integrations: options.security.integrations, store: runtime.store },
        });
  const kafkaCheck = kafka === null ? null : kafkaReadiness(kafka.kafka);
  const readiness = [
    storeReachable(runtime.store),
    lagBelow('projector', runtime.projectorLag, ops.TICKETS_READY_MAX_LAG),
    ...(kafkaCheck === null ? [] : [kafkaCheck]),
    ...(consumer === null ? [] : [consumerConnected(consumer)]),
  ];
  const app = createHttpApp({ runtime, logger, security: options.security, ops: { registry, readiness } });
  const followers = [
    (signal: AbortSignal) => runtime.projector.run(signal),
    (signal: AbortSignal) => runtime.relay.run(signal),
    // Timers fire when the wall clock passes them (or earlier, with the customer's next event).
    (signal: AbortSignal) =>
      createTimerScheduler({
        due: (until, limit) => runtime.readModel.dueCustomers(until, limit),
        fire: (customers, until) => runtime.ingest.fireTimers(customers, until),
        clock: systemClock,
        logger: logger.child({ component: 'timer-scheduler' }),
      }).run(signal),
  ];

  const publisher =
    kafka === null ? null : createKafkaStatePublisher({ kafka: kafka.kafka, topic: kafka.topics.state });
  if (publisher !== null) {
    followers.push((signal) =>
      createStateRelay({
        store: runtime.store,
        readModel: runtime.readModel,
        checkpoints: runtime.checkpoints,
        publisher,
        logger,
      }).run(signal),
    );
  }
  try {
    await startupStep(`cannot listen on ${options.host}:${options.port}`, () =>
      app.listen({ host: options.host, port: options.port }),
    );
  } catch (error) {
    await publisher?.close();
    await kafkaCheck?.close();
    await runtime.close();
    throw error;
  }
  // The bound port, not the requested one: with --port 0 the OS picks it and scripts read it here.
  const port = boundPort(app, options.port);
  await consumer?.start();
  logger.info(
    {
      store: options.store,
      host: options.host,
      port,
      ui: pageAddress(options.host, port),
      commands: options.commands ?? 'default',
      kafka: kafka !== null,
      rules: rules.rules.length,
    },
    'tickets serve ready',
  );
  try {
    await followUntil(
      followers,
      shutdownSignal({ timeoutMs: ops.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }).then((signal) =>
        logger.info({ signal }, 'shutting down'),
      ),
      // Stop taking work (HTTP, then Kafka, which commits its offsets) and let in-flight appends
      // commit before the followers stop.
      async () => {
        await app.close();
        await consumer?.stop();
        await runtime.ingest.close();
      },
      // Then drain: flush the outbox (the relay) and bring the read model up to date, so nothing
      // waits for the next start.
      async () => {
        await runtime.settle();
        await runtime.relay.catchUp();
        logger.info('drained');
      },
    );
  } finally {
    await kafkaCheck?.close();
    await publisher?.close();
    await runtime.close();
    logger.info('stopped');
  }
}
