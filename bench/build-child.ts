/**
 * One index build in a fresh process, so build time and peak RSS are measured in isolation.
 * Argument: a JSON BuildJob. Prints one JSON BuildResult line on stdout and writes the index to
 * `job.out` (read back by the search benchmarks, so each index is built once per run).
 */
import { writeFileSync } from 'node:fs';
import hnswlib from './hnswlib.js';
import { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { DenseVectorStore } from '../src/index/vector-store.js';
import { fillStore, type DatasetSpec } from './data.js';

export interface BuildJob {
  lib: 'quiver' | 'quiver-js' | 'quiver-threads' | 'hnswlib';
  spec: DatasetSpec;
  m: number;
  efConstruct: number;
  threads: number;
  out: string;
}

export interface BuildResult {
  lib: BuildJob['lib'];
  /** Wall-clock build time. */
  buildMs: number;
  /** CPU time of the whole process during the build (all threads). */
  buildCpuMs: number;
  threads: number;
  /** RSS after imports, before any vector exists. */
  baselineRss: number;
  /** Peak RSS right after the build (before writing the image). */
  peakRss: number;
  vectorBytes: number;
  graphBytes: number;
}

const rssBytes = (): number => process.resourceUsage().maxRSS * 1024;
const cpuMs = (): number => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '') as BuildJob;
  const { spec } = job;
  const baselineRss = process.memoryUsage().rss;
  const vectorBytes = spec.n * spec.dim * 4;
  let buildMs: number;
  let buildCpuMs: number;
  let graphBytes: number;
  let peakRss: number;
  if (job.lib === 'hnswlib') {
    const index = new hnswlib.HierarchicalNSW('cosine', spec.dim);
    index.initIndex(spec.n, job.m, job.efConstruct, spec.seed);
    let t = 0;
    let c = 0;
    const scratch = new DenseVectorStore(spec.dim, 16, { backing: 'shared' });
    fillStore(spec, scratch, (offset, v) => {
      const arr = Array.from(v);
      const c0 = cpuMs();
      const t0 = performance.now();
      index.addPoint(arr, offset);
      t += performance.now() - t0;
      c += cpuMs() - c0;
    });
    buildMs = t;
    buildCpuMs = c;
    peakRss = rssBytes();
    // hnswlib level-0 block per node: links (4 + 2m·4) + vector + label (8); upper layers ≈ 1/m of that.
    graphBytes = Math.round(spec.n * (4 + 2 * job.m * 4 + 8) * (1 + 1 / job.m));
    index.writeIndexSync(job.out);
  } else {
    const store = new DenseVectorStore(spec.dim, spec.n, { backing: job.lib === 'quiver-js' ? 'shared' : 'auto' });
    fillStore(spec, store);
    const opts = { distance: 'Cosine' as const, m: job.m, efConstruct: job.efConstruct, kernel: job.lib === 'quiver-js' ? ('js' as const) : ('auto' as const) };
    const c0 = cpuMs();
    const t0 = performance.now();
    let index: HnswIndex;
    if (job.lib === 'quiver-threads') {
      const offsets = Array.from({ length: spec.n }, (_, i) => i);
      index = await HnswIndex.buildParallel(store, opts, offsets, { threads: job.threads });
    } else {
      index = new HnswIndex(store, opts);
      for (let o = 0; o < spec.n; o++) index.add(o);
    }
    buildMs = performance.now() - t0;
    buildCpuMs = cpuMs() - c0;
    peakRss = rssBytes();
    graphBytes = index.graphBytes;
    writeFileSync(job.out, index.serialize());
  }
  const threads = job.lib === 'quiver-threads' ? job.threads : 1;
  const result: BuildResult = { lib: job.lib, buildMs, buildCpuMs, threads, baselineRss, peakRss, vectorBytes, graphBytes };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

await main();
