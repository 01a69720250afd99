import { resolve } from 'node:path';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'eventstoredb'; readonly url: string };

export const DEFAULT_STORE = 'sqlite:./data/tickets.db';

/** Parses `--store` / `TICKETS_STORE`: `sqlite:PATH`, `postgres://…`, `esdb://…`, `kurrentdb://…`. */
export function parseStoreUrl(text: string): StoreLocation {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path === '') throw new UsageError('--store sqlite: needs a file path, e.g. sqlite:./data/tickets.db');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(text)) return { kind: 'postgres', url: text };
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\//.test(text)) return { kind: 'eventstoredb', url: text };
  throw new UsageError(`--store: unknown store ${JSON.stringify(text)}; use sqlite:PATH, postgres://… or esdb://…`);
}

/** Bad command-line input: the CLI prints the message and exits with code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}
