import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
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

/** The event id is the associated data: an envelope copied onto another event does not open. */
export function seal(values: readonly Json[], key: Buffer, keyId: string, customerId: string, eventId: string): PiiEnvelope {
  const iv = randomBytes(12);
  const cipher = createCipheriv(ALGORITHM, key, iv);
  cipher.setAAD(Buffer.from(eventId));
  const ct = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return { k: keyId, c: customerId, iv: iv.toString('base64'), tag: cipher.getAuthTag().toString('base64'), ct: ct.toString('base64') };
}

export function open(envelope: PiiEnvelope, key: Buffer, eventId: string): Json[] {
  const decipher = createDecipheriv(ALGORITHM, key, Buffer.from(envelope.iv, 'base64'));
  decipher.setAAD(Buffer.from(eventId));
  decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
  const text = Buffer.concat([decipher.update(Buffer.from(envelope.ct, 'base64')), decipher.final()]).toString('utf8');
  return JSON.parse(text) as Json[];
}

export const isPiiEnvelope = (value: unknown): value is PiiEnvelope =>
  typeof value === 'object' && value !== null && typeof (value as PiiEnvelope).k === 'string' && typeof (value as PiiEnvelope).ct === 'string';
