import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readConfig } from './tickets-config.js';

// A fresh process lists the modules that loading zod brings in: what every program pays at start-up
// before its configuration is read (the import cache of this test process would hide it).
const listZodModules = `
import { registerHooks } from 'node:module';
const loaded = [];
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context); } });
await import('zod');
process.stdout.write(JSON.stringify(loaded.filter((url) => url.includes('/node_modules/zod/'))));
`;

describe('zod as loaded at start-up (patches/zod+4.6.7.patch)', () => {
  it('loads English messages only, not the 60-odd locales it re-exports (half of its start-up cost)', () => {
    const out = execFileSync(process.execPath, ['--input-type=module', '-e', listZodModules], {
      cwd: fileURLToPath(new URL('.', import.meta.url)),
      encoding: 'utf8',
    });
    const locales = (JSON.parse(out) as string[]).filter((url) => url.includes('/locales/'));
    expect(locales.map((url) => url.replace(/.*\/locales\//, ''))).toEqual(['en.js']);
  });

  it('still says what is wrong with a variable in English', () => {
    expect(() => readConfig({ TICKETS_METRICS: 'maybe' })).toThrow(/TICKETS_METRICS: Invalid option: expected one of/);
  });
});
