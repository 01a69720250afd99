#!/usr/bin/env node
// The ingest service alone, configured from the environment (docs/configuration.md: TICKETS_*).
import { announceSecurityMode, readEnvConfig, runMain, serviceEnv, shutdownSignal } from '@tickets/platform';
import { kafkaFromEnv } from '@tickets/messaging';
import { loadRulesAndPolicy, loadSecurityConfig } from '@tickets/streams';
import { runIngestService } from './ingest-service.js';

await runMain('ingest', async (logger) => {
  const env = readEnvConfig(serviceEnv(8081));
  const security = await loadSecurityConfig(process.env);
  announceSecurityMode(security, env.TICKETS_HOST, logger);
  const { rules, policy } = await loadRulesAndPolicy({ rules: env.TICKETS_RULES, policy: env.TICKETS_POLICY });
  const kafka = await kafkaFromEnv(process.env, logger);
  await runIngestService(
    {
      store: env.TICKETS_STORE,
      rules,
      policy,
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
