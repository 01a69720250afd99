import { binaryModeEvent, HTTP_BINARY, isBinaryMode, type HeaderProblem } from '@tickets/messaging';
import { errorBody, type ErrorBody } from '@tickets/platform';

type Headers = Readonly<Record<string, string | string[] | undefined>>;

export type BinaryModeRequest =
  | {
      readonly ok: true;
      /** The structured event the request stands for: what the route validates, limits and stores. */
      readonly event: Record<string, unknown>;
      /**
       * The `ce-*` and content-type headers as received. The webhook signature covers the body only:
       * these go into the replay fingerprint, so a webhook id cannot come back with other attributes.
       */
      readonly unsignedParts: string;
    }
  | {
      readonly ok: false;
      readonly answer: ErrorBody & { readonly invalid: readonly [{ index: 0; reasons: readonly HeaderProblem[] }] };
    };

const text = (value: string | string[] | undefined): string | undefined =>
  Array.isArray(value) ? value.join(', ') : value;

/**
 * `POST /v1/events` in CloudEvents binary mode (HTTP binding 3.1): the attributes in `ce-*` headers,
 * the body the event's data. Null when the request is not in binary mode (structured or batched, by
 * its content type, or no `ce-*` header at all), so the route reads the body as it always has.
 */
export function readBinaryMode(headers: Headers, body: unknown): BinaryModeRequest | null {
  const contentType = text(headers['content-type']);
  if (!isBinaryMode(contentType, Object.keys(headers), HTTP_BINARY.prefix)) return null;
  const entries = Object.entries(headers).map(([name, value]) => [name, text(value)] as const);
  const binary = binaryModeEvent(entries, HTTP_BINARY, contentType, body);
  if (!binary.ok) {
    const named = binary.reasons
      .map((reason) => `${reason.path} ${reason.code === 'missing_header' ? 'missing' : 'invalid'}`)
      .join(', ');
    return {
      ok: false,
      answer: {
        ...errorBody('REQUEST.INVALID_HEADERS', `binary-mode CloudEvent: ${named}; nothing was stored`),
        invalid: [{ index: 0, reasons: binary.reasons }],
      },
    };
  }
  const unsigned = entries
    .filter(([name]) => name === 'content-type' || name.startsWith(HTTP_BINARY.prefix))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return { ok: true, event: binary.event, unsignedParts: JSON.stringify(unsigned) };
}
