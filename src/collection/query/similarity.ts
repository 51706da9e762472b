/**
 * Scoring a stored vector against a query vector the way Qdrant's segments do.
 *
 * Qdrant keeps one internal "similarity" per metric where larger is always better
 * (lib/segment/src/spaces/simple.rs): Cosine and Dot → dot product, Euclid → −(squared distance),
 * Manhattan → −(L1 distance); sparse vectors → dot over shared indices; multivectors → MaxSim, the sum
 * over query rows of the best similarity among the document rows. Custom scorers (recommend
 * best_score / sum_scores, discover, context, relevance feedback) use this raw similarity; only a
 * plain nearest search is post-processed for display (`Distance::postprocess_score`: Euclid →
 * sqrt(|s|), Manhattan → |s|), see lib/collection/src/shards/local_shard/search.rs.
 */
import { AppError, badInput } from '../../errors.js';
import { normalizeInPlace, rawDense, type Distance } from '../../index/distance.js';
import type { Collection } from '../collection.js';
import type { QueryVector } from '../vectors.js';
import { DEFAULT_VECTOR } from '../vectors.js';

/** One named vector of a collection, as scoring sees it. */
export interface VectorSpace {
  readonly name: string;
  readonly kind: 'dense' | 'multi' | 'sparse';
  /** Sparse vectors always score by dot product. */
  readonly distance: Distance;
  /** Dense / multivector row size; 0 for sparse. */
  readonly dim: number;
  /** Sparse vectors with `modifier: idf`. */
  readonly idf: boolean;
}

export type SparseQuery = Extract<QueryVector, { kind: 'sparse' }>;

/** The named vector `using` of `c`. @throws AppError(VECTOR_NAME_NOT_FOUND) when it is not configured. */
export function spaceOf(c: Collection, using: string): VectorSpace {
  const dense = c.schema.dense.get(using);
  if (dense !== undefined) {
    return { name: using, kind: dense.multivector ? 'multi' : 'dense', distance: dense.distance, dim: dense.size, idf: false };
  }
  const sparse = c.schema.sparse.get(using);
  if (sparse !== undefined) return { name: using, kind: 'sparse', distance: 'Dot', dim: 0, idf: sparse.modifier === 'idf' };
  throw new AppError('VECTOR_NAME_NOT_FOUND', [using === DEFAULT_VECTOR ? 'Vector name `` (default vector) is not configured' : using]);
}

/** True when a larger value of the reported nearest score is better (Cosine, Dot, sparse). */
export function nearestLargerIsBetter(space: VectorSpace): boolean {
  return space.distance === 'Cosine' || space.distance === 'Dot';
}

import { sparseDot, rawMaxSim } from '../../index/distance.js';

/** The displayed score of a nearest search from the raw similarity (`Distance::postprocess_score`). */
export function postprocess(space: VectorSpace, raw: number): number {
  if (space.kind === 'sparse') return raw;
  if (space.distance === 'Euclid') return Math.sqrt(Math.abs(raw));
  if (space.distance === 'Manhattan') return Math.abs(raw);
  return raw;
}

/**
 * A function scoring `q` against the stored vector of `offset` with the raw similarity, or
 * `undefined` when the point has no vector `space.name`.
 */
export type RawScorer = (q: QueryVector, offset: number) => number | undefined;

/** Builds the raw scorer of `space` over the vectors stored in `c`. */
export function rawScorer(c: Collection, space: VectorSpace): RawScorer {
  if (space.kind === 'dense') {
    const store = c.segment.denseStore(space.name);
    if (store === undefined) return () => undefined;
    const dim = store.dim;
    return (q, offset) => {
      if (q.kind !== 'dense' || !store.has(offset)) return undefined;
      return rawDense(space.distance, q.data, 0, store.data, offset * dim, dim);
    };
  }
  const vectors = c.segment.otherVectors(space.name);
  if (vectors === undefined) return () => undefined;
  return (q, offset) => {
    const v = vectors.get(offset);
    if (v === undefined) return undefined;
    if (q.kind === 'sparse' && v.kind === 'sparse') return sparseDot(q, v);
    if (q.kind === 'multi' && v.kind === 'multi') return rawMaxSim(space.distance, q.rows, v.rows);
    return undefined;
  };
}

/**
 * Checks that `q` fits `space` (kind and dimension) and applies the metric's preprocessing
 * (Cosine: unit length), copying so a stored vector is never modified. A single dense vector for a
 * multivector space becomes a one-row multivector, as Qdrant's legacy API does.
 * @throws AppError(bad_input) naming `where`.
 */
export function prepareForSpace(space: VectorSpace, q: QueryVector, where: string): QueryVector {
  const fit = (row: Float32Array): Float32Array => {
    if (row.length !== space.dim) throw new AppError('VECTOR_DIMENSION_MISMATCH', [space.dim, row.length]);
    const copy = Float32Array.from(row);
    return space.distance === 'Cosine' ? normalizeInPlace(copy) : copy;
  };
  switch (space.kind) {
    case 'sparse':
      if (q.kind !== 'sparse') throw badInput(`${where}: vector \`${space.name}\` is sparse: expected {indices, values}`);
      return q;
    case 'dense':
      if (q.kind !== 'dense') throw badInput(`${where}: vector \`${space.name || 'default'}\` is dense: expected an array of numbers`);
      return { kind: 'dense', data: fit(q.data) };
    case 'multi':
      if (q.kind === 'dense') return { kind: 'multi', rows: [fit(q.data)] };
      if (q.kind !== 'multi') throw badInput(`${where}: vector \`${space.name || 'default'}\` is a multivector: expected an array of vectors`);
      return { kind: 'multi', rows: q.rows.map(fit) };
  }
}

/** The stored vector of `offset` as a query vector (a view, never to be modified), or undefined. */
export function storedQuery(c: Collection, space: VectorSpace, offset: number): QueryVector | undefined {
  if (space.kind === 'dense') {
    const row = c.segment.denseStore(space.name)?.get(offset);
    return row === undefined ? undefined : { kind: 'dense', data: row };
  }
  const v = c.segment.otherVectors(space.name)?.get(offset);
  if (v === undefined) return undefined;
  return v.kind === 'sparse' ? v : v.kind === 'multi' ? { kind: 'multi', rows: [...v.rows] } : { kind: 'dense', data: v.data };
}

/** A test for "the point at this offset holds vector `space.name`". */
export function hasVector(c: Collection, space: VectorSpace): (offset: number) => boolean {
  if (space.kind === 'dense') {
    const store = c.segment.denseStore(space.name);
    return (offset) => store?.has(offset) ?? false;
  }
  const vectors = c.segment.otherVectors(space.name);
  return (offset) => vectors?.has(offset) ?? false;
}
