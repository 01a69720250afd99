import type { CliRun } from './cli-runner.js';

/** The JSON a successful `tickets` verb printed; a failure shows its stderr instead of a parse error. */
export function json<T>(run: CliRun): T {
  if (run.code !== 0) throw new Error(`tickets exited with ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as T;
}
