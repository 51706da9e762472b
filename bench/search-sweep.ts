import type { HnswlibIndex } from './hnswlib.js';
import type { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { recallAt } from './data.js';
import { timeInterleaved } from './measure.js';

export interface SweepPoint {
  ef: number;
  recall: number;
  qps: number;
}

export interface SweepResult {
  quiver: SweepPoint[];
  quiverJs: SweepPoint[];
  hnswlib: SweepPoint[];
}

/**
 * Recall@k and QPS per ef for Quiver (WASM kernel), the same graph with the pure-TS kernel, and
 * hnswlib-node, interleaved per ef so background load hits all three alike.
 */
export function sweep(
  ours: HnswIndex,
  oursJs: HnswIndex | undefined,
  theirs: HnswlibIndex,
  queries: Float32Array[],
  truth: Int32Array[],
  k: number,
  efs: number[],
  reps: number,
): SweepResult {
  const qArrays = queries.map((q) => Array.from(q));
  const out: SweepResult = { quiver: [], quiverJs: [], hnswlib: [] };
  for (const ef of efs) {
    theirs.setEf(Math.max(ef, k));
    const contenders = [
      (i: number): ArrayLike<number> => ours.search(queries[i]!, k, { ef }).map((r) => r.offset),
      (i: number): ArrayLike<number> => theirs.searchKnn(qArrays[i]!, k).neighbors,
    ];
    if (oursJs !== undefined) contenders.push((i) => oursJs.search(queries[i]!, k, { ef }).map((r) => r.offset));
    const [a, b, c] = timeInterleaved(queries.length, reps, contenders);
    out.quiver.push({ ef, recall: recallAt(a!.results, truth, k), qps: a!.qps });
    out.hnswlib.push({ ef, recall: recallAt(b!.results, truth, k), qps: b!.qps });
    if (c !== undefined) out.quiverJs.push({ ef, recall: recallAt(c.results, truth, k), qps: c.qps });
  }
  return out;
}

/** The first swept point (lowest ef) reaching `target` recall. */
export function atRecall(points: SweepPoint[], target: number): SweepPoint | undefined {
  return points.find((p) => p.recall >= target);
}
