/**
 * Nearest-neighbour search over one named vector of a collection: the one entry point every query
 * variant (query, search, recommend, discover, groups, matrix) uses to find and score candidates.
 */
import type { Filter } from '../index/filter/types.js';
import { AppError } from '../errors.js';
import { higherIsBetter } from '../index/distance.js';
import type { Collection } from './collection.js';
import type { ShardKey } from './types.js';
import { exactSearch, type QueryVector, type ScoredOffset } from './read.js';
import type { Scope } from './segment/scope.js';
import type { HnswIndex } from '../index/hnsw/hnsw-index.js';
import { searchPool } from '../index/hnsw/search-pool.js';

export interface NearestOptions {
  /** Only points matching this filter are candidates. */
  readonly filter?: Filter | undefined;
  /** Only points of these shard keys are candidates. */
  readonly shardKeys?: readonly ShardKey[] | undefined;
  /** HNSW beam width (Qdrant `params.hnsw_ef`). */
  readonly ef?: number | undefined;
  /** Exact scan instead of the index (Qdrant `params.exact`). */
  readonly exact?: boolean | undefined;
  /**
   * Only vectors already in the index (Qdrant `params.indexed_only`): vectors queued for a background
   * graph build are left out once they are as many as the indexing threshold (an unindexed segment
   * large enough to be slow); fewer, or a collection too small for a graph, are searched in full.
   */
  readonly indexedOnly?: boolean | undefined;
  /** Drop results worse than this score (Qdrant `score_threshold`; for Euclid / Manhattan: a maximum distance). */
  readonly threshold?: number | undefined;
  /** Extra candidate test (e.g. excluding the query's own points in recommend). */
  readonly accept?: ((offset: number) => boolean) | undefined;
}

/**
 * The best `k` points for `q` on vector `using`, best first, scored as Qdrant reports them.
 *
 * Dense vectors with an HNSW index go through the planner: a filter whose payload-index candidates are
 * fewer than the index's full-scan threshold is answered by an exact scan of just those points (fast and
 * exact for selective filters); a broader one by filtered graph traversal, which keeps walking through
 * rejected nodes so recall holds; no filter, plain graph search. Sparse and multi vectors are scanned.
 * @throws AppError(bad_input) for an unknown vector name, a wrong dimension or a query of the wrong kind.
 */
export function nearest(c: Collection, using: string, q: QueryVector, k: number, opts: NearestOptions = {}): ScoredOffset[] {
  if (k <= 0) return [];
  const index = q.kind === 'dense' ? c.vectorIndex(using) : undefined;
  const { filter, shardKeys, accept: extra } = opts;
  if (index === undefined || q.kind !== 'dense') {
    const allowed = filter === undefined && shardKeys === undefined ? undefined : new Set(c.scan({ filter, shardKeys }));
    return exactSearch(c, using, q, k, (o) => (allowed === undefined || allowed.has(o)) && (extra === undefined || extra(o)), opts.threshold);
  }
  checkDimension(index.dim, q.data.length);
  return cut(index, runDense(planDense(c, using, index, q.data, k, opts)), opts.threshold);
}

/**
 * `nearest`, with the vector work on the search pool's worker threads when there is one: the event loop plans
 * the filter (a selective one becomes the list of offsets to scan, resolved at the current epoch), a worker
 * searches the shared index at a stable epoch. Filtered graph traversal (broad filters) needs the payloads and
 * stays on the event loop, as does everything but dense vectors with an index. When a worker cannot read a
 * stable state (writes kept overlapping, the subset's epoch passed), the search runs here instead.
 */
export async function nearestAsync(c: Collection, using: string, q: QueryVector, k: number, opts: NearestOptions = {}): Promise<ScoredOffset[]> {
  const pool = searchPool();
  const index = q.kind === 'dense' ? c.vectorIndex(using) : undefined;
  if (pool === undefined || index === undefined || q.kind !== 'dense' || k <= 0) return nearest(c, using, q, k, opts);
  checkDimension(index.dim, q.data.length);
  const s = planDense(c, using, index, q.data, k, opts);
  if (s.accept !== undefined) return cut(index, runDense(s), opts.threshold);
  const r = await pool.search({ ...s, epoch: s.subset === undefined ? undefined : index.gate.epoch });
  return r.ok ? cut(index, r.hits, opts.threshold) : nearest(c, using, q, k, opts);
}

/** One dense search as planned: a graph search (with `accept` for broad filters) or an exact scan of `subset`. */
interface DenseSearch {
  readonly index: HnswIndex;
  readonly query: Float32Array;
  readonly k: number;
  readonly ef: number | undefined;
  readonly exact: boolean;
  readonly indexedOnly: boolean;
  readonly subset?: Uint32Array | undefined;
  readonly accept?: ((offset: number) => boolean) | undefined;
  readonly cardinality?: number | undefined;
}

/**
 * The planner: no filter, plain graph search; a filter whose payload-index candidates are fewer than the index's
 * full-scan threshold, an exact scan of just those points (when the index lookups decide the filter, the
 * candidates are the answer and only shard keys / `accept` remain to check); a broader one, filtered graph
 * traversal.
 */
function planDense(c: Collection, using: string, index: HnswIndex, query: Float32Array, k: number, opts: NearestOptions): DenseSearch {
  const { filter, shardKeys, accept: extra } = opts;
  const base = { index, query, k, ef: opts.ef, exact: opts.exact === true, indexedOnly: opts.indexedOnly === true && c.segment.skipsUnindexed(using) };
  if (filter === undefined && shardKeys === undefined && extra === undefined) return base;
  const scope: Scope = { filter, shardKeys };
  const passes = (o: number): boolean => c.inScope(o, scope) && (extra === undefined || extra(o));
  const plan = filter === undefined ? undefined : c.filterPlan(filter);
  const candidates = plan?.candidates ?? null;
  if (candidates !== null && (opts.exact === true || candidates.length <= index.fullScanVectors)) {
    const rest = shardKeys !== undefined || extra !== undefined ? (o: number): boolean => c.inScope(o, { shardKeys }) && (extra === undefined || extra(o)) : undefined;
    const check = plan?.exact === true ? rest : passes;
    return { ...base, subset: check === undefined ? candidates : candidates.filter((o) => check(o)) };
  }
  return { ...base, accept: passes, cardinality: plan?.estimatedCardinality };
}

function runDense(s: DenseSearch): ScoredOffset[] {
  if (s.subset !== undefined) return s.index.searchSubset(s.query, s.k, s.subset, { indexedOnly: s.indexedOnly });
  return s.index.search(s.query, s.k, { ef: s.ef, exact: s.exact, accept: s.accept, cardinality: s.cardinality, indexedOnly: s.indexedOnly });
}

/** Qdrant `score_threshold`: for Euclid / Manhattan a maximum distance. */
function cut(index: HnswIndex, hits: ScoredOffset[], t: number | undefined): ScoredOffset[] {
  if (t === undefined) return hits;
  return hits.filter((h) => (higherIsBetter(index.distance) ? h.score >= t : h.score <= t));
}

function checkDimension(expected: number, got: number): void {
  if (expected !== got) throw new AppError('VECTOR_DIMENSION_MISMATCH', [expected, got]);
}
