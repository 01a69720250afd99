import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';

// `tickets replay --ticket` loads `@tickets/streams/timeline` and what it imports, nothing else: the
// domain's index (every schema, the rules, the intent vocabulary) and the platform cost more CPU to
// load than folding a long ticket does. This follows the entry's imports that are loaded at run time
// (type-only imports are erased) through this package's sources.
const src = new URL('.', import.meta.url).pathname;

/** The packages loaded by `entry` and the sources of this package it loads, one import at a time. */
function loadedPackages(entry: string): { packages: Set<string>; files: Set<string> } {
  const packages = new Set<string>();
  const files = new Set<string>();
  const visit = (file: string): void => {
    if (files.has(file)) return;
    files.add(file);
    const code = readFileSync(file, 'utf8');
    for (const match of code.matchAll(/^\s*(import|export)(?!\s+type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm)) {
      const spec = match[2]!;
      if (!spec.startsWith('.')) packages.add(spec);
      else {
        const next = join(dirname(file), spec.replace(/\.js$/, '.ts'));
        if (existsSync(next)) visit(next);
      }
    }
  };
  visit(join(src, entry));
  return { packages, files };
}

describe('the timeline entry (what tickets replay --ticket loads)', () => {
  it('loads neither the domain index nor the platform, only the fold of the domain', () => {
    const { packages, files } = loadedPackages('timeline.ts');
    expect(files.size).toBeGreaterThan(3);
    expect(packages).toContain('@tickets/domain/fold');
    expect([...packages].filter((name) => name === '@tickets/domain' || name.startsWith('@tickets/platform'))).toEqual(
      [],
    );
  });

  it('leaves the customer timeline, which needs the domain index, to an entry of its own', () => {
    expect(loadedPackages('timeline.ts').files).not.toContain(join(src, 'customer-timeline.ts'));
    expect(loadedPackages('customer-timeline-entry.ts').packages).toContain('@tickets/domain');
  });
});
