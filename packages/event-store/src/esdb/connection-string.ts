import { invalidArgument } from '../validate-arguments.js';

/**
 * `parseStoreUrl` accepts `esdb://`, `kurrentdb://` and `kurrent://` (with `+discover`) for the same
 * thing. The KurrentDB client reads all of them but prints a deprecation warning for `esdb`, so
 * they are all handed over as `kurrentdb`.
 */
export function toClientConnectionString(url: string): string {
  const match = /^(esdb|kurrentdb|kurrent)(\+discover)?:\/\//.exec(url);
  // The URL is not echoed: it may hold a password.
  if (match === null) throw invalidArgument('not a KurrentDB connection string; use kurrentdb://host:2113?tls=false');
  return `kurrentdb${match[2] ?? ''}://${url.slice(match[0].length)}`;
}
