import type { Command } from '@tickets/domain';
import { sinkClosedError, type CommandSink } from './command-sink.port.js';

/** A sink that keeps what it receives: `simulate` prints it, tests assert on it. */
export interface MemorySink extends CommandSink {
  /** Every command published, in order. */
  readonly commands: readonly Command[];
  /** The batches as they were published (empty batches included). */
  readonly batches: readonly (readonly Command[])[];
  /** Forgets what was collected. */
  clear(): void;
}

export function createMemorySink(): MemorySink {
  const commands: Command[] = [];
  const batches: (readonly Command[])[] = [];
  let closed = false;
  return {
    get commands(): readonly Command[] {
      return commands;
    },
    get batches(): readonly (readonly Command[])[] {
      return batches;
    },
    clear(): void {
      commands.length = 0;
      batches.length = 0;
    },
    async publish(published: readonly Command[]): Promise<void> {
      if (closed) throw sinkClosedError('memory');
      // Copies, so a caller reusing its array cannot rewrite history.
      batches.push([...published]);
      for (const command of published) commands.push(command);
    },
    async close(): Promise<void> {
      closed = true;
    },
  };
}
