#!/usr/bin/env node
// The rule-reactor alone (the command relay: the store's outbox to the sink; the timer scheduler),
// configured by its environment, read once (docs/configuration.md).
import { runMain, shutdownSignal } from '@tickets/platform';
import { kafkaFromConfig } from '@tickets/messaging';
import { runRuleReactorService } from './rule-reactor-service.js';
import { openTimerEnds } from './timer-ends.js';

await runMain('rule-reactor', process.env, async (config, logger) => {
  const kafka = await kafkaFromConfig(config.kafka, logger);
  // Timers fire with the ingest's rules and policy (TICKETS_RULES, TICKETS_POLICY), read from the
  // read model's due-time index (TICKETS_READ_MODEL, else next to the events). A bad rules file
  // stops the start here, before anything runs (exit 2). TICKETS_TIMERS=off: commands only.
  const timers = config.timers ? await openTimerEnds(config, logger) : null;
  try {
    await runRuleReactorService(
      {
        store: config.store,
        commands: config.commands,
        kafka,
        logger,
        host: config.host,
        port: config.port ?? 8083,
        ops: config.ops,
        pii: config.pii,
        leases: config.leases,
        ...(timers === null ? {} : { timers: timers.ends }),
      },
      shutdownSignal({ timeoutMs: config.ops.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
    );
  } finally {
    await timers?.close();
  }
});
