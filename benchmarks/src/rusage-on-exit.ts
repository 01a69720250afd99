// Loaded with `node --import` into a process the replay benchmark times: at exit, the process's own
// CPU time (all its threads, the garbage collector's included) and peak RSS go to the file named by
// TICKETS_BENCH_RUSAGE, as one JSON line. Node gives a child's exit code but not its resource usage.
import { appendFileSync, readFileSync } from 'node:fs';

/**
 * Peak RSS of this program alone. Linux carries `maxRSS` over from the process that spawned it (the
 * forked copy of a benchmark holding tens of megabytes counts), so its own high-water mark (VmHWM)
 * is read where there is one.
 */
function peakRssKb(): number {
  try {
    const match = /^VmHWM:\s+(\d+) kB$/m.exec(readFileSync('/proc/self/status', 'utf8'));
    if (match !== null) return Number(match[1]);
  } catch {
    // Not Linux: maxRSS is the figure there is.
  }
  return process.resourceUsage().maxRSS;
}

const file = process.env['TICKETS_BENCH_RUSAGE'];
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ userSeconds: usage.userCPUTime / 1e6, systemSeconds: usage.systemCPUTime / 1e6, peakRssKb: peakRssKb() })}\n`,
    );
  });
}
