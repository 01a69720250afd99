import type { Command } from '@tickets/domain';
import { clip, printable } from './terminal-text.js';

/** A command's payload in a few words, for terminal reports. */
export function describeCommand(command: Command): string {
  switch (command.type) {
    case 'ticket.tag.add':
      return `add tag ${printable(command.data.tag)}`;
    case 'ticket.tag.remove':
      return `remove tag ${printable(command.data.tag)}`;
    case 'ticket.assign':
      return `assign to ${printable(command.data.team)}`;
    case 'message.send': {
      const segments =
        command.data.segments === undefined
          ? ''
          : ` (${command.data.segments} SMS segment${command.data.segments === 1 ? '' : 's'})`;
      return `send to ${printable(command.data.to)} on ${command.data.channel}: «${printable(clip(command.data.body, 80))}»${segments}`;
    }
    case 'ticket.note.add':
      return `internal note: «${printable(clip(command.data.body, 80))}»`;
    case 'ticket.close':
      return 'close the ticket';
    default: {
      const unexpected: never = command;
      return JSON.stringify(unexpected);
    }
  }
}
