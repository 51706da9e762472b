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
  const { accept: extra } = opts;
  // The request's scope as this collection resolves it: on a tenant's view, within the tenant filter, which then
  // goes through the planner like any other filter.
  const scope: Scope = c.scopeOf({ filter: opts.filter, shardKeys: opts.shardKeys });
  const { filter, shardKeys } = scope;
  const passes = (o: number): boolean => c.segment.inScope(o, scope) && (extra === undefined || extra(o));
  const filtered = filter !== undefined || shardKeys !== undefined || extra !== undefined;
  let hits: ScoredOffset[];
  if (index === undefined || q.kind !== 'dense') {
    const allowed = filter === undefined && shardKeys === undefined ? undefined : new Set(c.segment.scan(scope));
    hits = exactSearch(c, using, q, k, (o) => (allowed === undefined || allowed.has(o)) && (extra === undefined || extra(o)), opts.threshold);
    return hits;
  }
  checkDimension(index.dim, q.data.length);
  const indexedOnly = opts.indexedOnly === true && c.segment.skipsUnindexed(using);
  if (!filtered) {
    hits = index.search(q.data, k, { ef: opts.ef, exact: opts.exact === true, indexedOnly });
  } else {
    const plan = filter === undefined ? undefined : c.filterPlan(filter);
    const candidates = plan?.candidates ?? null;
    if (candidates !== null && (opts.exact === true || candidates.length <= index.fullScanVectors)) {
      // Selective filter: score exactly the few points that can match.
      const allowed: number[] = [];
      for (const o of candidates) if (index.has(o) && passes(o)) allowed.push(o);
      hits = index.searchSubset(q.data, k, allowed, { indexedOnly });
    } else {
      hits = index.search(q.data, k, { ef: opts.ef, exact: opts.exact === true, accept: passes, cardinality: plan?.estimatedCardinality, indexedOnly });
    }
  }
  const t = opts.threshold;
  if (t === undefined) return hits;
  return hits.filter((h) => (higherIsBetter(index.distance) ? h.score >= t : h.score <= t));
}

function checkDimension(expected: number, got: number): void {
  if (expected !== got) throw new AppError('VECTOR_DIMENSION_MISMATCH', [expected, got]);
}
