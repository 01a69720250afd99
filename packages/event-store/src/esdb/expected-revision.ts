import { ANY, NO_STREAM, STREAM_EXISTS, type AppendStreamState } from '@kurrent/kurrentdb-client';
import type { ExpectedVersion } from '../event-store.port.js';

/** Our expected versions name the same checks the server makes; only the spelling differs. */
export function toExpectedRevision(expected: ExpectedVersion): AppendStreamState {
  switch (expected) {
    case 'any':
      return ANY;
    case 'no_stream':
      return NO_STREAM;
    case 'stream_exists':
      return STREAM_EXISTS;
    default:
      // -1 is our numeric spelling of "no event yet"; the server has no negative revisions.
      return expected < 0 ? NO_STREAM : BigInt(expected);
  }
}

/** The revision the server reports back, as our version: -1 for a stream that does not exist. */
export function fromCurrentRevision(revision: bigint | typeof NO_STREAM): number {
  return revision === NO_STREAM ? -1 : Number(revision);
}
