import type { IHeaders } from 'kafkajs';
import { decodeUtf8 } from '@tickets/platform';
import { binaryModeEvent, isBinaryMode, KAFKA_BINARY } from './cloudevent-binding.js';

type Reason = { readonly path: string; readonly message: string; readonly code: string };

export type DecodedRecord =
  { readonly ok: true; readonly event: unknown } | { readonly ok: false; readonly reasons: readonly Reason[] };

// Fatal: a header that is not UTF-8 is refused with its name, not read as replacement characters.
const utf8 = new TextDecoder('utf-8', { fatal: true });

const headerText = (value: IHeaders[string]): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  if (first === undefined || typeof first === 'string') return first;
  try {
    return utf8.decode(first);
  } catch {
    return undefined;
  }
};

/**
 * A Kafka record as a CloudEvent (Kafka protocol binding): binary mode when `ce_` headers carry the
 * attributes (the value is then the data, `content-type` its datacontenttype), structured mode
 * otherwise (the value is the whole event). Validation is the ingest's job; this only turns bytes
 * into the object it validates, or names the headers a binary record lacks.
 */
export function decodeCloudEvent(value: Buffer | null, headers: IHeaders | undefined): DecodedRecord {
  if (value === null) return fail('(value)', 'empty record (tombstone)', 'empty_record');
  // Bytes are never replaced by U+FFFD: two different ids would become one.
  const text = decodeUtf8(value);
  if (text === null) return fail('(value)', 'the record is not valid UTF-8', 'invalid_utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return fail('(value)', `not JSON: ${(error as Error).message}`, 'invalid_json');
  }
  const entries = Object.entries(headers ?? {}).map(([name, raw]) => [name.toLowerCase(), headerText(raw)] as const);
  const contentType = entries.find(([name]) => name === 'content-type')?.[1];
  if (
    !isBinaryMode(
      contentType,
      entries.map(([name]) => name),
      KAFKA_BINARY.prefix,
    )
  )
    return { ok: true, event: body };
  const binary = binaryModeEvent(entries, KAFKA_BINARY, contentType, body);
  return binary.ok ? { ok: true, event: binary.event } : { ok: false, reasons: binary.reasons };
}

const fail = (path: string, message: string, code: string): DecodedRecord => ({
  ok: false,
  reasons: [{ path, message, code }],
});
