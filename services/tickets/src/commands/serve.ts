import type { Logger } from '@tickets/platform';
import { createSink } from '@tickets/rule-reactor';
import { createHttpApp } from '../http-app.js';
import { openRuntime } from '../runtime.js';
import { loadRulesAndPolicy } from './load-config.js';

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
  const runtime = openRuntime({ store: options.store, rules, policy, sink: createSink(options.commands), logger });
  const app = createHttpApp({ runtime, logger });
  const stop = new AbortController();
  const loops = [runtime.projector.run(stop.signal), runtime.reactor.run(stop.signal), runtime.relay.run(stop.signal)];
  const failed = Promise.race(loops.map((loop) => loop.then(() => new Promise<never>(() => {}))));

  await app.listen({ host: options.host, port: options.port });
  logger.info({ store: options.store, host: options.host, port: options.port, commands: options.commands, rules: rules.rules.length }, 'tickets serve ready');

  const shutdown = new Promise<string>((resolve) => {
    for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => resolve(signal));
  });
  try {
    const signal = await Promise.race([shutdown, failed]);
    logger.info({ signal }, 'shutting down');
  } finally {
    // Stop taking requests, let in-flight appends finish, then stop the followers and close the store.
    await app.close();
    await runtime.ingest.close();
    stop.abort();
    await Promise.allSettled(loops);
    await runtime.close();
    logger.info('stopped');
  }
}
