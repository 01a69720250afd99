import pg from 'pg';

export interface CommitListenerOptions {
  readonly url: string;
  readonly applicationName: string;
  readonly channel: string;
  /** Called on every notification, and after each (re)connection, since commits may have gone unheard. */
  readonly onCommit: () => void;
}

const FIRST_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * One dedicated connection that LISTENs on the store's channel (a pooled connection cannot: LISTEN is
 * session state, and the pool hands sessions around). When the connection is lost it comes back with
 * a growing delay; meanwhile subscribers rely on their polling, so a lost notification only delays them.
 */
export class CommitListener {
  readonly #options: CommitListenerOptions;
  #client: pg.Client | undefined;
  #started = false;
  #closed = false;
  #retryMs = FIRST_RETRY_MS;
  #retryTimer: NodeJS.Timeout | undefined;

  constructor(options: CommitListenerOptions) {
    this.#options = options;
  }

  /** Starts listening, once; returns at once (a failure to connect is retried in the background). */
  start(): void {
    if (this.#started || this.#closed) return;
    this.#started = true;
    void this.#connect();
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#retryTimer);
    const client = this.#client;
    this.#client = undefined;
    await client?.end().catch(() => undefined);
  }

  async #connect(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.#options.url,
      application_name: this.#options.applicationName,
      keepAlive: true,
    });
    this.#client = client;
    // 'error' and 'end' may both come for one loss: only the current client's first one counts.
    const lost = (): void => {
      if (this.#client !== client) return;
      this.#client = undefined;
      client.end().catch(() => undefined);
      this.#retryLater();
    };
    client.on('error', lost);
    client.on('end', lost);
    client.on('notification', () => this.#options.onCommit());
    try {
      await client.connect();
      await client.query(`LISTEN "${this.#options.channel}"`);
    } catch {
      lost();
      return;
    }
    if (this.#closed) {
      await client.end().catch(() => undefined);
      return;
    }
    this.#retryMs = FIRST_RETRY_MS;
    this.#options.onCommit();
  }

  #retryLater(): void {
    if (this.#closed) return;
    const delay = this.#retryMs;
    this.#retryMs = Math.min(this.#retryMs * 2, MAX_RETRY_MS);
    this.#retryTimer = setTimeout(() => void this.#connect(), delay);
    // A pending reconnection alone must not keep the process alive.
    this.#retryTimer.unref();
  }
}
