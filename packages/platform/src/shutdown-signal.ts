import type { Logger } from './logger.js';

export interface ShutdownOptions {
  /** Time allowed, from the signal, to drain and close; then the process is ended with exit code 1. */
  readonly timeoutMs: number;
  readonly logger: Logger;
  /** How the process is ended when the time is up (tests replace it). */
  readonly exit?: (code: number) => void;
}

/**
 * Resolves with the name of the first SIGINT or SIGTERM: the moment to stop taking work and drain.
 * With options, the drain is bounded: if the process is still alive `timeoutMs` after the signal
 * (something would not close), it logs why and exits 1. The timer does not keep the process alive,
 * so a clean stop still exits 0 as soon as everything is closed.
 */
export function shutdownSignal(options?: ShutdownOptions): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const listeners = new Map<NodeJS.Signals, () => void>();
    const onSignal = (signal: NodeJS.Signals): void => {
      // Once draining, a second signal gets Node's default: the process ends at once.
      for (const [name, listener] of listeners) process.removeListener(name, listener);
      if (options !== undefined) {
        const exit = options.exit ?? ((code: number) => process.exit(code));
        setTimeout(() => {
          options.logger.fatal({ signal, timeoutMs: options.timeoutMs }, 'shutdown took too long, exiting');
          exit(1);
        }, options.timeoutMs).unref();
      }
      resolve(signal);
    };
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      const listener = (): void => onSignal(signal);
      listeners.set(signal, listener);
      process.once(signal, listener);
    }
  });
}
