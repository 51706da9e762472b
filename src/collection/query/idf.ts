/**
 * The IDF modifier of sparse vectors (`sparse_vectors.<name>.modifier: idf`).
 *
 * Qdrant weighs each query dimension by its inverse document frequency over the collection's
 * vectors of that name, the BM25 form: idf(i) = ln((N − n(i) + 0.5) / (n(i) + 0.5) + 1), where N is
 * the number of stored vectors and n(i) the number that hold dimension i
 * (lib/segment/src/index/sparse_index: `idf` of the inverted index stats). Only the query side is
 * weighted, so a score is Σ q_i·idf(i)·d_i over shared dimensions.
 *
 * Qdrant 1.19's `params.idf: {corpus: <filter>}` computes N and n(i) over the points matching the corpus filter
 * only (those holding the vector); the retrieval filter is separate. Corpus statistics are computed per query.
 */
import type { Collection } from '../collection.js';
import type { Filter } from '../../index/filter/types.js';
import type { SparseQuery, VectorSpace } from './similarity.js';

interface DocumentFrequencies {
  readonly opId: number;
  readonly total: number;
  readonly counts: Map<number, number>;
}

const cache = new WeakMap<Collection, Map<string, DocumentFrequencies>>();

/** Document frequencies of the sparse vector `name`, cached until the collection's next write. */
function frequencies(c: Collection, name: string): DocumentFrequencies {
  let perName = cache.get(c);
  if (perName === undefined) {
    perName = new Map();
    cache.set(c, perName);
  }
  const cached = perName.get(name);
  if (cached !== undefined && cached.opId === c.lastOperationId) return cached;
  const counts = new Map<number, number>();
  let total = 0;
  for (const v of c.segment.otherVectors(name)?.values() ?? []) {
    if (v.kind !== 'sparse') continue;
    total++;
    for (const i of v.indices) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  const fresh = { opId: c.lastOperationId, total, counts };
  perName.set(name, fresh);
  return fresh;
}

/** Document frequencies over the points matching `corpus` (not cached: the corpus is per request). */
function corpusFrequencies(c: Collection, name: string, corpus: Filter): DocumentFrequencies {
  const counts = new Map<number, number>();
  let total = 0;
  for (const [offset, v] of c.segment.otherVectors(name) ?? []) {
    if (v.kind !== 'sparse' || !c.segment.inScope(offset, { filter: corpus })) continue;
    total++;
    for (const i of v.indices) counts.set(i, (counts.get(i) ?? 0) + 1);
  }
  return { opId: c.lastOperationId, total, counts };
}

/** idf(i) for `n` of `total` documents holding the dimension. */
export function idf(n: number, total: number): number {
  return Math.log((total - n + 0.5) / (n + 0.5) + 1);
}

/**
 * `q` with each value multiplied by its dimension's IDF when `space` has the modifier, else `q`; the statistics
 * are the collection's, or those of `corpus` when given.
 */
export function applyIdf(c: Collection, space: VectorSpace, q: SparseQuery, corpus?: Filter): SparseQuery {
  if (!space.idf) return q;
  const df = corpus === undefined ? frequencies(c, space.name) : corpusFrequencies(c, space.name, corpus);
  const values = new Float32Array(q.values.length);
  for (let k = 0; k < q.values.length; k++) values[k] = q.values[k]! * idf(df.counts.get(q.indices[k]!) ?? 0, df.total);
  return { kind: 'sparse', indices: q.indices, values };
}
