import {
  createCipheriv,
  createDecipheriv,
  randomBytes,
  randomUUID,
  type DecipherGCM,
  type KeyObject,
} from 'node:crypto';
import type { Json } from '../event-store.port.js';

/**
 * The envelope of an event's personal data, kept in the event's metadata (`pii`), sealed with
 * AES-256-GCM under the customer's key. Three versions are read:
 * - version 1 (no `v`; stores written before 2026-12-06): the values of the declared fields of this
 *   event alone, as one JSON array, with the event id as associated data;
 * - version 2 (`v: 2`, written on 2026-12-06): one seal per customer per append call, in groups of at
 *   most 4 events and 2 KiB. The plaintext holds every event of the group as `[eventId, values]`, and
 *   each of those events carries the whole envelope with its own index `i`;
 * - version 3 (`v: 3`, written since): the same plaintext and one seal per customer per append call,
 *   but the ciphertext is stored once per stream run: in the group's first event of each stream
 *   append of the call (a *holder*, a full envelope). The group's other events of that same append
 *   carry a {@link PiiPointer}: `d` versions back in the same stream is the holder. A pointer never
 *   leaves its stream append, so both are written or both are not (an append is atomic, and a
 *   duplicate append writes nothing), and every store can read the holder back (`readStream` from a
 *   version). A cipher set-up costs far more than the bytes of a few small events, and copies of the
 *   ciphertext cost in every row written, hashed and read.
 * Deleting the customer's key still erases every copy, and every event still reads on its own.
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
  /** The envelope version (absent: version 1). */
  readonly v?: 2 | 3;
  /** Versions 2 and 3: which part of the plaintext is this event's. */
  readonly i?: number;
}

/** Version 3, for the events of a group after the first of their stream append: where the ciphertext is. */
export interface PiiPointer {
  readonly v: 3;
  readonly k: string;
  readonly c: string;
  /** The group's IV: names the group, and must match the holder's. */
  readonly iv: string;
  /** Which part of the plaintext is this event's. */
  readonly i: number;
  /** The holder is this many versions back in the same stream (at least 1). */
  readonly d: number;
}

/** Most events, and most plaintext characters, one version-2 envelope covered (read only now). */
export const GROUP_LIMITS = { events: 4, chars: 2048 } as const;

/**
 * Most plaintext characters, events and stream appends one version-3 group covers. Each stream
 * append of a group holds one copy of the ciphertext: an inbound event writes a customer's events to
 * two appends (its ticket's stream and the inbound log), so two appends keep one seal per inbound event
 * without letting a customer's many events of one call multiply the copies.
 */
export const GROUP3_LIMITS = { events: 32, chars: 8192, appends: 2 } as const;

/** What one sealed event of a version-2 or -3 envelope holds, in the plaintext: its id and its values. */
export type SealedPart = readonly [eventId: string, values: readonly Json[]];

const ALGORITHM = 'aes-256-gcm';

// Keys are passed as KeyObjects made once per key: a raw Buffer would be turned into one on every call,
// which costs more than the encryption of a small event.

// Random bytes drawn from the system's generator in blocks, one call per block instead of one per seal
// or key: each call has a fixed cost larger than the bytes (an ingest batch seals hundreds of groups
// and may create hundreds of keys). Still 96 random bits per IV, as GCM wants, and 256 per key; no two
// draws share a byte. IVs (published in every envelope) and keys come from separate blocks, and a
// key's bytes are zeroed in its block once copied out.
const IV_BYTES = 12;
const KEY_BYTES = 32;
const randomBlocks = (blockBytes: number) => {
  let block = Buffer.alloc(0);
  let offset = 0;
  return (bytes: number): Buffer => {
    if (offset + bytes > block.length) {
      block = randomBytes(blockBytes);
      offset = 0;
    }
    const drawn = block.subarray(offset, offset + bytes);
    offset += bytes;
    return drawn;
  };
};
const ivBlocks = randomBlocks(IV_BYTES * 1024);
const keyBlocks = randomBlocks(KEY_BYTES * 256);
const nextIv = (): Buffer => ivBlocks(IV_BYTES);

/**
 * 32 random bytes for a new customer's AES-256 key, in a buffer of their own: `Buffer.alloc`, not
 * `Buffer.from`, which would put them in Node's shared pool of small buffers (and took the slow
 * array-like copy, measured at several µs per key in the ingest).
 */
