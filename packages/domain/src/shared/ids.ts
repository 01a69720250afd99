import { createHash } from 'node:crypto';

// Ids are derived, never random (SPEC: determinism). node:crypto is used only as a pure hash
// function here: no I/O, no clock, no randomness.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

function base32(bytes: Uint8Array, length: number): string {
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < length) {
      out += ALPHABET[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length >= length) break;
  }
  return out;
}

/** A stable id `<prefix>_<26 base32 chars>` (130 bits of SHA-256) from the given parts. */
export function deriveId(prefix: string, ...parts: readonly (string | number)[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(`${String(part).length}:${String(part)}|`);
  return `${prefix}_${base32(hash.digest(), 26)}`;
}

/** The key that identifies an inbound event everywhere: CloudEvents say (source, id) is unique. */
export const inboundKey = (source: string, id: string): string => deriveId('in', source, id);

/** A ticket created by an inbound event gets its id from that event's source + id. */
export const ticketIdFor = (source: string, id: string): string => deriveId('tk', source, id);

/** Domain events derived from one inbound event: index = their order in the decision. */
export const domainEventId = (causeKey: string, index: number): string => deriveId('ev', causeKey, index);

/** A command is identified by its rule, the triggering domain event and the action's position. */
export const commandId = (ruleId: string, triggerEventId: string, actionIndex: number): string =>
  deriveId('cmd', ruleId, triggerEventId, actionIndex);
