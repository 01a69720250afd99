import { invalidArgument } from '../validate-arguments.js';

/**
 * The 6.x client knows only the `esdb://` and `esdb+discover://` schemes; KurrentDB's documentation
 * writes `kurrentdb://` (and `kurrent://`) for the same thing. `parseStoreUrl` accepts all of them.
 */
export function toClientConnectionString(url: string): string {
  const match = /^(esdb|kurrentdb|kurrent)(\+discover)?:\/\//.exec(url);
  // The URL is not echoed: it may hold a password.
  if (match === null) throw invalidArgument('not an EventStoreDB connection string; use esdb://host:2113?tls=false');
  return `esdb${match[2] ?? ''}://${url.slice(match[0].length)}`;
}
