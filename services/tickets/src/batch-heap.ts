// How `tickets what-if` runs: re-executed once, in place, with a smaller young generation (by
// bin/tickets.mjs, before anything else is loaded: this module imports nothing).
//
// V8 sizes a process's young generation from the machine's memory: on a 24 GB machine the main thread
// gets semi-spaces of 64 MB, 128 MB of new space, all of it touched while what-if decides. What-if
// decides in the main thread (a narrowed run's few records), so over 1M sealed inbound events that
// young generation was a quarter of its peak. With semi-spaces of 8 MB it peaked 53–75 MB lower, in
// the same time on a clear store and ~4% more on a sealed one (docs/benchmarks.md, 2026-12-07). The
// size cannot be set once Node has started, so the command replaces itself with the same command and
// the flag (`execve`: the same process, nothing running beside it) before anything is loaded. Not for
// the other verbs: a server's throughput gains from a large young generation, and `replay` is a
// sub-second command whose start-up a second Node start would slow.

/** The V8 flag what-if runs with. */
export const WHAT_IF_HEAP_FLAG = '--max-semi-space-size=8';

/**
 * The arguments to re-execute Node with for this command line, or null to run as started: only for
 * `what-if`, and not when the young generation was already sized (on the command line or in
 * NODE_OPTIONS), which also keeps the re-executed command from doing it again.
 */
export function batchHeapArgs(argv: readonly string[], execArgv: readonly string[], nodeOptions = ''): string[] | null {
  if (argv[2] !== 'what-if') return null;
  const sized = (flag: string): boolean => /^--max[-_]semi[-_]space[-_]size\b/.test(flag);
  if (execArgv.some(sized) || nodeOptions.split(/\s+/).some(sized)) return null;
  return [...argv.slice(0, 1), ...execArgv, WHAT_IF_HEAP_FLAG, ...argv.slice(1)];
}
