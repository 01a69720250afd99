import type { RecordedEvent } from '@tickets/event-store';
import type { EventRef } from './verify-report.js';

/** A stored event as a verify finding names it. */
export function eventRef(recorded: RecordedEvent): EventRef {
  const at = (recorded.data as { at?: unknown } | null)?.at;
  return {
    position: recorded.position,
    version: recorded.version,
    id: recorded.id,
    type: recorded.type,
    time: typeof at === 'string' ? at : null,
  };
}
