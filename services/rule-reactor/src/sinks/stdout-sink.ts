import type { Writable } from 'node:stream';
import type { Command } from '@tickets/domain';
import { CommandSinkError, sinkClosedError, type CommandSink } from './command-sink.port.js';

/**
 * Writes one JSON line per command to `out` (stdout by default). `publish` resolves when the
 * stream has taken the whole batch. The stream is not ours: `close` leaves it open. When commands
 * go to stdout, logs must go elsewhere (stderr) or the two would mix.
 */
export function createStdoutSink(out: Writable = process.stdout): CommandSink {
  let pending: Promise<void> = Promise.resolve();
  let closed = false;

  const write = (text: string): Promise<void> =>
    new Promise((resolve, reject) => {
      out.write(text, 'utf8', (error) => {
        if (error)
          reject(
            new CommandSinkError('SINK.UNAVAILABLE', 'cannot write commands to the output stream', false, {
              cause: error,
            }),
          );
        else resolve();
      });
    });

  return {
    publish(commands: readonly Command[]): Promise<void> {
      if (closed) return Promise.reject(sinkClosedError('stdout'));
      if (commands.length === 0) return Promise.resolve();
      const written = write(commands.map((command) => `${JSON.stringify(command)}\n`).join(''));
      pending = written.catch(() => undefined);
      return written;
    },

    async close(): Promise<void> {
      closed = true;
      await pending;
    },
  };
}
