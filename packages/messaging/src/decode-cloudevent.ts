import type { IHeaders } from 'kafkajs';

export type DecodedRecord =
  | { readonly ok: true; readonly event: unknown }
  | { readonly ok: false; readonly reason: { readonly path: string; readonly message: string; readonly code: string } };

const headerText = (value: IHeaders[string]): string | undefined => {
  const first = Array.isArray(value) ? value[0] : value;
  return first === undefined ? undefined : first.toString('utf8');
};

/**
 * A Kafka record as a CloudEvent (Kafka protocol binding): binary mode when `ce_` headers carry the
 * attributes (the value is then the data), structured mode otherwise (the value is the whole event).
 * Validation is the ingest's job; this only turns bytes into the object it validates.
 */
export function decodeCloudEvent(value: Buffer | null, headers: IHeaders | undefined): DecodedRecord {
  if (value === null) return fail('(value)', 'empty record (tombstone)', 'empty_record');
  let body: unknown;
  try {
    body = JSON.parse(value.toString('utf8'));
  } catch (error) {
    return fail('(value)', `not JSON: ${(error as Error).message}`, 'invalid_json');
  }
  const attributes: Record<string, string> = {};
  for (const [name, raw] of Object.entries(headers ?? {})) {
    if (!name.startsWith('ce_')) continue;
    const text = headerText(raw);
    if (text !== undefined) attributes[name.slice(3)] = text;
  }
  if (Object.keys(attributes).length === 0) return { ok: true, event: body };
  return { ok: true, event: { ...attributes, data: body } };
}

const fail = (path: string, message: string, code: string): DecodedRecord => ({ ok: false, reason: { path, message, code } });
