#!/usr/bin/env node
// The projector alone, configured from the environment (docs/configuration.md: TICKETS_*).
import { announceSecurityMode, readEnvConfig, runMain, serviceEnv, shutdownSignal } from '@tickets/platform';
import { kafkaFromEnv } from '@tickets/messaging';
import { loadSecurityConfig } from '@tickets/streams';
import { runProjectorService } from './projector-service.js';

await runMain('projector', async (logger) => {
  const env = readEnvConfig(serviceEnv(8082));
  const security = await loadSecurityConfig(process.env);
  announceSecurityMode(security, env.TICKETS_HOST, logger);
  const kafka = await kafkaFromEnv(process.env, logger);
  await runProjectorService(
    {
      store: env.TICKETS_STORE,
      readModel: env.TICKETS_READ_MODEL,
      host: env.TICKETS_HOST,
      port: env.TICKETS_PORT,
      logger,
      kafka,
      security,
      ops: env,
    },
    shutdownSignal({ timeoutMs: env.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
  );
});
