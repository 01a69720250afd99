import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { Command } from '@tickets/domain';
import { CommandSinkError, sinkClosedError, type CommandSink } from './command-sink.port.js';

// Failures that waiting will not cure; anything else (disk full, too many open files) may pass.
const PERMANENT = new Set(['EACCES', 'EPERM', 'EISDIR', 'ENOTDIR', 'EROFS', 'EEXIST']);

/**
 * Appends one JSON line per command to `path`, creating its directories on first use. `publish`
 * resolves once the lines are written to the operating system (readable by others), without
 * fsync: a crash may lose the tail or cut the last line, and the relay then publishes those
 * commands again (same ids); readers skip a torn last line.
 */
export function createNdjsonFileSink(path: string): CommandSink {
  let file: Promise<FileHandle> | undefined;
  // Batches are appended one after the other so concurrent publishes never interleave lines.
  let tail: Promise<void> = Promise.resolve();
  let closed = false;

  const handle = (): Promise<FileHandle> => {
    if (file === undefined) {
      const opening = mkdir(dirname(path), { recursive: true }).then(() => open(path, 'a'));
      // Forget a failed open so a later publish tries again (the directory may be fixed by then).
      opening.catch(() => {
        if (file === opening) file = undefined;
      });
      file = opening;
    }
    return file;
  };

  async function append(text: string): Promise<void> {
    try {
      await (await handle()).appendFile(text, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code ?? '';
      throw new CommandSinkError(
        'SINK.UNAVAILABLE',
        `cannot append commands to ${path} (${code || 'write failed'})`,
        !PERMANENT.has(code),
        {
          cause: error,
        },
      );
    }
  }

  return {
    publish(commands: readonly Command[]): Promise<void> {
      if (closed) return Promise.reject(sinkClosedError('file'));
      if (commands.length === 0) return Promise.resolve();
      const text = commands.map((command) => `${JSON.stringify(command)}\n`).join('');
      const written = tail.then(() => append(text));
      // A failed batch must not block the ones queued behind it.
      tail = written.catch(() => undefined);
      return written;
    },

    async close(): Promise<void> {
      closed = true;
      await tail;
      const opened = await file?.catch(() => undefined);
      file = undefined;
      await opened?.close();
    },
  };
}
