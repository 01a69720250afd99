import pino from 'pino';
import { systemClock, type Clock } from './clock.js';

export type { DestinationStream, Logger } from 'pino';

export const REDACTED = '[redacted]';

export interface CreateLoggerOptions {
  /** pino level name; `info` unless the composition root says otherwise. */
  readonly level?: string;
  /** Bound as `name` on every line (service or component). */
  readonly name?: string;
  /** Where JSON lines go; stdout when absent. Tests pass an in-memory stream. */
  readonly destination?: pino.DestinationStream;
  /** Log line times come from the injected clock, so tests can pin them. */
  readonly clock?: Clock;
}

/**
 * Keys whose values are personal data wherever they appear: message bodies, contact details and
 * `to`, a `message.send` command's recipient (phone, e-mail or chat id).
 */
const PII_KEYS: ReadonlySet<string> = new Set(['body', 'phone', 'email', 'to']);

/** Keys that are personal data only under a given parent key. */
const PII_KEYS_UNDER: ReadonlyMap<string, ReadonlySet<string>> = new Map([
  // `name` is personal only for customers; rule names and error names must stay readable.
  ['customer', new Set(['name'])],
  // New SMS tickets get a subject containing the customer's name (SPEC). A CloudEvent's own
  // top-level `subject` is an id and stays.
  ['data', new Set(['subject'])],
  ['ticket', new Set(['subject'])],
  ['previous', new Set(['subject'])],
  ['state', new Set(['subject'])],
  ['headers', new Set(['authorization', 'cookie', 'set-cookie', 'webhook-signature'])],
]);

/**
 * Paths for pino's own `redact`, which also reaches child-logger bindings (formatters never see
 * them). Anchored paths cost ~1 µs when they match; leading `*.` wildcards cost ~25 µs on every
 * line (measured, 40x a plain line), so any depth is left to `redactPii` below.
 */
export const REDACT_PATHS: readonly string[] = [
  ...PII_KEYS,
  'customer.name',
  'customer.phone',
  'customer.email',
  'message.body',
  'data.to',
  'data.body',
  'data.subject',
  'data.customer.name',
  'data.customer.phone',
  'data.customer.email',
  'data.message.body',
  'ticket.subject',
  'req.headers.authorization',
  'req.headers.cookie',
];

// Anything deeper is replaced whole: it bounds the walk (and ends cycles) without letting
// personal data through below the limit.
const MAX_DEPTH = 10;

const isPlainObject = (value: unknown): value is Record<string, unknown> => {
  if (typeof value !== 'object' || value === null) return false;
  const prototype: unknown = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
};

const isPiiKey = (parent: string, key: string): boolean =>
  PII_KEYS.has(key) || PII_KEYS_UNDER.get(parent)?.has(key) === true;

// An absent or null value reveals nothing and stays as it is, so logs still show the field unset.
const redactField = (parent: string, key: string, value: unknown, depth: number): unknown =>
  value !== undefined && value !== null && isPiiKey(parent, key)
    ? REDACTED
    : key === 'url' && typeof value === 'string'
      ? redactQuery(value)
      : redactPii(value, key, depth + 1);

/**
 * Returns `value` with every personal field replaced by `[redacted]`, at any depth and inside
 * lists. Copies only the objects it changes; the caller's objects are never mutated.
 */
export function redactPii(value: unknown, parent = '', depth = 0): unknown {
  if (depth > MAX_DEPTH) return REDACTED;
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined;
    value.forEach((item, index) => {
      const next = redactPii(item, parent, depth + 1);
      if (next !== item) (copy ??= [...value])[index] = next;
    });
    return copy ?? value;
  }
  // Errors go through the err serializer; Dates, Buffers and class instances are left alone.
  if (!isPlainObject(value)) return value;
  let copy: Record<string, unknown> | undefined;
  for (const key of Object.keys(value)) {
    const item = value[key];
    const next = redactField(parent, key, item, depth);
    if (next !== item) (copy ??= { ...value })[key] = next;
  }
  return copy ?? value;
}

// A date or timestamp is matched first and kept, so `2024-01-05T10:00:00Z` is not mistaken for
// a phone number (8 digits joined by dashes).
const ISO_DATE = String.raw`(?:19|20)\d{2}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12]\d|3[01])(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?`;
// Bounded repetitions keep the scan linear on long inputs (no catastrophic backtracking).
const EMAIL = String.raw`[\w.+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})+`;
// 7+ digits, optionally separated as people write numbers (`+33 6 12-34.56 78`, `(555) 123 4567`).
// Not glued to letters or dashes, so derived ids, hashes and `1500000ms` survive.
const PHONE = String.raw`(?<![\w-])\+?\d(?:[ ().-]{0,3}\d){6,}(?![\w-])`;
const PII_PATTERN = new RegExp(`(${ISO_DATE})|${EMAIL}|${PHONE}`, 'g');

