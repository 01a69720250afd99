import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com): the sender signs
 * `${webhook-id}.${webhook-timestamp}.${body}` with HMAC-SHA256 and sends `v1,<base64>` in
 * `webhook-signature` (several, space-separated, while it rotates secrets).
 *
 * Written here rather than taken from the `standardwebhooks` package: that library reads the wall
 * clock itself (we inject time), holds one secret per instance (we try every secret of an
 * integration) and throws (we return the failure as a value). The crypto is node:crypto's.
 */

export const SIGNATURE_HEADERS = {
  id: 'webhook-id',
  timestamp: 'webhook-timestamp',
  signature: 'webhook-signature',
} as const;

/** A webhook secret as configured: `whsec_` + base64 of the key bytes (Standard Webhooks' format). */
export const WEBHOOK_SECRET_PATTERN = /^whsec_[A-Za-z0-9+/]+={0,2}$/;
/** Shorter keys are refused at start-up: HMAC is only as strong as its key. */
export const MIN_SECRET_BYTES = 24;

/** The key bytes of a `whsec_…` secret; the caller has validated the format. */
export function secretKey(secret: string): Buffer {
  return Buffer.from(secret.slice('whsec_'.length), 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">` for one secret. */
export function signWebhook(input: {
  readonly id: string;
  readonly timestamp: number;
  readonly body: string | Buffer;
  readonly secret: string;
}): string {
  return `v1,${hmac(secretKey(input.secret), input.id, input.timestamp, input.body).toString('base64')}`;
}

function hmac(key: Buffer, id: string, timestamp: number, body: string | Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest();
}

export type SignatureFailure =
  'missing_headers' | 'malformed_timestamp' | 'stale_timestamp' | 'future_timestamp' | 'no_valid_signature';

export type SignatureCheck =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly failure: SignatureFailure };

export interface SignedRequest {
  readonly id: string | undefined;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  readonly body: Buffer;
}

/**
 * Checks a signed request against any of `secrets` (rotation: old and new both valid for a while).
 * `nowMs` is the injected clock's reading; timestamps further than `toleranceSeconds` from it, in
 * either direction, are refused, which bounds how long a captured request can be replayed.
 */
export function verifyWebhookSignature(
  request: SignedRequest,
  secrets: readonly string[],
  nowMs: number,
  toleranceSeconds: number,
): SignatureCheck {
  const { id, timestamp, signature } = request;
  if (id === undefined || id === '' || timestamp === undefined || signature === undefined || signature === '')
    return { ok: false, failure: 'missing_headers' };
  if (!/^\d{1,12}$/.test(timestamp)) return { ok: false, failure: 'malformed_timestamp' };
  const seconds = Number(timestamp);
  const now = Math.floor(nowMs / 1000);
  if (seconds < now - toleranceSeconds) return { ok: false, failure: 'stale_timestamp' };
  if (seconds > now + toleranceSeconds) return { ok: false, failure: 'future_timestamp' };
  const offered = signature
    .split(' ')
    .filter((part) => part.startsWith('v1,'))
    .map((part) => Buffer.from(part.slice(3), 'base64'));
  for (const secret of secrets) {
    const expected = hmac(secretKey(secret), id, seconds, request.body);
    // timingSafeEqual needs equal lengths; a length mismatch reveals only the (public) digest size.
    if (offered.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
      return { ok: true, id, timestamp: seconds };
    }
  }
  return { ok: false, failure: 'no_valid_signature' };
}
