/**
 * Timing helpers. The machine is shared, so contenders are measured interleaved (chunks of
 * queries alternating between them) and timed in process CPU time (`process.cpuUsage`, user +
 * system), which a descheduled process does not accrue; the best of `reps` passes is kept.
 * QPS therefore means "queries per CPU-second of one thread".
 */

export interface PassResult {
  qps: number;
  /** Wall-clock QPS of the best pass, for reference. */
  wallQps: number;
  results: ArrayLike<number>[];
}

const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** Runs every contender over all queries `reps` times, interleaved in chunks of `chunk` queries. */
export function timeInterleaved(
  queries: number,
  reps: number,
  contenders: ((i: number) => ArrayLike<number>)[],
  options: { chunk?: number; warm?: boolean } = {},
): PassResult[] {
  const chunk = options.chunk ?? 50;
  if (options.warm !== false) for (const f of contenders) for (let i = 0; i < Math.min(queries, 200); i++) f(i);
  const best: PassResult[] = contenders.map(() => ({ qps: 0, wallQps: 0, results: [] }));
  for (let r = 0; r < reps; r++) {
    const cpu = contenders.map(() => 0);
    const wall = contenders.map(() => 0);
    const out = contenders.map(() => new Array<ArrayLike<number>>(queries));
    for (let start = 0; start < queries; start += chunk) {
      const end = Math.min(queries, start + chunk);
      contenders.forEach((f, c) => {
        const o = out[c]!;
        const w0 = performance.now();
        const c0 = cpuMs();
        for (let i = start; i < end; i++) o[i] = f(i);
        cpu[c]! += cpuMs() - c0;
        wall[c]! += performance.now() - w0;
      });
    }
    contenders.forEach((_, c) => {
      const b = best[c]!;
      const qps = (queries * 1000) / Math.max(cpu[c]!, 1e-3);
      b.results = out[c]!;
      if (qps > b.qps) {
        b.qps = qps;
        b.wallQps = (queries * 1000) / wall[c]!;
      }
    });
  }
  return best;
}

/** One contender (see timeInterleaved). */
export function timePasses(queries: number, reps: number, search: (i: number) => ArrayLike<number>, warm = true): PassResult {
  return timeInterleaved(queries, reps, [search], { warm })[0]!;
}

/** CPU milliseconds of `fn` (for builds measured in-process). */
export function cpuTime(fn: () => void): number {
  const c0 = cpuMs();
  fn();
  return cpuMs() - c0;
}

export const fmt = {
  qps: (x: number | undefined): string => (x === undefined ? 'n/a' : x >= 100 ? x.toFixed(0) : x.toFixed(1)),
  ratio: (a: number | undefined, b: number | undefined): string => (a === undefined || b === undefined ? 'n/a' : `${(a / b).toFixed(2)}×`),
  recall: (x: number | undefined): string => (x === undefined ? 'n/a' : x.toFixed(4)),
  mb: (x: number): string => `${(x / 1048576).toFixed(1)} MiB`,
  s: (ms: number): string => `${(ms / 1000).toFixed(1)} s`,
};
