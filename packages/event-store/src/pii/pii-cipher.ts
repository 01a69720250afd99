import { createCipheriv, createDecipheriv, randomBytes, type DecipherGCM, type KeyObject } from 'node:crypto';
import type { Json } from '../event-store.port.js';

/**
 * The envelope of an event's personal data, kept in the event's metadata (`pii`), sealed with
 * AES-256-GCM under the customer's key. Two versions are read:
 * - version 1 (no `v`; stores written before 2026-12-06): the values of the declared fields of this
 *   event alone, as one JSON array, with the event id as associated data;
 * - version 2 (`v: 2`, written since): one seal per customer per append. The plaintext holds every
 *   event of that customer in the append as `[eventId, values]`, and each of those events carries the
 *   same envelope with its own index `i`. A cipher set-up costs far more than the bytes of a few small
 *   events (~15–30 µs on our machines), and one inbound event writes two to four events with personal
 *   data, all of one customer. Each event still carries everything needed to open it, on any store,
 *   and deleting the customer's key still erases every copy.
 */
export interface PiiEnvelope {
  /** Key id: which key of the key store sealed it. */
  readonly k: string;
  /** The customer the key belongs to (pseudonymous id). */
  readonly c: string;
  /** 12-byte IV, base64. */
  readonly iv: string;
  /** 16-byte GCM tag, base64. */
  readonly tag: string;
  /** Ciphertext, base64. */
  readonly ct: string;
  /** Version 2 only: the envelope version. */
  readonly v?: 2;
  /** Version 2 only: which part of the plaintext is this event's. */
  readonly i?: number;
}

/** Most events, and most plaintext characters, one version-2 envelope covers. */
export const GROUP_LIMITS = { events: 4, chars: 2048 } as const;

/** What one sealed event of a version-2 envelope holds, in the plaintext: its id and its values. */
export type SealedPart = readonly [eventId: string, values: readonly Json[]];

const ALGORITHM = 'aes-256-gcm';

// Keys are passed as KeyObjects made once per key: a raw Buffer would be turned into one on every call,
// which costs more than the encryption of a small event.

// Random IVs drawn from the system's generator in blocks: one call per 1,024 events instead of one per
// event (each call has a fixed cost larger than the bytes). Still 96 random bits per IV, as GCM wants.
const IV_BYTES = 12;
const IV_BLOCK = 1024;
let ivPool = Buffer.alloc(0);
let ivOffset = 0;
const nextIv = (): Buffer => {
  if (ivOffset + IV_BYTES > ivPool.length) {
    ivPool = randomBytes(IV_BYTES * IV_BLOCK);
    ivOffset = 0;
  }
  const iv = ivPool.subarray(ivOffset, ivOffset + IV_BYTES);
  ivOffset += IV_BYTES;
  return iv;
};

/** Version 1: the event id is the associated data, so an envelope copied onto another event does not open. */
export function seal(
  values: readonly Json[],
  key: KeyObject,
  keyId: string,
  customerId: string,
  eventId: string,
): PiiEnvelope {
  const iv = nextIv();
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(eventId));
  const ct = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return {
    k: keyId,
    c: customerId,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

// Version 2's associated data: a version-1 envelope relabelled as version 2 does not open.
const GROUP_AAD = Buffer.from('tickets-pii-v2');

/**
 * Version 2: one seal for several events of one customer. `parts` are the JSON texts of the events'
 * `[eventId, values]` (the caller measures them to bound the group). The event ids are inside the
 * authenticated plaintext, so an envelope copied onto another event is refused when opened
 * (`openGroup` callers compare the id of part `i` with the event's).
 */
export function sealGroup(parts: readonly string[], key: KeyObject, keyId: string, customerId: string): PiiEnvelope {
  const iv = nextIv();
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(GROUP_AAD);
  const ct = Buffer.concat([cipher.update(`[${parts.join(',')}]`, 'utf8'), cipher.final()]);
  return {
    v: 2,
    k: keyId,
    c: customerId,
    iv: iv.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
    ct: ct.toString('base64'),
  };
}

export function openGroup(envelope: PiiEnvelope, key: KeyObject): SealedPart[] {
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(GROUP_AAD);
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  return JSON.parse(plaintext(decipher, envelope.ct)) as SealedPart[];
}

/** Version 1 (read only since version 2; `seal` stays for tests that build a store of the old format). */
export function open(envelope: PiiEnvelope, key: KeyObject, eventId: string): Json[] {
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(Buffer.from(eventId));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(text) as Json[];
}

/** The text of a ciphertext, authenticated (`final` throws when the tag does not match). */
function plaintext(decipher: DecipherGCM, ct: string): string {
  const head = decipher.update(Buffer.from(ct, 'base64'));
  const tail = decipher.final();
  // GCM has no padding: `final` only checks the tag and gives no bytes, so there is nothing to join.
  return (tail.length === 0 ? head : Buffer.concat([head, tail])).toString('utf8');
}

export const isPiiEnvelope = (value: unknown): value is PiiEnvelope =>
  typeof value === 'object' &&
  value !== null &&
  typeof (value as PiiEnvelope).k === 'string' &&
  typeof (value as PiiEnvelope).ct === 'string';
