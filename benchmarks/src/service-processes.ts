import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The pipeline as separate processes, each one `tickets <verb>`, as they run in production. */
export const SERVICES = {
  ingest: ['ingest', '--port', '0'],
  projector: ['projector', '--port', '0'],
  relay: ['rule-reactor', '--commands', 'kafka', '--port', '0'],
} as const;
export type ServiceName = keyof typeof SERVICES;
export const SERVICE_NAMES = Object.keys(SERVICES) as ServiceName[];

/** How many instances of each service run (default one each). */
export type Replicas = Record<ServiceName, number>;
export const ONE_EACH: Replicas = { ingest: 1, projector: 1, relay: 1 };

/** One running instance: `ingest` when a service has one instance, `ingest-0`, `ingest-1`, … when it has several. */
export interface Instance {
  readonly id: string;
  readonly service: ServiceName;
}

export interface ServiceProcessesOptions {
  /** services/tickets/bin/tickets.mjs */
  readonly bin: string;
  readonly store: string;
  /** KAFKA_* (and any other) settings for every service. */
  readonly env: Record<string, string>;
  /** Settings of one instance on top of `env` (e.g. its own Kafka client id). */
  readonly instanceEnv?: (instance: Instance) => Record<string, string>;
  /** Each instance appends its stdout and stderr to `<logDir>/<id>.log`. */
  readonly logDir: string;
  readonly logLevel: string;
  readonly replicas?: Replicas;
}

export interface StopResult {
  /** The process did not end within the grace period of a SIGTERM and was killed. */
  readonly forced: boolean;
}

const GRACE_MS = 30_000;

/** Starts, stops and restarts the services' instances; a stopped one is always started again. */
export class ServiceProcesses {
  readonly #children = new Map<string, ChildProcess>();
  readonly #starts = new Map<ServiceName, number>();
  readonly instances: readonly Instance[];

  constructor(private readonly options: ServiceProcessesOptions) {
    const replicas = options.replicas ?? ONE_EACH;
    this.instances = SERVICE_NAMES.flatMap((service) =>
      Array.from({ length: replicas[service] }, (_, i) => ({
        service,
        id: replicas[service] === 1 ? service : `${service}-${i}`,
      })),
    );
  }

  startAll(): void {
    for (const instance of this.instances) this.start(instance);
  }

  start(instance: Instance): void {
    const { bin, store, env, logDir, logLevel } = this.options;
    // The caller's TICKETS_* / KAFKA_* settings must not change what the services do.
    const inherited = Object.fromEntries(
      Object.entries(process.env).filter(([key]) => !key.startsWith('TICKETS_') && !key.startsWith('KAFKA_')),
    );
    const log = openSync(join(logDir, `${instance.id}.log`), 'a');
    const child = spawn(
      process.execPath,
      ['--max-semi-space-size=16', bin, ...SERVICES[instance.service], '--store', store, '--log-level', logLevel],
      {
        env: { ...inherited, ...env, ...(this.options.instanceEnv?.(instance) ?? {}) },
        stdio: ['ignore', log, log],
      },
    );
    closeSync(log);
    this.#children.set(instance.id, child);
    this.#starts.set(instance.service, (this.#starts.get(instance.service) ?? 0) + 1);
  }

  /** The operating system's process id of the instance's current process. */
  pid(instance: Instance): number | undefined {
    return this.#children.get(instance.id)?.pid;
  }

  /** The instance is running (not between a stop and its restart, and not exited by itself). */
  alive(instance: Instance): boolean {
    const child = this.#children.get(instance.id);
    return child !== undefined && child.exitCode === null && child.signalCode === null;
  }

  /** Exits not caused by us: an instance that crashed on its own (its log says why). */
  exitedByItself(): Instance[] {
    return this.instances.filter((instance) => !this.alive(instance));
  }

  /** How the instance's last process ended and the last lines it wrote: why it exited, for a report. */
  exitOf(instance: Instance, lines = 8): { code: number | null; signal: string | null; lastLines: string[] } {
    const child = this.#children.get(instance.id);
    let text = '';
    try {
      text = readFileSync(join(this.options.logDir, `${instance.id}.log`), 'utf8');
    } catch {
      // No log yet: the process ended before writing anything.
    }
    return {
      code: child?.exitCode ?? null,
      signal: child?.signalCode ?? null,
      lastLines: text.trimEnd().split('\n').slice(-lines),
    };
  }

  /** Sends `signal` and waits for the exit; after a SIGTERM, a process still there after the grace period is killed. */
  async stop(instance: Instance, signal: 'SIGKILL' | 'SIGTERM'): Promise<StopResult> {
    const child = this.#children.get(instance.id);
    if (child === undefined || !this.alive(instance)) return { forced: false };
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
    await Promise.all(this.instances.map((instance) => this.stop(instance, 'SIGTERM')));
  }

  /** How many times each service's instances were started (their number + their restarts). */
  starts(): Record<ServiceName, number> {
    return Object.fromEntries(SERVICE_NAMES.map((name) => [name, this.#starts.get(name) ?? 0])) as Record<
      ServiceName,
      number
    >;
  }
}
