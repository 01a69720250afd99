import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { evolve, ticketStream, toMillis } from './fold.js';
import * as domain from './index.js';

// `@tickets/domain/fold` is what reading a ticket back needs (tickets replay): it must not load the
// events' schemas, the rules or the intent vocabulary, which the index builds when it loads.
const src = new URL('.', import.meta.url).pathname;

/** This package's sources that `entry` loads at run time (type-only imports are erased). */
function loadedSources(entry: string): string[] {
  const files = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    for (const match of readFileSync(file, 'utf8').matchAll(
      /^\s*(import|export)(?!\s+type\b)[^'"]*?from\s+['"](\.[^'"]+)['"]/gm,
    )) {
      const next = join(dirname(file), match[2]!.replace(/\.js$/, '.ts'));
      if (existsSync(next)) visit(next);
    }
  };
  visit(join(src, entry));
  return [...files].map((file) => relative(src, file)).sort();
}

describe('the fold entry of the domain', () => {
  it('loads the fold, stream names and event times, and none of the schemas, rules or intents', () => {
    const loaded = loadedSources('fold.ts');
    expect(loaded).toContain('ticket/evolve.ts');
    for (const heavy of ['index.ts', 'ticket/ticket-events.ts', 'intent/classify-intent.ts', 'rules/rules-file.ts'])
      expect(loaded).not.toContain(heavy);
  });

  it('gives the very functions of the index', () => {
    expect(evolve).toBe(domain.evolve);
    expect(ticketStream).toBe(domain.ticketStream);
    expect(toMillis).toBe(domain.toMillis);
  });
});
