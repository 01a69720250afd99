import { streamNameFilter, type Filter } from '@kurrent/kurrentdb-client';
import { CHECKPOINT_CATEGORY, type StreamNaming } from './stream-naming.js';

/** What the server filters a subscription on: stream name prefixes, or a .NET regular expression. */
export type ServerStreamFilter = { readonly prefixes: string[] } | { readonly regex: string };

/**
 * The server-side filter of a subscription. With prefixes, the server sends only those streams, so a
 * subscriber of one category does not pay for the others. Without, it still drops what is never
 * ours: system streams (`$…`), checkpoint streams and, with a namespace, other namespaces' streams.
 * The client filters again with `matchStream` (a prefix such as `c` would also match `checkpoint-`).
 */
export function serverStreamFilter(naming: StreamNaming, prefixes: readonly string[] | undefined): ServerStreamFilter {
  if (prefixes !== undefined) return { prefixes: prefixes.map((prefix) => naming.namespace + prefix) };
  if (naming.namespace !== '') return { prefixes: [naming.namespace] };
  return { regex: `^(?!\\$|${CHECKPOINT_CATEGORY}-)` };
}

/** The server filter as the client takes it, for reads and subscriptions (`checkpointReached` for the latter). */
export function clientStreamFilter(
  naming: StreamNaming,
  prefixes: readonly string[] | undefined,
  checkpointReached?: Filter['checkpointReached'],
): Filter {
  const spec = serverStreamFilter(naming, prefixes);
  const callback = checkpointReached === undefined ? {} : { checkpointReached };
  return 'prefixes' in spec
    ? streamNameFilter({ prefixes: spec.prefixes, ...callback })
    : streamNameFilter({ regex: spec.regex, ...callback });
}

/**
 * Our name for a server event's stream when the reader wants it, else undefined. Event types starting
 * with `$` are the server's own records (a deleted stream's tombstone carries the stream's name).
 */
export function matchStream(
  naming: StreamNaming,
  prefixes: readonly string[] | undefined,
  serverStream: string,
  eventType: string,
): string | undefined {
  if (eventType.startsWith('$')) return undefined;
  const stream = naming.fromServer(serverStream);
  if (stream === undefined) return undefined;
  if (prefixes !== undefined && !prefixes.some((prefix) => stream.startsWith(prefix))) return undefined;
  return stream;
}
