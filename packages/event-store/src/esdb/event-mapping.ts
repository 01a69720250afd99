import { jsonEvent, type EventData, type JSONType, type RecordedEvent as ClientRecordedEvent } from '@kurrent/kurrentdb-client';
import { EventStoreError } from '../errors.js';
import type { EventMetadata, Json, NewEvent, RecordedEvent } from '../event-store.port.js';
import { invalidArgument, toJsonText } from '../validate-arguments.js';
import { eventPosition } from './esdb-position.js';
import { eventUuid } from './event-uuid.js';

/**
 * Where our own event id travels: the server's event id must be a UUID, so it gets one derived from
 * ours and the original rides in the event's metadata, to be restored on read.
 *
 * Events are written with KurrentDB's multi-stream append, whose metadata is a set of properties
 * with string values (the client refuses anything else) and which the server reads back as a JSON
 * object plus its own `$schema.name` and `$schema.format` keys. So our id is one property and our
 * metadata, any JSON, is another, as JSON text. User property names must not start with `$`.
 */
export const EVENT_ID_METADATA_KEY = 'tickets.id';
export const METADATA_PROPERTY = 'tickets.metadata';
/** Where earlier versions of this adapter (single-stream appends, JSON metadata) kept our id. */
export const LEGACY_EVENT_ID_METADATA_KEY = '$tickets.id';

/** One of our events as the client sends it: JSON data, our id and metadata as properties. */
export function toEventData(stream: string, event: NewEvent): EventData {
  const metadata = event.metadata ?? {};
  // The server's own records have `$` types; readers of `$all` skip them, so ours must not look alike.
  if (event.type.startsWith('$')) throw invalidArgument(`stream ${stream}: event ${event.id} has type ${event.type}; types starting with $ are reserved by KurrentDB`);
  // Fail as a bad argument here rather than as a TypeError inside the client's JSON.stringify.
  toJsonText(stream, event.id, event.data);
  const metadataText = toJsonText(stream, event.id, metadata);
  return jsonEvent({
    id: eventUuid(event.id),
    type: event.type,
    // The client types data as object, array or string; it serialises any JSON value the same way.
    data: event.data as JSONType,
    metadata: { [EVENT_ID_METADATA_KEY]: event.id, [METADATA_PROPERTY]: metadataText },
  });
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

/** Our id of a stored event: the one we wrote, or the server's UUID for an event someone else wrote. */
export function storedEventId(event: ClientRecordedEvent): string {
  const metadata = event.metadata;
  if (!isPlainObject(metadata)) return event.id;
  const ours = metadata[EVENT_ID_METADATA_KEY] ?? metadata[LEGACY_EVENT_ID_METADATA_KEY];
  return typeof ours === 'string' ? ours : event.id;
}

/** Our metadata of a stored event: the JSON property we wrote, or (older events) the JSON metadata less our id. */
function storedMetadata(event: ClientRecordedEvent): EventMetadata {
  if (!isPlainObject(event.metadata)) return {};
  const text = event.metadata[METADATA_PROPERTY];
  if (typeof text === 'string') {
    try {
      const parsed: unknown = JSON.parse(text);
      if (isPlainObject(parsed)) return parsed as EventMetadata;
    } catch {
      // Not ours after all: fall through and keep what is there.
    }
  }
  const metadata: Record<string, Json> = {};
  for (const [key, value] of Object.entries(event.metadata)) if (key !== LEGACY_EVENT_ID_METADATA_KEY) metadata[key] = value as Json;
  return metadata as EventMetadata;
}

/** A stored event as our port shows it, under our stream name. */
export function toRecordedEvent(event: ClientRecordedEvent, stream: string): RecordedEvent {
  const position = eventPosition(event.position);
  if (position === undefined) {
    throw new EventStoreError('EVENT_STORE.UNAVAILABLE', 'the server reports no event positions on stream reads: KurrentDB 26.1 or later is required', false);
  }
  return {
    id: storedEventId(event),
    type: event.type,
    // Events this service did not write may be binary: hand them over as base64 text rather than fail.
    data: event.isJson ? (event.data as Json) : Buffer.from(event.data).toString('base64'),
    metadata: storedMetadata(event),
    stream,
    version: Number(event.revision),
    position,
  };
}
