import type { HnswlibIndex } from './hnswlib.js';
import type { HnswIndex } from '../src/index/hnsw/hnsw-index.js';
import { mulberry32 } from '../tests/fixtures/clustered.js';
import { recallAt } from './data.js';
import { timeInterleaved, timePasses } from './measure.js';

export interface FilteredPoint {
  ef: number;
  recall: number;
  qps: number;
}

export interface FilteredResult {
  selectivity: number;
  allowedCount: number;
  /** Graph traversal with the accept callback, per ef. */
  quiverGraph: FilteredPoint[];
  hnswlib: FilteredPoint[];
  /** Exact scan of the allowed id list (`searchSubset`). */
  quiverSubset: FilteredPoint;
  /** What the planner path picks given the exact cardinality (`cardinality` hint) at the smallest ef. */
  quiverPlanned: FilteredPoint & { path: 'exact' | 'graph' };
}

/** A seeded allow-list over `n` offsets with the given selectivity. */
export function allowList(n: number, selectivity: number, seed: number): { allowed: Uint8Array; ids: Int32Array } {
  const rand = mulberry32(seed ^ Math.round(selectivity * 1e6));
  const allowed = new Uint8Array(n);
  const ids: number[] = [];
  for (let o = 0; o < n; o++) {
    if (rand() < selectivity) {
      allowed[o] = 1;
      ids.push(o);
    }
  }
  return { allowed, ids: Int32Array.from(ids) };
}

export function filteredRun(
  ours: HnswIndex,
  theirs: HnswlibIndex,
  queries: Float32Array[],
  truth: Int32Array[],
  k: number,
  selectivity: number,
  allowed: Uint8Array,
  ids: Int32Array,
  efs: number[],
  reps: number,
): FilteredResult {
  const accept = (o: number): boolean => allowed[o] === 1;
  const qArrays = queries.map((q) => Array.from(q));
  const res: FilteredResult = {
    selectivity,
    allowedCount: ids.length,
    quiverGraph: [],
    hnswlib: [],
    quiverSubset: { ef: 0, recall: 0, qps: 0 },
    quiverPlanned: { ef: 0, recall: 0, qps: 0, path: 'graph' },
  };
  for (const ef of efs) {
    theirs.setEf(Math.max(ef, k));
    const [a, b] = timeInterleaved(queries.length, reps, [
      (i) => ours.search(queries[i]!, k, { ef, accept }).map((r) => r.offset),
      (i) => theirs.searchKnn(qArrays[i]!, k, accept).neighbors,
    ]);
    res.quiverGraph.push({ ef, recall: recallAt(a!.results, truth, k), qps: a!.qps });
    res.hnswlib.push({ ef, recall: recallAt(b!.results, truth, k), qps: b!.qps });
    // Larger ef only costs time once both have reached the 0.98 target.
    if (res.quiverGraph.at(-1)!.recall >= 0.98 && res.hnswlib.at(-1)!.recall >= 0.98) break;
  }
  const s = timePasses(queries.length, reps, (i) => ours.searchSubset(queries[i]!, k, ids).map((r) => r.offset));
  res.quiverSubset = { ef: 0, recall: recallAt(s.results, truth, k), qps: s.qps };
  const ef0 = efs[0] ?? 64;
  const p = timePasses(queries.length, reps, (i) =>
    ours.search(queries[i]!, k, { ef: ef0, accept, cardinality: ids.length }).map((r) => r.offset),
  );
  res.quiverPlanned = {
    ef: ef0,
    recall: recallAt(p.results, truth, k),
    qps: p.qps,
    path: ids.length < ours.fullScanVectors ? 'exact' : 'graph',
  };
  return res;
}
