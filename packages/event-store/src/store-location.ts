import { resolve } from 'node:path';
import { EventStoreError } from './errors.js';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string; readonly schema: string | undefined }
  | { readonly kind: 'eventstoredb'; readonly url: string };

/** Where events are kept when neither `--store` nor `TICKETS_STORE` says: the one definition. */
export const DEFAULT_STORE_URL = 'sqlite:./data/tickets.db';

/** Parses a store URL (`--store`, `TICKETS_STORE`): `sqlite:PATH`, `postgres://…`, `esdb://…`, `kurrentdb://…`. */
export function parseStoreUrl(text: string): StoreLocation {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path === '') throw invalidStore('sqlite: needs a file path, e.g. sqlite:./data/tickets.db');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(text)) {
    // `?schema=NAME` picks the PostgreSQL schema (default `tickets`); the driver never sees it.
    const url = new URL(text);
    const schema = url.searchParams.get('schema') ?? undefined;
    if (schema !== undefined && !/^[a-z_][a-z0-9_]{0,62}$/.test(schema))
      throw invalidStore(`schema ${JSON.stringify(schema)}: lower-case letters, digits and _`);
    url.searchParams.delete('schema');
    return { kind: 'postgres', url: url.toString(), schema };
  }
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\//.test(text))
    return { kind: 'eventstoredb', url: text };
  throw invalidStore(`unknown store ${JSON.stringify(text)}; use sqlite:PATH, postgres://… or esdb://…`);
}

const invalidStore = (message: string): EventStoreError =>
  new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', `store: ${message}`, false);
