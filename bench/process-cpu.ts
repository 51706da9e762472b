/** CPU time a child process has used, for the benchmarks' "server CPU per request" figures. */
import { readFileSync } from 'node:fs';

/** Clock ticks per second of `/proc/<pid>/stat` (USER_HZ: 100 on Linux). */
const CLOCK_TICKS = 100;

/** User + system CPU time of a process (all its threads: event loop, thread pool, GC, workers), in µs. Linux only. */
export function processCpuUs(pid: number): number {
  // After the command name: state is field 3, utime 14 and stime 15 (1-based) → indexes 11 and 12 here.
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /, '').split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}
