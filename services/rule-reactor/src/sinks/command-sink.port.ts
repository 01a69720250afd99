import type { Command } from '@tickets/domain';

/**
 * Where commands leave the system in embedded mode (a file, stdout, a webhook, memory). The relay
 * moves its checkpoint only after `publish` resolves, so delivery is at-least-once: consumers
 * deduplicate by the commands' deterministic ids.
 */
export interface CommandSink {
  /** Resolves once every command is handed over (written and flushed, or acknowledged). */
  publish(commands: readonly Command[]): Promise<void>;
  /** Finishes pending work and releases resources; later `publish` calls reject. */
  close(): Promise<void>;
}

/** Codes that survive crossing processes and logs. */
export type CommandSinkErrorCode =
  | 'SINK.UNAVAILABLE' // the destination failed or could not be reached; trying later may work
  | 'SINK.REJECTED' // the destination refused the commands; resending them as they are will not help
  | 'SINK.CLOSED' // publish after (or while) closing
  | 'SINK.INVALID_SPEC'; // the `--commands` value names no sink we know

/** The one error base of the sinks: a code, whether a retry may help, and the cause. */
export class CommandSinkError extends Error {
  override readonly name: string = 'CommandSinkError';
  constructor(
    readonly code: CommandSinkErrorCode,
    message: string,
    readonly retriable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export const sinkClosedError = (sink: string): CommandSinkError =>
  new CommandSinkError('SINK.CLOSED', `the ${sink} command sink is closed`, false);
