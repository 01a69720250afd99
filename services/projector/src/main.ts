#!/usr/bin/env node
// The projector alone, configured by its environment, read once (docs/configuration.md).
import { announceSecurityMode, runMain, shutdownSignal } from '@tickets/platform';
import { kafkaFromConfig } from '@tickets/messaging';
import { loadSecurityConfig } from '@tickets/streams';
import { runProjectorService } from './projector-service.js';

await runMain('projector', process.env, async (config, logger) => {
  const security = await loadSecurityConfig(config.security);
  announceSecurityMode(security, config.host, logger);
  const kafka = await kafkaFromConfig(config.kafka, logger);
  await runProjectorService(
    {
      store: config.store,
      readModel: config.readModel,
      host: config.host,
      port: config.port ?? 8082,
      logger,
      kafka,
      security,
      ops: config.ops,
      pii: config.pii,
      leases: config.leases,
    },
    shutdownSignal({ timeoutMs: config.ops.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
  );
});
