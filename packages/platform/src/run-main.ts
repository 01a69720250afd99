import { ConfigError } from './env-config.js';
import { createLogger, type Logger } from './logger.js';

/**
 * The shell of every service's main.ts: a configuration problem exits with code 2 and its message,
 * anything else that escapes is logged and exits with code 1.
 */
export async function runMain(name: string, main: (logger: Logger) => Promise<void>): Promise<void> {
  const logger = createLogger({ name, level: process.env['LOG_LEVEL'] ?? 'info' });
  try {
    await main(logger);
  } catch (error) {
    if (error instanceof ConfigError || (error as { code?: string }).code === 'CONFIG.INVALID') {
      process.stderr.write(`${name}: ${(error as Error).message}\n`);
      process.exitCode = 2;
      return;
    }
    logger.fatal({ err: error }, 'service failed');
    process.exitCode = 1;
  }
}
