#!/usr/bin/env node
// The rule-reactor alone (the command relay: the store's outbox to the sink), configured from the environment (docs/configuration.md: TICKETS_*).
import { readEnvConfig, runMain, serviceEnv, shutdownSignal } from '@tickets/platform';
import { kafkaFromEnv } from '@tickets/messaging';
import { runRuleReactorService } from './rule-reactor-service.js';

await runMain('rule-reactor', async (logger) => {
  const env = readEnvConfig(serviceEnv(8083));
  const kafka = await kafkaFromEnv(process.env, logger);
  await runRuleReactorService(
    { store: env.TICKETS_STORE, commands: env.TICKETS_COMMANDS, kafka, logger, host: env.TICKETS_HOST, port: env.TICKETS_PORT, ops: env },
    shutdownSignal({ timeoutMs: env.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
  );
});
