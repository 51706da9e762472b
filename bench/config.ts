/**
 * Benchmark configuration: `--key=value` arguments override `BENCH_KEY` environment variables,
 * which override the defaults (the full run the issue asks for). Scale down with e.g.
 * `node --import tsx bench/run.ts --n=20000 --dims=128 --queries=200`.
 */
export interface BenchConfig {
  /** Vectors per dataset. */
  n: number;
  /** Dimensions to run, one dataset each. */
  dims: number[];
  queries: number;
  clusters: number;
  k: number;
  m: number;
  efConstruct: number;
  /** ef values swept for the recall/QPS curve. */
  efs: number[];
  /** ef used for the filtered runs. */
  filteredEf: number;
  selectivities: number[];
  /** Timed repetitions per measurement (best is kept: the machine is shared). */
  reps: number;
  seed: number;
  /** Parts to run: build, search, filtered, exact, memory. */
  parts: string[];
  /** Where the built indexes and ground truth are cached. */
  cacheDir: string;
  /** Write the markdown report here too (optional). */
  out: string | undefined;
  /** Also build with this many worker threads (0 = skip). */
  threads: number;
}

function raw(key: string): string | undefined {
  const flag = `--${key}=`;
  const arg = process.argv.find((a) => a.startsWith(flag));
  if (arg !== undefined) return arg.slice(flag.length);
  // Benchmarks are tools, not the server: reading the environment here is fine.
  return process.env[`BENCH_${key.toUpperCase().replace(/-/g, '_')}`];
}

function num(key: string, dflt: number): number {
  const v = raw(key);
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`--${key} must be a number, got ${v}`);
  return n;
}

function list(key: string, dflt: number[]): number[] {
  const v = raw(key);
  return v === undefined ? dflt : v.split(',').map(Number);
}

export function loadConfig(): BenchConfig {
  return {
    n: num('n', 100000),
    dims: list('dims', [128, 768]),
    queries: num('queries', 1000),
    clusters: num('clusters', 1000),
    k: num('k', 10),
    m: num('m', 16),
    efConstruct: num('ef-construct', 100),
    efs: list('efs', [10, 16, 24, 32, 48, 64, 96, 128, 192, 256, 384, 512]),
    filteredEf: num('filtered-ef', 128),
    selectivities: list('selectivities', [0.01, 0.1, 0.5]),
    reps: num('reps', 3),
    seed: num('seed', 20240601),
    parts: (raw('parts') ?? 'build,search,filtered,exact,memory').split(','),
    cacheDir: raw('cache-dir') ?? '.tmp/bench',
    out: raw('out'),
    threads: num('threads', 2),
  };
}
