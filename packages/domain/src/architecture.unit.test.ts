import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

// The domain core stays pure: these checks fail the build when someone reaches for I/O, a logger,
// the clock or randomness from inside it.
const root = new URL('.', import.meta.url).pathname;
const sources = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sources(join(dir, entry.name))
      : entry.name.endsWith('.ts') && !entry.name.includes('.test')
        ? [join(dir, entry.name)]
        : [],
  );
// Production sources only: tests and test support may use what they like.
const files = sources(root);

const ALLOWED_PACKAGES = new Set(['zod', 'node:crypto']);

describe('the domain package is pure', () => {
  it.each(files.map((file) => [relative(root, file), file]))(
    '%s imports only zod, node:crypto (hashing) and itself',
    (_name, file) => {
      const imports = [
        ...readFileSync(file, 'utf8').matchAll(/^\s*(?:import|export)[^'"]*from\s+['"]([^'"]+)['"]/gm),
      ].map((m) => m[1]!);
      const foreign = imports.filter((spec) => !spec.startsWith('.') && !ALLOWED_PACKAGES.has(spec));
      expect(foreign).toEqual([]);
    },
  );

  it.each(files.map((file) => [relative(root, file), file]))(
    '%s reads no clock and draws no random numbers',
    (_name, file) => {
      const code = readFileSync(file, 'utf8');
      expect(code).not.toMatch(/Date\.now\(|new Date\(\)|Math\.random\(|performance\.now\(|process\./);
    },
  );

  it('finds the sources it checks', () => {
    expect(files.length).toBeGreaterThan(20);
  });
});
