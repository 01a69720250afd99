import { hash } from 'node:crypto';

// Ids are derived, never random (SPEC: determinism). node:crypto is used only as a pure hash
// function here: no I/O, no clock, no randomness.
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/**
 * 26 base32 characters (130 bits) from the first 33 hex digits of a digest: three runs of 10 hex
 * digits (40 bits, exact in a double) give 8 characters each, then 10 of the next 12 bits give 2.
 * Bit for bit what the byte-wise encoding of the digest's first 17 bytes gives.
 */
function base32From(hex: string): string {
  let out = '';
  for (let run = 0; run < 3; run++) {
    let value = Number.parseInt(hex.slice(run * 10, run * 10 + 10), 16);
    let chunk = '';
    for (let i = 0; i < 8; i++) {
      chunk = ALPHABET[value % 32]! + chunk;
      value = Math.floor(value / 32);
    }
    out += chunk;
  }
  const tail = Number.parseInt(hex.slice(30, 33), 16) >>> 2;
  return out + ALPHABET[(tail >>> 5) & 31]! + ALPHABET[tail & 31]!;
}

/** A stable id `<prefix>_<26 base32 chars>` (130 bits of SHA-256) from the given parts. */
export function deriveId(prefix: string, ...parts: readonly (string | number)[]): string {
  // Each part is length-prefixed so that ("ab", "c") and ("a", "bc") never collide. One-shot
  // hashing to hex skips the Hash object and Buffer that dominate the cost of such short inputs
  // (what-if derives a few ids per replayed event).
  let text = '';
  for (const part of parts) text += `${String(part).length}:${String(part)}|`;
  return `${prefix}_${base32From(hash('sha256', text, 'hex'))}`;
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

/** A timer is identified by its rule and the domain event that set it. */
export const timerId = (ruleId: string, setByEventId: string): string => deriveId('tm', ruleId, setByEventId);

/** Timer bookkeeping events (set, cancel, the customer's index) of one decision, in order. */
export const timerEventId = (causeId: string, index: number): string => deriveId('ev', causeId, 'timer', index);
