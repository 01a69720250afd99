import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { tempDir } from '@tickets/testing';
import { REPO, runTickets, type CliRun } from './cli-runner.js';

// The configuration is read once, at start-up, by every program: a bad variable stops it before it
// does anything, with the variable's name and exit code 2 — not a stack trace.

/** `node services/<name>/dist/main.js` with only `settings` for configuration (as in docker-compose.yml). */
function runService(name: string, settings: Record<string, string>): Promise<CliRun> {
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('TICKETS_') && !key.startsWith('KAFKA_')),
    ),
    ...settings,
  };
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [join(REPO, `services/${name}/dist/main.js`)],
      { cwd: REPO, env, timeout: 30_000 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}

const noStackTrace = (run: CliRun): void => expect(run.stderr).not.toMatch(/\n\s+at /);

describe('configuration read once at start-up', () => {
  it('tickets serve exits 2 naming a bad variable, before opening anything', async () => {
    const run = await runTickets(['serve', '--commands', 'none'], { TICKETS_PORT: 'eighty' });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/^tickets: invalid environment:\nTICKETS_PORT: /);
    noStackTrace(run);
  });

  it('every verb refuses a bad variable, naming each one that is wrong', async () => {
    const run = await runTickets(['defaults', 'rules'], { TICKETS_PII_ENCRYPTION: 'maybe', LOG_LEVEL: 'loud' });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(/TICKETS_PII_ENCRYPTION: expected on or off/);
    expect(run.stderr).toMatch(/LOG_LEVEL: /);
    expect(run.stdout).toBe('');
    noStackTrace(run);
  });

  it('help still prints with a bad variable, the variable named first and the shipped defaults shown', async () => {
    const run = await runTickets(['serve', '--help'], { TICKETS_PORT: 'eighty' });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).toMatch(/^tickets: invalid environment:\nTICKETS_PORT: /);
    expect(run.stdout).toMatch(/--port <port> +port to listen on \(default: 8080\)/);
    noStackTrace(run);
  });

  it.each(['ingest', 'projector', 'rule-reactor'])('the %s service exits 2 naming a bad variable', async (name) => {
    const run = await runService(name, { TICKETS_STORE: 'mysql://db/tickets' });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toMatch(new RegExp(`^${name}: invalid environment:\\nTICKETS_STORE: unknown store`));
    noStackTrace(run);
  });

  it('the variables give the flags their defaults, and a flag given wins over its variable', async () => {
    const help = await runTickets(['serve', '--help'], { TICKETS_HOST: '0.0.0.0', TICKETS_PORT: '9090' });
    expect(help.stdout).toMatch(/--host <host> +address to listen on \(default: "0\.0\.0\.0"\)/);
    expect(help.stdout).toMatch(/--port <port> +port to listen on \(default: 9090\)/);
    using dir = tempDir();
    const store = `sqlite:${join(dir.path, 'flag.db')}`;
    const seed = join(REPO, 'examples/seed-sms-story.ndjson');
    // TICKETS_STORE names a place that cannot be created: only the flag's store can work.
    const run = await runTickets(['import', '--events', seed, '--store', store], {
      TICKETS_STORE: 'sqlite:/proc/nonexistent/x.db',
      TICKETS_PII_ENCRYPTION: 'off',
    });
    expect(run.code, run.stderr).toBe(0);
    expect(existsSync(join(dir.path, 'flag.db'))).toBe(true);
  });

  it('TICKETS_RULES is the default of serve --rules: a missing file stops it with exit 2, naming the file', async () => {
    const missing = join(REPO, 'no-such-rules.yaml');
    const run = await runTickets(['serve', '--port', '0', '--commands', 'none'], { TICKETS_RULES: missing });
    expect(run.code, run.stderr).toBe(2);
    expect(run.stderr).toContain(`--rules: ${missing}`);
    noStackTrace(run);
  });
});
