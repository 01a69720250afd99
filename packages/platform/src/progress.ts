/** Where progress goes: a terminal stream (stderr), or anything shaped like one in tests. */
export interface ProgressStream {
  readonly isTTY?: boolean;
  write(chunk: string): unknown;
}

export interface ProgressOptions {
  /** What is running, e.g. `what-if`. */
  readonly label: string;
  /** How many units the run covers (e.g. the store's head position); 0 when unknown. */
  readonly total: number;
  /** What is counted, e.g. `events`. */
  readonly unit?: string;
  readonly stream?: ProgressStream;
  /** Monotonic milliseconds; injected by tests. */
  readonly now?: () => number;
  /** Least time between two redraws. */
  readonly intervalMs?: number;
}

export interface Progress {
  /** `done` units of `total` are behind us. Cheap to call often: redraws are throttled. */
  update(done: number): void;
  /** Erases the line, so what the command prints next starts clean. */
  finish(): void;
}

const NONE: Progress = { update() {}, finish() {} };
const count = new Intl.NumberFormat('en-US');

function duration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  return m < 60
    ? `${m}m${String(s % 60).padStart(2, '0')}s`
    : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * One self-rewriting status line with the rate and the time left, for long runs (what-if, verify,
 * rebuild). Only on a terminal: piped or redirected output stays exactly what the command prints.
 */
export function createProgress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) return NONE;
  const now = options.now ?? (() => performance.now());
  const interval = options.intervalMs ?? 200;
  const unit = options.unit === undefined ? '' : ` ${options.unit}`;
  const started = now();
  let drawnAt = Number.NEGATIVE_INFINITY;
  let drawn = false;

  return {
    update(done) {
      const at = now();
      if (at - drawnAt < interval) return;
      drawnAt = at;
      const seconds = (at - started) / 1000;
      const rate = seconds > 0 ? done / seconds : 0;
      const parts = [
        `${options.label}: ${count.format(done)}${options.total > 0 ? ` / ${count.format(options.total)}` : ''}${unit}`,
      ];
      if (options.total > 0) parts.push(`${Math.min(100, Math.floor((done / options.total) * 100))}%`);
      parts.push(`${count.format(Math.round(rate))}${unit}/s`);
      if (options.total > 0) parts.push(`ETA ${rate > 0 ? duration((options.total - done) / rate) : '?'}`);
      // \r and erase-line: the line redraws in place instead of scrolling.
      stream.write(`\r\x1b[K${parts.join(' · ')}`);
      drawn = true;
    },
    finish() {
      if (drawn) stream.write('\r\x1b[K');
      drawn = false;
    },
  };
}
