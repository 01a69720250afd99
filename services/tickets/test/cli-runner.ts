import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO = resolve(import.meta.dirname, '../../..');
export const BIN = join(REPO, 'services/tickets/bin/tickets.mjs');

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs `tickets …` with this Node binary; a developer's TICKETS_* settings must not leak into tests. */
export function runTickets(args: readonly string[], settings: Record<string, string> = {}): Promise<CliRun> {
  const env = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(([name]) => !name.startsWith('TICKETS_') && !name.startsWith('KAFKA_')),
    ),
    ...settings,
  };
  return new Promise((resolvePromise) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      { cwd: REPO, env, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1;
        resolvePromise({ code, stdout, stderr });
      },
    );
  });
}
