/**
 * A source of "now". Business decisions never call it: they use the event time carried by the
 * event, so replaying history gives the same answers whatever the date (SPEC invariant 4).
 * A clock is only for operational metadata: when something was recorded, log line times, timeouts.
 */
export type Clock = () => Date;

/**
 * The only place in the code base allowed to read the wall clock. Inject it at the composition
 * root; everything below takes a `Clock` so tests can pin time.
 */
export const systemClock: Clock = () => new Date();

/** A clock stopped at `iso`, for tests. Each call returns a fresh Date so callers cannot mutate it. */
export function fixedClock(iso: string): Clock {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`fixedClock: not an ISO 8601 time: ${JSON.stringify(iso)}`);
  return () => new Date(ms);
}
