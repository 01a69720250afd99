// Loaded with `node --import` into a process the replay benchmark times: at exit, the process's own
// CPU time (all its threads, the garbage collector's included) and peak RSS go to the file named by
// TICKETS_BENCH_RUSAGE, as one JSON line. Node gives a child's exit code but not its resource usage.
import { appendFileSync } from 'node:fs';

const file = process.env['TICKETS_BENCH_RUSAGE'];
if (file !== undefined && file !== '') {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    appendFileSync(
      file,
      `${JSON.stringify({ userSeconds: usage.userCPUTime / 1e6, systemSeconds: usage.systemCPUTime / 1e6, peakRssKb: usage.maxRSS })}\n`,
    );
  });
}
