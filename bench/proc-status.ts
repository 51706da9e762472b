/** Memory figures of a process from its `/proc/<pid>/status` text, for the benchmarks' RSS accounting. Linux only. */
import { readFileSync } from 'node:fs';

/** A `kB` field of a status text (`VmRSS`, `RssAnon`, `RssFile`, …) in bytes; NaN when absent. */
export function statusBytes(status: string, field: string): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(status);
  return m === null ? Number.NaN : Number(m[1]) * 1024;
}

/** The status text of a running process. */
export function processStatus(pid: number): string {
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}
