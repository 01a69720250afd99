import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { join } from 'node:path';

/** The pipeline as separate processes, each one `tickets <verb>`, as they run in production. */
export const SERVICES = {
  ingest: ['ingest', '--port', '0'],
  projector: ['projector', '--port', '0'],
  relay: ['rule-reactor', '--commands', 'kafka', '--port', '0'],
} as const;
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

export interface ServiceProcessesOptions {
  /** services/tickets/bin/tickets.mjs */
  readonly bin: string;
  readonly store: string;
  /** KAFKA_* (and any other) settings for every service. */
  readonly env: Record<string, string>;
  /** Each service appends its stdout and stderr to `<logDir>/<name>.log`. */
  readonly logDir: string;
  readonly logLevel: string;
}

export interface StopResult {
  /** The process did not end within the grace period of a SIGTERM and was killed. */
  readonly forced: boolean;
}

const GRACE_MS = 30_000;

/** Starts, stops and restarts the four services; a stopped one is always started again. */
export class ServiceProcesses {
  readonly #children = new Map<ServiceName, ChildProcess>();
  readonly #starts = new Map<ServiceName, number>();

  constructor(private readonly options: ServiceProcessesOptions) {}

  startAll(): void {
    for (const name of SERVICE_NAMES) this.start(name);
  }

  start(name: ServiceName): void {
    const { bin, store, env, logDir, logLevel } = this.options;
    // The caller's TICKETS_* / KAFKA_* settings must not change what the services do.
    const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('TICKETS_') && !key.startsWith('KAFKA_')));
    const log = openSync(join(logDir, `${name}.log`), 'a');
    const child = spawn(process.execPath, ['--max-semi-space-size=16', bin, ...SERVICES[name], '--store', store, '--log-level', logLevel], {
      env: { ...inherited, ...env },
      stdio: ['ignore', log, log],
    });
    closeSync(log);
    this.#children.set(name, child);
    this.#starts.set(name, (this.#starts.get(name) ?? 0) + 1);
  }

  /** The service is running (not between a stop and its restart, and not exited by itself). */
  alive(name: ServiceName): boolean {
    const child = this.#children.get(name);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Exits not caused by us: a service that crashed on its own (its log says why). */
  exitedByItself(): ServiceName[] {
    return SERVICE_NAMES.filter((name) => !this.alive(name));
  }

  /** Sends `signal` and waits for the exit; after a SIGTERM, a process still there after the grace period is killed. */
  async stop(name: ServiceName, signal: 'SIGKILL' | 'SIGTERM'): Promise<StopResult> {
    const child = this.#children.get(name);
    if (child === undefined || !this.alive(name)) return { forced: false };
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    let forced = false;
    const timer = setTimeout(() => {
      forced = true;
      child.kill('SIGKILL');
    }, GRACE_MS);
    child.kill(signal);
    await exited;
    clearTimeout(timer);
    return { forced };
  }

  async stopAll(): Promise<void> {
    await Promise.all(SERVICE_NAMES.map((name) => this.stop(name, 'SIGTERM')));
  }

  /** How many times each service was started (1 + its restarts). */
  starts(): Record<ServiceName, number> {
    return Object.fromEntries(SERVICE_NAMES.map((name) => [name, this.#starts.get(name) ?? 0])) as Record<ServiceName, number>;
  }
}