export const newKeyMaterial = (): Buffer => {
  const drawn = keyBlocks(KEY_BYTES);
  const material = Buffer.alloc(KEY_BYTES);
  material.set(drawn);
  drawn.fill(0);
  return material;
};

/**
 * A new key's id: a UUID laid out as version 7 (48 bits of the creation time in milliseconds, then 74
 * random bits). Key ids are the primary key of the key table: ids that grow with time are inserted
 * at the end of its index instead of all over it, so a batch of new customers' keys writes a few
 * pages instead of most of the index (measured: 5.4 against 9.6 MB of SQLite WAL for 5,000 keys in
 * 40 transactions). Only the id's uniqueness matters to readers; older stores' version-4 ids stay valid.
 */
export const newKeyId = (now: Date): string => {
  const time = now.getTime().toString(16).padStart(12, '0');
  // randomUUID(): xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx; its random part after the version digit is kept.
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${randomUUID().slice(15)}`;
};

/**
 * GCM's ciphertext and tag for one plaintext. The ciphertext is what `update` returns: GCM is a
 * stream mode, so `final` adds no bytes (it only computes the tag), and no concatenation is needed.
 */
function gcmSeal(key: KeyObject, iv: Buffer, aad: Buffer, plaintext: string): { ct: Buffer; tag: Buffer } {
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(aad);
  const ct = cipher.update(plaintext, 'utf8');
  const rest = cipher.final();
  return { ct: rest.length === 0 ? ct : Buffer.concat([ct, rest]), tag: cipher.getAuthTag() };
}

/** Version 1: the event id is the associated data, so an envelope copied onto another event does not open. */
export function seal(
  values: readonly Json[],
  key: KeyObject,
  keyId: string,
  customerId: string,
  eventId: string,
): PiiEnvelope {
  const iv = nextIv();
  const { ct, tag } = gcmSeal(key, iv, Buffer.from(eventId), JSON.stringify(values));
  return {
    k: keyId,
    c: customerId,
    iv: iv.toString('base64'),
    tag: tag.toString('base64'),
    ct: ct.toString('base64'),
  };
}

// Each version's associated data: an envelope relabelled as another version does not open.
const GROUP_AAD = { 2: Buffer.from('tickets-pii-v2'), 3: Buffer.from('tickets-pii-v3') } as const;

/**
 * Versions 2 and 3: one seal for several events of one customer. `parts` are the JSON texts of the
 * events' `[eventId, values]` (the caller measures them to bound the group). The event ids are inside
 * the authenticated plaintext, so an envelope copied onto another event is refused when opened
 * (`openGroup` callers compare the id of part `i` with the event's). Version 2 is written by tests only.
 */
export function sealGroup(
  parts: readonly string[],
  key: KeyObject,
  keyId: string,
  customerId: string,
  version: 2 | 3 = 3,
): PiiEnvelope {
  return sealGroupText(`[${parts.join(',')}]`, key, keyId, customerId, version);
}

/** `sealGroup` of the plaintext already joined, `[part,part,…]` (the codec builds it as it measures the parts). */
export function sealGroupText(
  plaintext: string,
  key: KeyObject,
  keyId: string,
  customerId: string,
  version: 2 | 3 = 3,
): PiiEnvelope {
  const iv = nextIv();
  const { ct, tag } = gcmSeal(key, iv, GROUP_AAD[version], plaintext);
  return {
    v: version,
    k: keyId,
    c: customerId,
    iv: iv.toString('base64'),
    tag: tag.toString('base64'),
    ct: ct.toString('base64'),
  };
}

export function openGroup(envelope: PiiEnvelope, key: KeyObject): SealedPart[] {
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(GROUP_AAD[envelope.v === 3 ? 3 : 2]);
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

export const isPiiPointer = (value: unknown): value is PiiPointer =>
  typeof value === 'object' &&
  value !== null &&
  (value as PiiPointer).v === 3 &&
  typeof (value as PiiPointer).k === 'string' &&
  typeof (value as PiiPointer).iv === 'string' &&
  Number.isSafeInteger((value as PiiPointer).i) &&
  Number.isSafeInteger((value as PiiPointer).d) &&
  (value as PiiPointer).d >= 1 &&
  !('ct' in value);
