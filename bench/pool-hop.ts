/**
 * What a search costs the event loop when the search pool runs it, in process (no HTTP): the same graph searches
 * run inline on this thread and through a `SearchPool` of BENCH_THREADS workers, with 1 and 16 searches in flight.
 * Per search: wall µs (÷ searches done), this thread's busy µs (`eventLoopUtilization`: the hand-off, the reply and
 * the promise, or the whole search inline) and the process's CPU µs (all threads: the workers' search included).
 * Rounds are interleaved (inline, pool, pool, inline, …) so both see the same machine load.
 *
 *   BENCH_N=20000 BENCH_DIM=128 node --import tsx bench/pool-hop.ts
 * Env: BENCH_N (20000), BENCH_DIM (128), BENCH_EF (64), BENCH_THREADS (2), BENCH_SEARCHES (4000 per phase),
 * BENCH_ROUNDS (2).
 */
import { cpus, loadavg } from 'node:os';
import { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { SearchPool } from '../src/index/hnsw/search-pool.js';
import { makeQueries, makeStore, type DatasetSpec } from './data.js';

const env = (k: string, d: string): string => process.env[k] ?? d;
const N = Number(env('BENCH_N', '20000'));
const DIM = Number(env('BENCH_DIM', '128'));
const EF = Number(env('BENCH_EF', '64'));
const THREADS = Number(env('BENCH_THREADS', '2'));
const SEARCHES = Number(env('BENCH_SEARCHES', '4000'));
const ROUNDS = Number(env('BENCH_ROUNDS', '2'));
const K = 10;

const spec: DatasetSpec = { n: N, dim: DIM, clusters: Math.max(10, Math.floor(N / 100)), queries: 1000, seed: 20240601 };
const t0 = performance.now();
const store = makeStore(spec);
const index = new HnswIndex(store, { distance: 'Dot', m: 16, efConstruct: 100 });
for (let o = 0; o < N; o++) index.enqueue(o);
index.buildPendingSync();
const queries = makeQueries(spec);
console.log(`${N} × ${DIM}, graph built in ${((performance.now() - t0) / 1000).toFixed(1)} s; ef ${EF}; ${THREADS} workers; ${cpus().length} cores; load ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);

const pool = new SearchPool(THREADS);
await pool.warm();

interface Sample {
  n: number;
  wallUs: number;
  loopUs: number;
  cpuUs: number;
  refused: number;
}

async function phase(mode: 'inline' | 'pool', inFlight: number): Promise<Sample> {
  let next = 0;
  let refused = 0;
  const elu0 = performance.eventLoopUtilization();
  const cpu0 = process.cpuUsage();
  const w0 = performance.now();
  await Promise.all(
    Array.from({ length: inFlight }, async () => {
      while (next < SEARCHES) {
        const q = queries[next++ % queries.length]!;
        if (mode === 'inline') {
          index.search(q, K, { ef: EF });
          // Yield as a request handler would, so in-flight loops interleave the same way in both modes.
          await Promise.resolve();
        } else {
          const r = await pool.search({ index, query: q, k: K, ef: EF });
          if (!r.ok) {
            refused++;
            index.search(q, K, { ef: EF });
          }
        }
      }
    }),
  );
  const wall = performance.now() - w0;
  const elu = performance.eventLoopUtilization(elu0);
  const cpu = process.cpuUsage(cpu0);
  return { n: SEARCHES, wallUs: wall * 1000, loopUs: elu.active * 1000, cpuUs: cpu.user + cpu.system, refused };
}

const sums = new Map<string, Sample>();
for (const inFlight of [1, 16]) {
  await phase('inline', inFlight);
  await phase('pool', inFlight);
  for (let r = 0; r < ROUNDS; r++) {
    const order: Array<'inline' | 'pool'> = r % 2 === 0 ? ['inline', 'pool'] : ['pool', 'inline'];
    for (const mode of order) {
      const s = await phase(mode, inFlight);
      const key = `${mode} ${inFlight}`;
      const acc = sums.get(key) ?? { n: 0, wallUs: 0, loopUs: 0, cpuUs: 0, refused: 0 };
      for (const f of ['n', 'wallUs', 'loopUs', 'cpuUs', 'refused'] as const) acc[f] += s[f];
      sums.set(key, acc);
    }
  }
}
await pool.close();
console.log('| mode | in flight | searches/s | wall µs/search | event-loop busy µs/search | process CPU µs/search | refused by a worker |');
console.log('|---|---|---|---|---|---|---|');
for (const [key, s] of sums) {
  const [mode, inFlight] = key.split(' ');
  console.log(`| ${mode} | ${inFlight} | ${Math.round((s.n / s.wallUs) * 1e6)} | ${(s.wallUs / s.n).toFixed(1)} | ${(s.loopUs / s.n).toFixed(1)} | ${(s.cpuUs / s.n).toFixed(1)} | ${s.refused} |`);
}
console.log(`load at end ${loadavg().map((x) => x.toFixed(1)).join(' / ')}`);
