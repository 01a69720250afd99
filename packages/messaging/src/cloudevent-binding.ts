// The rules the CloudEvents HTTP and Kafka protocol bindings share, written once for both transports:
// which content mode a message is in, and how binary mode's headers become the event's attributes.
// The transports differ only in the header prefix (`ce-` / `ce_`) and in how a value is written
// (HTTP percent-encodes, Kafka carries UTF-8 as it is).

/** One thing wrong with a message's headers: `path` names the header. */
export interface HeaderProblem {
  readonly path: string;
  readonly message: string;
  readonly code: 'missing_header' | 'invalid_header';
}

export interface BinaryBinding {
  /** What every attribute header's name starts with. */
  readonly prefix: 'ce-' | 'ce_';
  /** A header value → the attribute's value; undefined when it is not a valid encoding. */
  readonly decode: (value: string) => string | undefined;
  /** Why a value did not decode, for the problem's message. */
  readonly invalid: string;
}

export type BinaryModeEvent =
  | { readonly ok: true; readonly event: Record<string, unknown> }
  | { readonly ok: false; readonly reasons: readonly HeaderProblem[] };

const STRUCTURED_PREFIX = 'application/cloudevents';

/**
 * Binary mode, by the bindings' rule: the content type is not a CloudEvents format
 * (`application/cloudevents+json`, `application/cloudevents-batch+json`) and the attributes travel in
 * prefixed headers. Any one such header is enough, so that a sender who forgot `ce-specversion` is
 * told which header is missing rather than having its data read as a whole event.
 */
export function isBinaryMode(
  contentType: string | undefined,
  headerNames: Iterable<string>,
  prefix: BinaryBinding['prefix'],
): boolean {
  if (contentType?.trim().toLowerCase().startsWith(STRUCTURED_PREFIX)) return false;
  for (const name of headerNames) if (name.toLowerCase().startsWith(prefix)) return true;
  return false;
}

/**
 * The attributes an inbound event cannot do without: the four CloudEvents requires, and `time`
 * and `subject`, which the ticket contract requires. Each one missing is named by its header.
 */
const REQUIRED: readonly (readonly [attribute: string, what: string])[] = [
  ['specversion', 'the CloudEvents version, 1.0'],
  ['id', 'the event id'],
  ['source', 'the integration that produced the event'],
  ['type', 'the event type'],
  ['time', 'the event time'],
  ['subject', 'the customer id'],
];

/**
 * A binary-mode message as the structured event it stands for: one attribute per prefixed header,
 * `datacontenttype` from the content type (a `ce-datacontenttype` header is not allowed beside it,
 * and loses to it), and `data`. `headers` are (name, value) pairs; a value that is not readable text
 * is undefined. Built with own keys only, as JSON.parse would make it, so a `ce-__proto__` header
 * is an attribute the validation refuses, never a prototype.
 */
export function binaryModeEvent(
  headers: Iterable<readonly [name: string, value: string | undefined]>,
  binding: BinaryBinding,
  contentType: string | undefined,
  data: unknown,
): BinaryModeEvent {
  const attributes: [string, string][] = [];
  const reasons: HeaderProblem[] = [];
  for (const [rawName, raw] of headers) {
    const name = rawName.toLowerCase();
    if (!name.startsWith(binding.prefix)) continue;
    const value = raw === undefined ? undefined : binding.decode(raw);
    if (value === undefined) {
      reasons.push({ path: name, code: 'invalid_header', message: binding.invalid });
      continue;
    }
    attributes.push([name.slice(binding.prefix.length), value]);
  }
  const present = new Set(attributes.map(([attribute]) => attribute));
  for (const [attribute, what] of REQUIRED) {
    const header = `${binding.prefix}${attribute}`;
    if (!present.has(attribute) && !reasons.some((reason) => reason.path === header)) {
      reasons.push({
        path: header,
        code: 'missing_header',
        message: `binary mode needs the header ${header} (${what})`,
      });
    }
  }
  if (reasons.length > 0) return { ok: false, reasons };
  const event: Record<string, unknown> = Object.fromEntries(
    attributes.filter(([attribute]) => attribute !== 'data' && attribute !== 'datacontenttype'),
  );
  if (contentType !== undefined) event['datacontenttype'] = contentType;
  event['data'] = data;
  return { ok: true, event };
}

// RFC 7230 quoted-string: older senders quoted values holding spaces or double quotes.
const QUOTED = /^"((?:[^"\\]|\\[\s\S])*)"$/;
const NOT_PRINTABLE_ASCII = /[^\x20-\x7e]/;

/**
 * An HTTP header value as the HTTP binding decodes it: a double-quoted string unescaped, then one
 * round of percent-decoding as UTF-8. Characters outside printable ASCII must arrive percent-encoded;
 * bytes that are not UTF-8 (including overlong forms such as `%C0%A0`) are refused.
 */
export function decodeHttpHeaderValue(value: string): string | undefined {
  const quoted = QUOTED.exec(value);
  const text = quoted === null ? value : quoted[1]!.replace(/\\([\s\S])/g, '$1');
  if (NOT_PRINTABLE_ASCII.test(text)) return undefined;
  try {
    // decodeURIComponent refuses malformed escapes and invalid UTF-8, and leaves `+` alone.
    return decodeURIComponent(text);
  } catch {
    return undefined;
  }
}

/** Every character the HTTP binding says a header value must not carry as it is: space, `"`, `%`, and all outside U+0021–U+007E. */
const MUST_ENCODE = /[^\x21\x23\x24\x26-\x7e]/gu;

/** An attribute value as an HTTP header value (the binding's percent-encoding, upper-case hex). */
export function encodeHttpHeaderValue(value: string): string {
  return value.replace(MUST_ENCODE, (character) =>
    [...Buffer.from(character, 'utf8')].map((byte) => `%${byte.toString(16).toUpperCase().padStart(2, '0')}`).join(''),
  );
}

export const HTTP_BINARY: BinaryBinding = {
  prefix: 'ce-',
  decode: decodeHttpHeaderValue,
  invalid:
    'not a valid header value: characters outside printable ASCII must be percent-encoded UTF-8 (CloudEvents HTTP binding)',
};

export const KAFKA_BINARY: BinaryBinding = {
  prefix: 'ce_',
  decode: (value) => value,
  invalid: 'not UTF-8 text (CloudEvents Kafka binding)',
};
