import { boundPort, followUntil, loadRulesAndPolicy, shutdownSignal, type Logger } from '@tickets/platform';
import { createSink } from '@tickets/rule-reactor';
import { createHttpApp } from '../http-app.js';
import { openRuntime } from '../runtime.js';

export interface ServeOptions {
  readonly store: string;
  readonly rules?: string;
  readonly policy?: string;
  readonly host: string;
  readonly port: number;
  readonly commands: string;
}

/**
 * All services in one process: HTTP ingest and reads, the projector, the rule-reactor and the
 * command relay, following the store. Stops cleanly on SIGINT/SIGTERM.
 */
export async function serve(options: ServeOptions, logger: Logger): Promise<void> {
  const { rules, policy } = await loadRulesAndPolicy(options);
  const runtime = await openRuntime({ store: options.store, rules, policy, sink: createSink(options.commands), logger });
  const app = createHttpApp({ runtime, logger });
  await app.listen({ host: options.host, port: options.port });
  // The bound port, not the requested one: with --port 0 the OS picks it and scripts read it here.
  const port = boundPort(app, options.port);
  logger.info({ store: options.store, host: options.host, port, commands: options.commands, rules: rules.rules.length }, 'tickets serve ready');
  try {
    await followUntil(
      [(signal) => runtime.projector.run(signal), (signal) => runtime.reactor.run(signal), (signal) => runtime.relay.run(signal)],
      shutdownSignal().then((signal) => logger.info({ signal }, 'shutting down')),
      // Stop taking requests and let in-flight appends commit before the followers stop.
      async () => {
        await app.close();
        await runtime.ingest.close();
      },
    );
  } finally {
    await runtime.close();
    logger.info('stopped');
  }
}
