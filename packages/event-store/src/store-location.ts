import { resolve } from 'node:path';
import { EventStoreError } from './errors.js';

export type StoreLocation =
  | { readonly kind: 'sqlite'; readonly path: string }
  | { readonly kind: 'postgres'; readonly url: string }
  | { readonly kind: 'eventstoredb'; readonly url: string };

export const DEFAULT_STORE_URL = 'sqlite:./data/tickets.db';

/** Parses a store URL (`--store`, `TICKETS_STORE`): `sqlite:PATH`, `postgres://…`, `esdb://…`, `kurrentdb://…`. */
export function parseStoreUrl(text: string): StoreLocation {
  if (text.startsWith('sqlite:')) {
    const path = text.slice('sqlite:'.length);
    if (path === '') throw invalidStore('sqlite: needs a file path, e.g. sqlite:./data/tickets.db');
    return { kind: 'sqlite', path: path === ':memory:' ? path : resolve(path) };
  }
  if (/^postgres(ql)?:\/\//.test(text)) return { kind: 'postgres', url: text };
  if (/^(esdb|esdb\+discover|kurrentdb|kurrentdb\+discover|kurrent):\/\//.test(text)) return { kind: 'eventstoredb', url: text };
  throw invalidStore(`unknown store ${JSON.stringify(text)}; use sqlite:PATH, postgres://… or esdb://…`);
}

const invalidStore = (message: string): EventStoreError => new EventStoreError('EVENT_STORE.INVALID_ARGUMENT', `store: ${message}`, false);
