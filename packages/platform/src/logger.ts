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

// pino redact paths have a fixed depth (`*` matches exactly one level, arrays included), so each
// sensitive key is listed under 0..MAX_PARENTS parents: `{ event: { data: { message: { body } } } }`
// needs `*.*.*.body`. Four parents reach a CloudEvent inside a list inside a log object.
const MAX_PARENTS = 4;
const underAnyParent = (path: string): string[] =>
  Array.from({ length: MAX_PARENTS + 1 }, (_, depth) => '*.'.repeat(depth) + path);

/** Every place our objects carry personal data: message bodies, contact details, names. */
export const REDACT_PATHS: readonly string[] = [
  // Message bodies (inbound `message.body`, command `data.body`, HTTP `req.body`) and contact
  // details are personal data under whatever parent they appear.
  ...['body', 'phone', 'email'].flatMap(underAnyParent),
  // `name` is only personal under `customer`; rule names and error names must stay readable.
  ...underAnyParent('customer.name'),
  // `message.send` commands: `data.to` is the customer's phone, e-mail or chat id.
  ...underAnyParent('data.to'),
  'to',
  // New SMS tickets get a subject containing the customer's name (SPEC). A CloudEvent's own
  // top-level `subject` is an id and stays.
  ...['data.subject', 'ticket.subject', 'previous.subject', 'state.subject'].flatMap(underAnyParent),
  // Credentials on HTTP requests and responses.
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
];

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
  return text.replace(PII_PATTERN, (match: string, date: string | undefined) => date ?? REDACTED);
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
    if (Array.isArray(value)) serialized[key] = value.map((item) => scrubSerializedError(item, depth + 1));
    else if (isErrorLike(value)) serialized[key] = scrubSerializedError(value, depth + 1);
  }
  return serialized;
}

const serializeError = (err: unknown): unknown => scrubSerializedError(pino.stdSerializers.err(err as Error), 0);

export function createLogger(options: CreateLoggerOptions = {}): pino.Logger {
  const clock = options.clock ?? systemClock;
  const loggerOptions: pino.LoggerOptions = {
    level: options.level ?? 'info',
    ...(options.name === undefined ? {} : { name: options.name }),
    redact: { paths: [...REDACT_PATHS], censor: REDACTED },
    serializers: { err: serializeError },
    // Level names read better than numbers in JSON consumers and greps.
    formatters: { level: (label) => ({ level: label }) },
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
