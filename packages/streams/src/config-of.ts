import type { RecordedEvent } from '@tickets/event-store';

// Apart from the configuration log: the timeline reads the hash each event names, and needs none of
// the log's schemas to do so.

/** The metadata key naming the configuration a decision was made under. */
export const CONFIG_METADATA = 'config';

/** The configuration hash an event names, or null for events written before configurations were recorded. */
export const configOf = (recorded: RecordedEvent): string | null => {
  const hash = recorded.metadata[CONFIG_METADATA];
  return typeof hash === 'string' ? hash : null;
};
