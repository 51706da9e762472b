import { mkdirSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { normalizeInPlace } from '../src/index/distance.js';
import { FlatIndex } from '../src/index/flat/flat-index.js';
import { DenseVectorStore } from '../src/index/vector-store.js';
import { ClusteredGenerator } from '../tests/fixtures/clustered.js';

export interface DatasetSpec {
  n: number;
  dim: number;
  clusters: number;
  queries: number;
  seed: number;
}

export function datasetKey(s: DatasetSpec): string {
  return `n${s.n}-d${s.dim}-c${s.clusters}-q${s.queries}-s${s.seed}`;
}

/**
 * The dataset of the issue: `clusters` gaussian clusters, Cosine (rows normalised on insert, as
 * Qdrant does). Rows are generated straight into the store, so no second copy exists.
 */
export function fillStore(spec: DatasetSpec, store: DenseVectorStore, onRow?: (offset: number, v: Float32Array) => void): void {
  const gen = new ClusteredGenerator({ dim: spec.dim, clusters: spec.clusters, seed: spec.seed });
  const next = gen.stream(spec.seed + 1);
  const v = new Float32Array(spec.dim);
  for (let i = 0; i < spec.n; i++) {
    next(v);
    normalizeInPlace(v);
    if (onRow !== undefined) onRow(i, v);
    else store.set(i, v);
  }
}

/** Queries from the same clusters (different seed), normalised. */
export function makeQueries(spec: DatasetSpec): Float32Array[] {
  const gen = new ClusteredGenerator({ dim: spec.dim, clusters: spec.clusters, seed: spec.seed });
  const data = gen.sample(spec.queries, spec.seed + 2);
  return Array.from({ length: spec.queries }, (_, i) => normalizeInPlace(data.slice(i * spec.dim, (i + 1) * spec.dim)));
}

export function makeStore(spec: DatasetSpec): DenseVectorStore {
  const store = new DenseVectorStore(spec.dim, spec.n);
  fillStore(spec, store);
  return store;
}

/** Top-k offsets per query by exact scan (cached on disk: it is the slow part at 768 dims). */
export function groundTruth(
  spec: DatasetSpec,
  store: DenseVectorStore,
  queries: Float32Array[],
  k: number,
  cacheDir: string,
  tag = 'all',
  accept?: (o: number) => boolean,
): Int32Array[] {
  mkdirSync(cacheDir, { recursive: true });
  const file = join(cacheDir, `gt-${datasetKey(spec)}-k${k}-${tag}.bin`);
  if (existsSync(file)) {
    const b = readFileSync(file);
    const all = new Int32Array(b.buffer, b.byteOffset, b.byteLength / 4);
    if (all.length === queries.length * k) return queries.map((_, i) => all.slice(i * k, (i + 1) * k));
  }
  const flat = new FlatIndex(store, { distance: 'Cosine' });
  for (let o = 0; o < spec.n; o++) flat.add(o);
  const all = new Int32Array(queries.length * k).fill(-1);
  queries.forEach((q, i) => {
    const res = flat.search(q, k, accept === undefined ? {} : { accept });
    res.forEach((r, j) => (all[i * k + j] = r.offset));
  });
  writeFileSync(file, new Uint8Array(all.buffer));
  return queries.map((_, i) => all.slice(i * k, (i + 1) * k));
}

/** Mean recall@k of result offset lists against the ground truth. */
export function recallAt(results: ArrayLike<number>[], truth: Int32Array[], k: number): number {
  let hit = 0;
  let total = 0;
  for (let i = 0; i < truth.length; i++) {
    const t = truth[i]!;
    const want = new Set<number>();
    for (let j = 0; j < k; j++) if (t[j]! >= 0) want.add(t[j]!);
    const got = results[i]!;
    for (let j = 0; j < Math.min(k, got.length); j++) if (want.has(got[j]!)) hit++;
    total += want.size;
  }
  return total === 0 ? 1 : hit / total;
}
