/**
 * Nearest-neighbour search over one named vector of a collection: the one entry point every query
 * variant (query, search, recommend, discover, groups, matrix) uses to find and score candidates.
 */
import type { Filter } from '../index/filter/types.js';
import type { Collection } from './collection.js';
import type { ShardKey } from './types.js';
import { exactSearch, matchingOffsets, type QueryVector, type ScoredOffset } from './read.js';

export interface NearestOptions {
  /** Only points matching this filter are candidates. */
  readonly filter?: Filter | undefined;
  /** Only points of these shard keys are candidates. */
  readonly shardKeys?: readonly ShardKey[] | undefined;
  /** HNSW beam width (Qdrant `params.hnsw_ef`). */
  readonly ef?: number | undefined;
  /** Exact scan instead of the index (Qdrant `params.exact`). */
  readonly exact?: boolean | undefined;
  /** Only vectors already in the index (Qdrant `params.indexed_only`). */
  readonly indexedOnly?: boolean | undefined;
  /** Drop results worse than this score (Qdrant `score_threshold`; for Euclid / Manhattan: a maximum distance). */
  readonly threshold?: number | undefined;
  /** Extra candidate test (e.g. excluding the query's own points in recommend). */
  readonly accept?: ((offset: number) => boolean) | undefined;
}

/**
 * The best `k` points for `q` on vector `using`, best first, scored as Qdrant reports them.
 * @throws AppError(bad_input) for an unknown vector name, a wrong dimension or a query of the wrong kind.
 */
export function nearest(c: Collection, using: string, q: QueryVector, k: number, opts: NearestOptions = {}): ScoredOffset[] {
  if (k <= 0) return [];
  const allowed = opts.filter === undefined && opts.shardKeys === undefined ? undefined : new Set(matchingOffsets(c, opts.filter, opts.shardKeys));
  const extra = opts.accept;
  const accept = (o: number): boolean => (allowed === undefined || allowed.has(o)) && (extra === undefined || extra(o));
  return exactSearch(c, using, q, k, accept, opts.threshold);
}
