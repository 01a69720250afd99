import type { Command } from '@tickets/domain';
import { withoutTicket } from './command-compat.js';
import { jsonEqual } from './json-equal.js';

export interface CommandDifferences {
  /** Only in the re-decided run. */
  readonly added: Command[];
  /** Only in what was recorded. */
  readonly removed: Command[];
  /** The same id (rule + trigger + action) with another action (the ticket it reports aside). */
  readonly changed: { readonly before: Command; readonly after: Command }[];
  /** Commands in both runs, identical. */
  readonly unchanged: number;
}

/** A command and where it comes from in the history, so reports list commands in history order. */
export interface SequencedCommand {
  readonly seq: number;
  readonly command: Command;
}

/** A sort key for the `index`-th command of the record at `position`. */
export const commandSeq = (position: number, index: number): number => position * 1_000 + index;

const inOrder = (items: Iterable<SequencedCommand>): Command[] =>
  [...items].sort((a, b) => a.seq - b.seq).map((item) => item.command);

/**
 * Matches recorded and re-decided commands by id as they come: both sides progress through the
 * history together, so only commands still waiting for their counterpart are held in memory.
 */
export class CommandDiff {
  private readonly before = new Map<string, SequencedCommand>();
  private readonly after = new Map<string, SequencedCommand>();
  private readonly changed: { seq: number; before: Command; after: Command }[] = [];
  private unchanged = 0;

  recorded(item: SequencedCommand): void {
    const twin = this.after.get(item.command.id);
    if (twin === undefined) this.before.set(item.command.id, item);
    else {
      this.after.delete(item.command.id);
      this.compare(item.command, twin);
    }
  }

  redecided(item: SequencedCommand): void {
    const twin = this.before.get(item.command.id);
    if (twin === undefined) this.after.set(item.command.id, item);
    else {
      this.before.delete(item.command.id);
      this.compare(twin.command, item);
    }
  }

  /** What is still unmatched on one side was only ever on that side. */
  result(): CommandDifferences {
    return {
      added: inOrder(this.after.values()),
      removed: inOrder(this.before.values()),
      changed: this.changed.sort((a, b) => a.seq - b.seq).map(({ before, after }) => ({ before, after })),
      unchanged: this.unchanged,
    };
  }

  private compare(before: Command, after: SequencedCommand): void {
    if (jsonEqual(withoutTicket(before), withoutTicket(after.command))) this.unchanged++;
    else this.changed.push({ seq: after.seq, before, after: after.command });
  }
}
