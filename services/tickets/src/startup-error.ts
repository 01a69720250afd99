import { EventStoreError } from '@tickets/event-store';

/**
 * What stops `serve` before it is ready, caused by its surroundings rather than a bug: a store path
 * that is a directory or not a database, a port in use. The CLI prints the message, no stack, and
 * exits with code 2.
 */
export class StartupError extends Error {
  override readonly name = 'StartupError';
}

// System errors (`EADDRINUSE`, `EACCES`, `ENOENT` …) and the store's own: the environment's doing.
const fromEnvironment = (error: unknown): error is Error =>
  error instanceof EventStoreError ||
  (error instanceof Error &&
    typeof (error as NodeJS.ErrnoException).code === 'string' &&
    /^(E[A-Z]+|ERR_SOCKET_BAD_PORT)$/.test((error as NodeJS.ErrnoException).code!));

/** Runs one start-up step; a failure from the environment becomes a StartupError saying `what` failed. */
export async function startupStep<T>(what: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    if (fromEnvironment(error)) throw new StartupError(`${what}: ${error.message}`, { cause: error });
    throw error;
  }
}

/** A store URL fit for a message: without its password. */
export function storeLabel(url: string): string {
  if (!URL.canParse(url)) return url;
  const parsed = new URL(url);
  if (parsed.password === '') return url;
  parsed.password = '***';
  return parsed.toString();
}
