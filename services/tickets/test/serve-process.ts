import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { waitFor } from '@tickets/testing';

const BIN = join(resolve(import.meta.dirname, '../../..'), 'services/tickets/bin/tickets.mjs');

/** `tickets serve` as a real process on a free port, with its output kept for assertions. */
export interface ServeProcess {
  readonly base: string;
  stdout(): string;
  /** The JSON log lines printed so far. */
  logLines(): Record<string, unknown>[];
  /** Sends the signal and resolves with how the process ended. */
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Kills it if a failed test left it running. */
  [Symbol.dispose](): void;
}

export async function startServe(
  args: readonly string[],
  extraEnv: Record<string, string> = {},
): Promise<ServeProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of [
    'TICKETS_STORE',
    'TICKETS_HOST',
    'TICKETS_PORT',
    'TICKETS_COMMANDS',
    'LOG_LEVEL',
    'KAFKA_BROKERS',
    'TICKETS_METRICS',
    'TICKETS_READY_MAX_LAG',
    'TICKETS_SHUTDOWN_TIMEOUT_MS',
  ])
    delete env[name];
  const child = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--log-level', 'info', ...args], {
    env: { ...env, ...extraEnv },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const logLines = (): Record<string, unknown>[] =>
    stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  const port = await waitFor(
    () => {
      if (child.exitCode !== null) throw new Error(`tickets serve exited with ${child.exitCode}: ${stderr}`);
      const ready = logLines().find((line) => line['msg'] === 'tickets serve ready');
      return typeof ready?.['port'] === 'number' ? ready['port'] : undefined;
    },
    { timeoutMs: 15_000, what: 'the "tickets serve ready" log line' },
  );
  return {
    base: `http://127.0.0.1:${port}`,
    stdout: () => stdout,
    logLines,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      const [code, ended] = await exited;
      return { code, signal: ended };
    },
    [Symbol.dispose]() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