/**
 * Replaces e-mail addresses and phone-number-like digit runs with `[redacted]`. For text built
 * from input (error messages, stack traces) where key-based redaction cannot reach.
 */
export function scrubPii(text: string): string {
  return text.replace(PII_PATTERN, (_match: string, date: string | undefined) => date ?? REDACTED);
}

interface ErrorLike {
  message: string;
  stack?: unknown;
  [key: string]: unknown;
}

const isErrorLike = (value: unknown): value is ErrorLike =>
  typeof value === 'object' && value !== null && typeof (value as { message?: unknown }).message === 'string';

// Error messages are often built from input ("no ticket for +33612345678"); scrub the serialized
// copy (pino's serializer returns a fresh object) including nested and aggregated errors.
function scrubSerializedError(serialized: unknown, depth: number): unknown {
  if (typeof serialized === 'string') return scrubPii(serialized);
  if (!isErrorLike(serialized) || depth > 8) return serialized;
  serialized.message = scrubPii(serialized.message);
  if (typeof serialized.stack === 'string') serialized.stack = scrubPii(serialized.stack);
  for (const [key, value] of Object.entries(serialized)) {
    if (key === 'aggregateErrors' && Array.isArray(value))
      serialized[key] = value.map((item) => scrubSerializedError(item, depth + 1));
    else if (isErrorLike(value)) serialized[key] = scrubSerializedError(value, depth + 1);
    // Extra fields on errors (`input`, `issues`, `body`, …) get the same key-based redaction.
    else if (key !== 'message' && key !== 'stack') serialized[key] = redactField('err', key, value, depth);
  }
  return serialized;
}

const serializeError = (err: unknown): unknown => scrubSerializedError(pino.stdSerializers.err(err as Error), 0);

/**
 * A URL as logged: the path, and `?[redacted]` for any query. Query strings carry search terms
 * (`/ui/find?q=<a name>`) and, from careless clients, tokens (`?token=…`).
 */
export function redactQuery(url: string): string {
  const at = url.indexOf('?');
  return at < 0 ? url : `${url.slice(0, at)}?${REDACTED}`;
}

interface RequestLike {
  readonly method?: string;
  readonly url?: string;
  readonly host?: string;
  readonly ip?: string;
  readonly socket?: { readonly remotePort?: number };
}

// Replaces Fastify's `req` serializer (ours wins: it is the logger's own): the same fields, the
// URL without its query string.
const serializeRequest = (req: RequestLike): Record<string, unknown> => ({
  method: req.method,
  url: typeof req.url === 'string' ? redactQuery(req.url) : req.url,
  host: req.host,
  remoteAddress: req.ip,
  remotePort: req.socket?.remotePort,
});

export function createLogger(options: CreateLoggerOptions = {}): pino.Logger {
  const clock = options.clock ?? systemClock;
  const loggerOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    ...(options.name === undefined ? {} : { name: options.name }),
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    serializers: { err: serializeError, req: serializeRequest },
    formatters: {
      // Level names read better than numbers in JSON consumers and greps.
      level: (label) => ({ level: label }),
      // One walk over the logged object reaches personal fields at every depth for ~1 µs.
      log: (object) => redactPii(object) as Record<string, unknown>,
    },
    timestamp: () => `,"time":"${clock().toISOString()}"`,
    hooks: {
      logMethod(args, method) {
        const [first, ...rest] = args as unknown[];
        // `log.error(err)` makes pino use the raw err.message as the line's message: pass a
        // scrubbed one instead.
        if (rest.length === 0 && typeof first === 'object' && first !== null) {
          const err = first instanceof Error ? first : (first as { err?: unknown }).err;
          if (isErrorLike(err)) {
            method.apply(this, [first, scrubPii(err.message)] as unknown as Parameters<pino.LogFn>);
            return;
          }
        }
        // Messages should be constant strings; scrubbing is a net for those that are not.
        const scrubbed = (args as unknown[]).map((arg) => (typeof arg === 'string' ? scrubPii(arg) : arg));
        method.apply(this, scrubbed as Parameters<pino.LogFn>);
      },
    },
  };
  return options.destination === undefined ? pino(loggerOptions) : pino(loggerOptions, options.destination);
}
