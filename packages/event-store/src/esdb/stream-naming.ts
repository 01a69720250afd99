import { invalidArgument } from '../validate-arguments.js';

/** The category the checkpoint store writes to; the event store neither writes nor reads it. */
export const CHECKPOINT_CATEGORY = 'checkpoint';
const CHECKPOINT_PREFIX = `${CHECKPOINT_CATEGORY}-`;

/**
 * How our stream names map to the server's.
 *
 * Our names (`ticket-<id>`, `customer-<id>`, `inbound-<key>`) are used as they are: the part before
 * the first dash is what the server's `$by_category` projection calls the category, so `$ce-ticket`
 * lists every ticket event with no extra configuration.
 *
 * A namespace, when given, is put in front of every name. It lets several stores (test runs,
 * environments) share one server without seeing each other; choose one without a dash (`t42_`) so that
 * categories stay one per kind of stream (`t42_ticket`). Names starting with `$` belong to the
 * server, and `checkpoint-` names to the checkpoint store: both are refused as our stream names.
 */
export interface StreamNaming {
  readonly namespace: string;
  /** The server's name for one of our streams; throws INVALID_ARGUMENT for a reserved name. */
  toServer(stream: string): string;
  /** Our name for a server stream, or undefined when it is not one of ours. */
  fromServer(serverStream: string): string | undefined;
  /** The server stream holding one subscriber's checkpoint. */
  checkpointStream(subscriber: string): string;
}

export function streamNaming(namespace = ''): StreamNaming {
  if (namespace.startsWith('$'))
    throw invalidArgument('an EventStoreDB namespace must not start with $ (reserved for system streams)');
  return {
    namespace,
    toServer(stream) {
      if (stream.startsWith('$'))
        throw invalidArgument(`stream ${stream}: names starting with $ are EventStoreDB system streams`);
      if (stream.startsWith(CHECKPOINT_PREFIX))
        throw invalidArgument(`stream ${stream}: the ${CHECKPOINT_PREFIX} category is reserved for checkpoints`);
      return namespace + stream;
    },
    fromServer(serverStream) {
      if (!serverStream.startsWith(namespace)) return undefined;
      const stream = serverStream.slice(namespace.length);
      if (stream === '' || stream.startsWith('$') || stream.startsWith(CHECKPOINT_PREFIX)) return undefined;
      return stream;
    },
    checkpointStream(subscriber) {
      return `${namespace}${CHECKPOINT_PREFIX}${subscriber}`;
    },
  };
}
