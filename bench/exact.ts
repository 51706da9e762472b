import { FlatIndex } from '../src/index/flat/flat-index.js';
import { kernelExportsFor } from '../src/index/kernels/wasm-kernel.js';
import type { DenseVectorStore } from '../src/index/vector-store.js';
import { timePasses } from './measure.js';

export interface ExactResult {
  qps: number;
  qpsJs: number;
  /** Single-thread streaming read bandwidth measured with the WASM SIMD `sum` kernel, bytes/s. */
  bandwidth: number;
  /** bandwidth / bytes scanned per query. */
  boundQps: number;
  queries: number;
}

/** Exact-scan QPS (WASM and pure-TS kernels) next to the memory-bandwidth bound. */
export function exactRun(store: DenseVectorStore, queries: Float32Array[], k: number, reps: number): ExactResult {
  const n = store.size;
  const bytes = n * store.dim * 4;
  const qn = Math.max(10, Math.min(queries.length, Math.round(2e10 / bytes)));
  const flat = new FlatIndex(store, { distance: 'Cosine' });
  const flatJs = new FlatIndex(store, { distance: 'Cosine', kernel: 'js' });
  for (let o = 0; o < n; o++) {
    flat.add(o);
    flatJs.add(o);
  }
  const a = timePasses(qn, reps, (i) => flat.search(queries[i]!, k).map((r) => r.offset), false);
  const b = timePasses(Math.max(5, Math.round(qn / 3)), reps, (i) => flatJs.search(queries[i]!, k).map((r) => r.offset), false);
  let bandwidth = 0;
  const memory = store.wasmMemory;
  if (memory !== undefined) {
    const sum = kernelExportsFor(memory).sum;
    const base = store.data.byteOffset;
    const floats = n * store.dim;
    for (let r = 0; r < 5; r++) {
      const t0 = performance.now();
      sum(base, 0, floats);
      bandwidth = Math.max(bandwidth, bytes / ((performance.now() - t0) / 1000));
    }
  }
  return { qps: a.qps, qpsJs: b.qps, bandwidth, boundQps: bandwidth / bytes, queries: qn };
}
