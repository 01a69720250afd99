#!/usr/bin/env node
// The rule-reactor alone (the command relay: the store's outbox to the sink; the timer scheduler),
// configured from the environment (docs/configuration.md: TICKETS_*).
import { z } from 'zod';
import { readEnvConfig, runMain, serviceEnv, shutdownSignal } from '@tickets/platform';
import { kafkaFromEnv } from '@tickets/messaging';
import { runRuleReactorService } from './rule-reactor-service.js';
import { openTimerEnds } from './timer-ends.js';

/** `TICKETS_TIMERS=off`: publish commands only, as `tickets rule-reactor --no-timers`. */
const ruleReactorEnv = serviceEnv(8083).extend({ TICKETS_TIMERS: z.enum(['on', 'off']).default('on') });

await runMain('rule-reactor', async (logger) => {
  const env = readEnvConfig(ruleReactorEnv);
  const kafka = await kafkaFromEnv(process.env, logger);
  // Timers fire with the ingest's rules and policy (TICKETS_RULES, TICKETS_POLICY), read from the
  // read model's due-time index (TICKETS_READ_MODEL, else next to the events). A bad rules file
  // stops the start here, before anything runs (exit 2).
  const timers =
    env.TICKETS_TIMERS === 'off'
      ? null
      : await openTimerEnds(
          {
            store: env.TICKETS_STORE,
            readModel: env.TICKETS_READ_MODEL,
            rules: env.TICKETS_RULES,
            policy: env.TICKETS_POLICY,
          },
          logger,
        );
  try {
    await runRuleReactorService(
      {
        store: env.TICKETS_STORE,
        commands: env.TICKETS_COMMANDS,
        kafka,
        logger,
        host: env.TICKETS_HOST,
        port: env.TICKETS_PORT,
        ops: env,
        ...(timers === null ? {} : { timers: timers.ends }),
      },
      shutdownSignal({ timeoutMs: env.TICKETS_SHUTDOWN_TIMEOUT_MS, logger }),
    );
  } finally {
    await timers?.close();
  }
});
