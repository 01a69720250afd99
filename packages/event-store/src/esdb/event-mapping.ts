import {
  jsonEvent,
  type EventData,
  type JSONType,
  type RecordedEvent as ClientRecordedEvent,
} from '@kurrent/kurrentdb-client';
import type { ChainedEvent } from '../chain/event-hash.js';
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
/** The event's chain hash (`chain/event-hash.ts`), computed at append from the head at the expected revision. */
export const CHAIN_HASH_PROPERTY = 'tickets.hash';
/** Where earlier versions of this adapter (single-stream appends, JSON metadata) kept our id. */
export const LEGACY_EVENT_ID_METADATA_KEY = '$tickets.id';

/** An event's metadata and data as JSON text: what its chain hash covers. Validates the event. */
export interface EventTexts {
  readonly metadata: string;
  readonly data: string;
}

export function eventTexts(stream: string, event: NewEvent): EventTexts {
  // The server's own records have `$` types; readers of `$all` skip them, so ours must not look alike.
  if (event.type.startsWith('$'))
    throw invalidArgument(
      `stream ${stream}: event ${event.id} has type ${event.type}; types starting with $ are reserved by KurrentDB`,
    );
  // Fail as a bad argument here rather than as a TypeError inside the client's JSON.stringify.
  const data = toJsonText(stream, event.id, event.data);
  return { metadata: toJsonText(stream, event.id, event.metadata ?? {}), data };
}

/** One of our events as the client sends it: JSON data, our id, metadata and chain hash as properties. */
export function toEventData(event: NewEvent, texts: EventTexts, hash: string): EventData {
  return jsonEvent({
    id: eventUuid(event.id),
    type: event.type,
    // The client types data as object, array or string; it serialises any JSON value the same way
    // (JSON.stringify, as `texts.data`), so the data read back stringifies to what the hash covers.
    data: event.data as JSONType,
    metadata: { [EVENT_ID_METADATA_KEY]: event.id, [METADATA_PROPERTY]: texts.metadata, [CHAIN_HASH_PROPERTY]: hash },
  });
}

/** The chain hash stored with an event; null for events written before the chain (or by others). */
export function storedChainHash(event: ClientRecordedEvent): string | null {
  const hash = isPlainObject(event.metadata) ? event.metadata[CHAIN_HASH_PROPERTY] : undefined;
  return typeof hash === 'string' ? hash : null;
}

/** A stored event as stored, with its chain hash: the texts the hash covers. */
export function toChainedEvent(event: ClientRecordedEvent, stream: string): ChainedEvent {
  const recorded = toRecordedEvent(event, stream);
  const text = isPlainObject(event.metadata) ? event.metadata[METADATA_PROPERTY] : undefined;
  return {
    position: recorded.position,
    stream,
    version: recorded.version,
    id: recorded.id,
    type: recorded.type,
    metadata: typeof text === 'string' ? text : JSON.stringify(recorded.metadata),
    data: typeof recorded.data === 'string' && !event.isJson ? recorded.data : JSON.stringify(recorded.data),
    hash: storedChainHash(event),
  };
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);

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
  for (const [key, value] of Object.entries(event.metadata))
    if (key !== LEGACY_EVENT_ID_METADATA_KEY) metadata[key] = value as Json;
  return metadata as EventMetadata;
}

/** A stored event as our port shows it, under our stream name. */
export function toRecordedEvent(event: ClientRecordedEvent, stream: string): RecordedEvent {
  const position = eventPosition(event.position);
  if (position === undefined) {
    throw new EventStoreError(
      'EVENT_STORE.UNAVAILABLE',
      'the server reports no event positions on stream reads: KurrentDB 26.1 or later is required',
      false,
    );
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
