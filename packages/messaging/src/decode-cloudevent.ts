import type { IHeaders } from 'kafkajs';
import { decodeUtf8 } from '@tickets/platform';

export type DecodedRecord =
  | { readonly ok: true; readonly event: unknown }
  | { readonly ok: false; readonly reason: { readonly path: string; readonly message: string; readonly code: string } };

// null: not UTF-8. Bytes are never replaced by U+FFFD: two different ids would become one.
const headerText = (value: IHeaders[string]): string | null | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : typeof first === 'string' ? first : decodeUtf8(first);
};

/**
 * A Kafka record as a CloudEvent (Kafka protocol binding): binary mode when `ce_` headers carry the
 * attributes (the value is then the data), structured mode otherwise (the value is the whole event).
 * Validation is the ingest's job; this only turns bytes into the object it validates.
 */
export function decodeCloudEvent(value: Buffer | null, headers: IHeaders | undefined): DecodedRecord {
  if (value === null) return fail('(value)', 'empty record (tombstone)', 'empty_record');
  const text = decodeUtf8(value);
  if (text === null) return fail('(value)', 'the record is not valid UTF-8', 'invalid_utf8');
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (error) {
    return fail('(value)', `not JSON: ${(error as Error).message}`, 'invalid_json');
  }
  const attributes: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (!name.startsWith('ce_')) continue;
    const attribute = headerText(raw);
    if (attribute === null) return fail(`(header ${name})`, `the header ${name} is not valid UTF-8`, 'invalid_utf8');
    if (attribute !== undefined) attributes[name.slice(3)] = attribute;
  }
  if (Object.keys(attributes).length === 0) return { ok: true, event: body };
  return { ok: true, event: { ...attributes, data: body } };
}

const fail = (path: string, message: string, code: string): DecodedRecord => ({ ok: false, reason: { path, message, code } });
