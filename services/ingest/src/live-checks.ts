import type { RejectionReason } from './validate-inbound.js';

// Checks of live ingest (HTTP and Kafka) beyond the schema, which imports and replays skip: they
// depend on when and from whom an event arrives, not on the event alone.

/**
 * An event time further ahead of its receipt than `maxFutureSeconds`: a `9999-12-31` would keep
 * reopen windows and timers open for ever. Clocks drift, so a little ahead is let through.
 */
export function futureTimeReasons(time: unknown, receivedAtMs: number, maxFutureSeconds: number): RejectionReason[] {
  // Not a time at all: validation says so.
  const ahead = typeof time === 'string' ? Date.parse(time) - receivedAtMs : Number.NaN;
  if (!(ahead > maxFutureSeconds * 1000)) return [];
  return [
    {
      path: 'time',
      code: 'too_far_ahead',
      message: `the event time ${time as string} is ${Math.round(ahead / 1000)} s after its receipt, over the limit of ${maxFutureSeconds} s`,
    },
  ];
}
