import { readConfig, type TicketsConfig } from './config/tickets-config.js';
import { ConfigError } from './config-error.js';
import { createLogger, type Logger } from './logger.js';

/**
 * The shell of every service's main.ts: reads the configuration once from `env` and hands it to
 * `main`. A configuration problem (a bad variable, rules file or secret) exits with code 2 and its
 * message, naming what is wrong; anything else that escapes is logged and exits with code 1.
 */
export async function runMain(
  name: string,
  env: Readonly<Record<string, string | undefined>>,
  main: (config: TicketsConfig, logger: Logger) => Promise<void>,
): Promise<void> {
  let logger: Logger | undefined;
  try {
    const config = readConfig(env);
    logger = createLogger({ name, level: config.logLevel ?? 'info' });
    await main(config, logger);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code === 'CONFIG.INVALID') {
      process.stderr.write(`${name}: ${(error as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    (logger ?? createLogger({ name, level: 'info' })).fatal({ err: error }, 'service failed');
    process.exitCode = 1;
  }
}
