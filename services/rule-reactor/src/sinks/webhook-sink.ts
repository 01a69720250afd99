import type { Command } from '@tickets/domain';
import type { Logger } from '@tickets/platform';
import { retry } from '@tickets/retry';
import { CommandSinkError, sinkClosedError, type CommandSink } from './command-sink.port.js';

export const CLOUDEVENTS_BATCH = 'application/cloudevents-batch+json';

export interface WebhookSinkOptions {
  readonly url: string | URL;
  /** Per attempt. */
  readonly timeoutMs?: number;
  /** Attempts per batch, the first included. */
  readonly maxAttempts?: number;
  /**
   * Delay before the first retry; doubles on each further retry up to `maxBackoffMs`. Each wait is
   * drawn between half and all of that, so relays that failed together do not retry together.
   */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  /** Commands per POST; a larger publish is sent as several POSTs, in order. */
  readonly maxBatchSize?: number;
  readonly headers?: Readonly<Record<string, string>>;
  readonly logger?: Logger;
}

/** Delivery failed: `retriable` says whether sending the same batch later may succeed. */
export class WebhookDeliveryError extends CommandSinkError {
  override readonly name = 'WebhookDeliveryError';
  constructor(
    code: 'SINK.UNAVAILABLE' | 'SINK.REJECTED',
    message: string,
    retriable: boolean,
    readonly attempts: number,
    readonly status: number | null,
    options?: { cause?: unknown },
  ) {
    super(code, message, retriable, options);
  }
}

/** One failed POST; `deliver` turns the last one into a `WebhookDeliveryError`. */
class FailedAttempt extends Error {
  constructor(
    readonly retriable: boolean,
    readonly status: number | null,
    readonly reason: string,
    readonly retryAfterMs?: number,
    options?: { cause?: unknown },
  ) {
    super(reason, options);
  }
}

// Server trouble, throttling and request timeouts may pass; other 4xx mean the request is wrong.
const isRetriableStatus = (status: number): boolean => status >= 500 || status === 408 || status === 429;

/** `Retry-After` in seconds (the HTTP-date form is rare for webhooks and is ignored). */
function retryAfterMs(header: string | null): number | undefined {
  if (header === null || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}

/**
 * POSTs each batch of commands as a CloudEvents JSON batch. Retries with exponential backoff on
 * 5xx, 408, 429, timeouts and network errors; after `maxAttempts` it throws a retriable error so
 * the relay keeps its checkpoint and tries again later. A retry after a timeout may deliver a
 * batch twice: receivers deduplicate by command id.
 */
export function createWebhookSink(options: WebhookSinkOptions): CommandSink {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxAttempts = Math.max(1, options.maxAttempts ?? 5);
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 10_000;
  const maxBatchSize = Math.max(1, options.maxBatchSize ?? 500);
  const logger = options.logger;

  // fetch refuses URLs with credentials: move them into an Authorization header.
  const endpoint = new URL(options.url);
  const headers: Record<string, string> = { 'content-type': CLOUDEVENTS_BATCH, ...options.headers };
  if (endpoint.username !== '' || endpoint.password !== '') {
    const user = decodeURIComponent(endpoint.username);
    const password = decodeURIComponent(endpoint.password);
    const explicit = Object.keys(headers).some((name) => name.toLowerCase() === 'authorization');
    if (!explicit) headers['authorization'] = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    endpoint.username = '';
    endpoint.password = '';
  }
  // Paths and queries of webhook URLs often hold secrets: messages and logs name the origin only.
  const target = endpoint.origin;

  // Aborted by close(): stops in-flight requests and backoff waits so shutdown is prompt.
  const closing = new AbortController();

  /** One POST; throws a `FailedAttempt` unless the receiver took the batch. */
  async function attempt(body: string): Promise<void> {
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers,
        body,
        // A redirected POST may silently become a GET: treat redirects as a configuration error.
        redirect: 'manual',
        signal: AbortSignal.any([closing.signal, AbortSignal.timeout(timeoutMs)]),
      });
      // The body is not needed (it may echo personal data); cancelling frees the connection.
      await response.body?.cancel();
    } catch (error) {
      if (closing.signal.aborted) throw sinkClosedError('webhook');
      const timedOut = (error as Error).name === 'TimeoutError';
      throw new FailedAttempt(true, null, timedOut ? `no answer within ${timeoutMs} ms` : 'network error', undefined, {
        cause: error,
      });
    }
    if (!response.ok) {
      throw new FailedAttempt(
        isRetriableStatus(response.status),
        response.status,
        `HTTP ${response.status}`,
        retryAfterMs(response.headers.get('retry-after')),
      );
    }
  }

  async function deliver(batch: readonly Command[]): Promise<void> {
    const body = JSON.stringify(batch);
    let attempts = 0;
    try {
      await retry(
        (n) => {
          attempts = n;
          return attempt(body);
        },
        {
          attempts: maxAttempts,
          baseDelayMs: backoffMs,
          maxDelayMs: maxBackoffMs,
          retriable: (error) => error instanceof FailedAttempt && error.retriable,
          requestedDelayMs: (error) => (error as FailedAttempt).retryAfterMs,
          onRetry: (error, failed, delayMs) => {
            const { status, reason, cause } = error as FailedAttempt;
            logger?.warn(
              {
                target,
                attempt: failed,
                maxAttempts,
                delayMs,
                status,
                reason,
                commandIds: batch.map((command) => command.id),
                err: cause,
              },
              'webhook delivery failed, retrying',
            );
          },
          signal: closing.signal,
        },
      );
    } catch (error) {
      if (closing.signal.aborted) throw sinkClosedError('webhook');
      if (!(error instanceof FailedAttempt)) throw error;
      const cause = error.cause === undefined ? {} : { cause: error.cause };
      if (!error.retriable) {
        throw new WebhookDeliveryError(
          'SINK.REJECTED',
          `webhook ${target} refused ${batch.length} commands (${error.reason})`,
          false,
          attempts,
          error.status,
          cause,
        );
      }
      throw new WebhookDeliveryError(
        'SINK.UNAVAILABLE',
        `webhook ${target} failed ${attempts} times, last: ${error.reason}`,
        true,
        attempts,
        error.status,
        cause,
      );
    }
  }

  // Publishes go out one after the other, so batches arrive in the order they were published.
  let tail: Promise<void> = Promise.resolve();

  return {
    publish(commands: readonly Command[]): Promise<void> {
      if (closing.signal.aborted) return Promise.reject(sinkClosedError('webhook'));
      const delivered = tail.then(async () => {
        for (let start = 0; start < commands.length; start += maxBatchSize) {
          if (closing.signal.aborted) throw sinkClosedError('webhook');
          await deliver(commands.slice(start, start + maxBatchSize));
        }
      });
      tail = delivered.catch(() => undefined);
      return delivered;
    },

    async close(): Promise<void> {
      closing.abort();
      await tail;
    },
  };
}
