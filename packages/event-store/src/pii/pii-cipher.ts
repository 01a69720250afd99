import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import type { Json } from '../event-store.port.js';

/**
 * The envelope of an event's personal data, kept in the event's metadata (`pii`): the values of the
 * declared fields, as one JSON array, sealed with AES-256-GCM under the customer's key. One seal per
 * event (not per field) keeps the cost to one cipher set-up per event.
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
}

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

/** The event id is the associated data: an envelope copied onto another event does not open. */
export function seal(values: readonly Json[], key: KeyObject, keyId: string, customerId: string, eventId: string): PiiEnvelope {
  const iv = nextIv();
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(eventId));
  const ct = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return { k: keyId, c: customerId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

export function open(envelope: PiiEnvelope, key: KeyObject, eventId: string): Json[] {
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(Buffer.from(eventId));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(text) as Json[];
}

export const isPiiEnvelope = (value: unknown): value is PiiEnvelope =>
  typeof value === 'object' && value !== null && typeof (value as PiiEnvelope).k === 'string' && typeof (value as PiiEnvelope).ct === 'string';
