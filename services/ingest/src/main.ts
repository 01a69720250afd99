#!/usr/bin/env node
// The ingest service alone, configured by its environment, read once (docs/configuration.md).
import { announceSecurityMode, runMain, shutdownSignal } from '@tickets/platform';
import { kafkaFromConfig } from '@tickets/messaging';
import { loadRulesAndPolicy, loadSecurityConfig } from '@tickets/streams';
import { runIngestService } from './ingest-service.js';

await runMain('ingest', process.env, async (config, logger) => {
  const security = await loadSecurityConfig(config.security);
  announceSecurityMode(security, config.host, logger);
  const { rules, policy } = await loadRulesAndPolicy(config);
  const kafka = await kafkaFromConfig(config.kafka, logger);
  await runIngestService(
    {
      store: config.store,
      rules,
      policy,
      host: config.host,
      port: config.port ?? 8081,
      logger,
      kafka,
      security,
      ops: config.ops,
      pii: config.pii,
    },
    shutdownSignal({ timeoutMs: config.ops.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
  );
});
