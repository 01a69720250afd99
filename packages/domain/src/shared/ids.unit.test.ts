import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commandId, deriveId, domainEventId, inboundKey, ticketIdFor } from './ids.js';

// The ids already stored in every event store were made by this reference: the optimised
// derivation must give exactly the same ids, or replays and deduplication would break.
function referenceId(prefix: string, ...parts: readonly (string | number)[]): string {
  const sha = createHash('sha256');
  for (const part of parts) sha.update(`${String(part).length}:${String(part)}|`);
  const bytes = sha.digest();
  const alphabet = 'abcdefghijklmnopqrstuvwxyz234567';
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (const byte of bytes) {
    buffer = (buffer << 8) | byte;
    bits += 8;
    while (bits >= 5 && out.length < 26) {
      out += alphabet[(buffer >>> (bits - 5)) & 31];
      bits -= 5;
    }
    buffer &= (1 << bits) - 1;
    if (out.length >= 26) break;
  }
  return `${prefix}_${out}`;
}

describe('derived ids', () => {
  it('are the ids the seed story has always had', () => {
    expect(ticketIdFor('https://postscript.example/sms', 'sms-1')).toBe('tk_sliajvihenz6piuibdygjmqqg4');
  });

  it('equal the reference derivation for any parts, including non-ASCII text', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 8 }),
        fc.array(fc.oneof(fc.string({ unit: 'grapheme' }), fc.integer())),
        (prefix, parts) => {
          expect(deriveId(prefix, ...parts)).toBe(referenceId(prefix, ...parts));
        },
      ),
      { numRuns: 500 },
    );
  });

  it('keep each derivation to its own parts', () => {
    expect(inboundKey('s', 'i')).toBe(referenceId('in', 's', 'i'));
    expect(domainEventId('in_x', 2)).toBe(referenceId('ev', 'in_x', 2));
    expect(commandId('rule', 'ev_y', 0)).toBe(referenceId('cmd', 'rule', 'ev_y', 0));
  });
});
