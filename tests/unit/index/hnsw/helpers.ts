import assert from 'node:assert/strict';
import { normalizeInPlace, type Distance } from '../../../../src/index/distance.js';
import { FlatIndex } from '../../../../src/index/flat/flat-index.js';
import { HnswIndex, type HnswIndexOptions } from '../../../../src/index/hnsw/hnsw-index.js';
import type { ScoredOffset } from '../../../../src/index/vector-index.js';
import { DenseVectorStore } from '../../../../src/index/vector-store.js';
import { ClusteredGenerator, row } from '../../../fixtures/clustered.js';

export interface Dataset {
  store: DenseVectorStore;
  flat: FlatIndex;
  queries: Float32Array[];
  dim: number;
  count: number;
}

/** A seeded clustered dataset in a store, with the flat reference already filled. */
export function dataset(opts: { count: number; dim: number; distance: Distance; seed: number; clusters?: number; queries?: number }): Dataset {
  const { count, dim, distance, seed } = opts;
  const gen = new ClusteredGenerator({ dim, clusters: opts.clusters ?? 50, seed });
  const store = new DenseVectorStore(dim, count);
  const next = gen.stream(seed + 1);
  const v = new Float32Array(dim);
  for (let i = 0; i < count; i++) {
    next(v);
    store.set(i, distance === 'Cosine' ? normalizeInPlace(v) : v);
  }
  const flat = new FlatIndex(store, { distance });
  for (let i = 0; i < count; i++) flat.add(i);
  const qn = opts.queries ?? 100;
  const qs = gen.sample(qn, seed + 2);
  return { store, flat, queries: Array.from({ length: qn }, (_, i) => row(qs, dim, i).slice()), dim, count };
}

export function buildHnsw(ds: Dataset, options: HnswIndexOptions, offsets?: Iterable<number>): HnswIndex {
  const index = new HnswIndex(ds.store, options);
  for (const o of offsets ?? Array.from({ length: ds.count }, (_, i) => i)) index.add(o);
  return index;
}

export function overlap(a: ScoredOffset[], b: ScoredOffset[]): number {
  const want = new Set(b.map((r) => r.offset));
  return a.filter((r) => want.has(r.offset)).length;
}

export interface RecallReport {
  mean: number;
  /** Queries whose recall@k fell below `floor`. */
  failures: number;
}

/** Recall@k of `search` against the flat reference, with a per-query failure count (Qdrant style). */
export function measureRecall(
  ds: Dataset,
  k: number,
  search: (q: Float32Array) => ScoredOffset[],
  exact: (q: Float32Array) => ScoredOffset[] = (q) => ds.flat.search(q, k),
  floor = 0.8,
): RecallReport {
  let sum = 0;
  let failures = 0;
  for (const q of ds.queries) {
    const want = exact(q);
    if (want.length === 0) continue;
    const r = overlap(search(q), want) / want.length;
    sum += r;
    if (r < floor) failures++;
  }
  return { mean: sum / ds.queries.length, failures };
}

/** Every link of every node in the graph names a node in the graph (none points at a removed node). */
export function assertNoDanglingLinks(index: HnswIndex): void {
  const g = index.graph;
  for (let o = 0; o < g.capacity; o++) {
    if (!g.has(o)) continue;
    for (let l = 0; l <= g.levels[o]!; l++) {
      const arr = g.linksArray(l);
      const base = g.linksBase(o, l);
      for (let j = 1; j <= arr[base]!; j++) assert.ok(g.has(arr[base + j]!), `${o} links to removed ${arr[base + j]} at level ${l}`);
    }
  }
}
