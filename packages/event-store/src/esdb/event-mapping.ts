import { jsonEvent, type EventData, type JSONType, type RecordedEvent as ClientRecordedEvent } from '@eventstore/db-client';
import { EventStoreError } from '../errors.js';
import type { EventMetadata, Json, NewEvent, RecordedEvent } from '../event-store.port.js';
import { invalidArgument, toJsonText } from '../validate-arguments.js';
import { eventPosition } from './esdb-position.js';
import { eventUuid } from './event-uuid.js';

/**
 * Where our own event id travels: the server's event id must be a UUID, so it gets one derived from
 * ours and the original rides in the event's metadata, to be restored on read.
 */
export const EVENT_ID_METADATA_KEY = '$tickets.id';

/** One of our events as the client sends it: JSON data, our metadata plus our id. */
export function toEventData(stream: string, event: NewEvent): EventData {
  const metadata = event.metadata ?? {};
  // The server's own records have `$` types; readers of `$all` skip them, so ours must not look alike.
  if (event.type.startsWith('$')) throw invalidArgument(`stream ${stream}: event ${event.id} has type ${event.type}; types starting with $ are reserved by EventStoreDB`);
  if (Object.hasOwn(metadata, EVENT_ID_METADATA_KEY)) throw invalidArgument(`stream ${stream}: event ${event.id} uses the reserved metadata key ${EVENT_ID_METADATA_KEY}`);
  // Fail as a bad argument here rather than as a TypeError inside the client's JSON.stringify.
  toJsonText(stream, event.id, event.data);
  toJsonText(stream, event.id, metadata);
  return jsonEvent({
    id: eventUuid(event.id),
    type: event.type,
    // The client types data as object, array or string; it serialises any JSON value the same way.
    data: event.data as JSONType,
    metadata: { ...metadata, [EVENT_ID_METADATA_KEY]: event.id },
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** Our id of a stored event: the one we wrote, or the server's UUID for an event someone else wrote. */
export function storedEventId(event: ClientRecordedEvent): string {
  const metadata = event.metadata;
  const ours = isPlainObject(metadata) ? metadata[EVENT_ID_METADATA_KEY] : undefined;
  return typeof ours === 'string' ? ours : event.id;
}

/** A stored event as our port shows it, under our stream name. */
export function toRecordedEvent(event: ClientRecordedEvent, stream: string): RecordedEvent {
  const position = eventPosition(event.position);
  if (position === undefined) {
    throw new EventStoreError('EVENT_STORE.UNAVAILABLE', 'the server reports no event positions on stream reads: EventStoreDB/KurrentDB 22.6 or later is required', false);
  }
  const metadata: Record<string, Json> = {};
  if (isPlainObject(event.metadata)) {
    for (const [key, value] of Object.entries(event.metadata)) if (key !== EVENT_ID_METADATA_KEY) metadata[key] = value as Json;
  }
  return {
    id: storedEventId(event),
    type: event.type,
    // Events this service did not write may be binary: hand them over as base64 text rather than fail.
    data: event.isJson ? (event.data as Json) : Buffer.from(event.data).toString('base64'),
    metadata: metadata as EventMetadata,
    stream,
    version: Number(event.revision),
    position,
  };
}
