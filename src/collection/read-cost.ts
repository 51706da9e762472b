/**
 * What a read costs against strict mode's `read_rate_limit`, as Qdrant's shard charges it
 * (lib/collection/src/shards/local_shard/shard_ops.rs, operations/verification/operation_rate_cost.rs):
 * a retrieve one token per id; a scroll, count or facet 1 + the number of its filter's conditions
 * (`Filter::total_conditions_count`); a search the similarity cost of its query vectors (a dense vector 1, a
 * sparse one a token per started 64 indices, a multivector one per row; recommend / discover / context /
 * feedback sum their vectors) + its filter's conditions. A Query API request is planned as Qdrant plans it
 * (`PlannedQuery`): every leaf of its prefetch tree is a search (vector query) or a scroll (no query,
 * `order_by`, `sample`), with its ancestors' filters merged into its own; stages with prefetches (fusion,
 * formula, rescoring) cost nothing more. A batch costs the sum of its requests. Computed only when a read rate
 * is set; nothing here allocates.
 */
import type { Filter } from '../index/filter/types.js';
import type { Collection } from './collection.js';
import type { QueryRequest, StageSpec, VectorInput } from './query/types.js';
import { totalConditions } from './strict-mode.js';

/** Qdrant `BASE_COST` of a read. */
const BASE_COST = 1;
/** Qdrant `SPARSE_DIMS_COST_UNIT`: sparse indices that cost as much as one dense comparison. */
const SPARSE_DIMS_COST_UNIT = 64;

/** Qdrant `filter_rate_cost`. */
export function filterCost(f: Filter | undefined): number {
  return f === undefined ? 0 : totalConditions(f);
}

/** A scroll, count or facet (and a Query API leaf without a vector query). */
export function scrollCost(f: Filter | undefined): number {
  return BASE_COST + filterCost(f);
}

/** `VectorInternal::similarity_cost` of one vector given in a request; a point id costs what its stored vector does. */
function vectorCost(c: Collection, input: VectorInput, using: string, lookup: boolean): number {
  if (input.kind === 'raw') {
    const v = input.value;
    if (!Array.isArray(v)) return Math.max(1, Math.ceil((v as { indices: readonly number[] }).indices.length / SPARSE_DIMS_COST_UNIT));
    return v.length > 0 && Array.isArray(v[0]) ? v.length : 1;
  }
  if (!lookup) return 1;
  const offset = c.segment.offsetOf(input.id);
  const stored = offset === undefined ? undefined : c.segment.view(offset)?.vectors.get(using);
  if (stored === undefined || stored.kind === 'dense') return 1;
  return stored.kind === 'multi' ? stored.rows.length : Math.max(1, Math.ceil(stored.indices.length / SPARSE_DIMS_COST_UNIT));
}

/** Qdrant `QueryEnum::search_cost` of a stage's vector query, or undefined when the stage is a scroll. */
function searchCost(c: Collection, stage: StageSpec): number | undefined {
  const q = stage.query;
  if (q === undefined) return undefined;
  // Point ids are looked up where the stage reads them from; ids of another collection (`lookup_from`) count 1.
  const lookup = stage.lookupFrom === undefined;
  const using = stage.lookupFrom?.vector ?? stage.using;
  switch (q.kind) {
    case 'nearest':
      return vectorCost(c, q.input, using, lookup);
    case 'recommend': {
      // Qdrant turns the average_vector strategy into one nearest search on the averaged vector.
      if (q.strategy === 'average_vector') return 1;
      let n = 0;
      for (const v of q.positive) n += vectorCost(c, v, using, lookup);
      for (const v of q.negative) n += vectorCost(c, v, using, lookup);
      return n;
    }
    case 'discover': {
      let n = vectorCost(c, q.target, using, lookup);
      for (const p of q.pairs) n += vectorCost(c, p.positive, using, lookup) + vectorCost(c, p.negative, using, lookup);
      return n;
    }
    case 'context': {
      let n = 0;
      for (const p of q.pairs) n += vectorCost(c, p.positive, using, lookup) + vectorCost(c, p.negative, using, lookup);
      return n;
    }
    case 'feedback': {
      let n = vectorCost(c, q.target, using, lookup);
      for (const f of q.feedback) n += vectorCost(c, f.example, using, lookup);
      return n;
    }
    default:
      return undefined;
  }
}

/** The leaves of a stage's prefetch tree, each a search or a scroll with its ancestors' filter conditions added. */
function stageCost(c: Collection, stage: StageSpec, inherited: number): number {
  const conditions = inherited + filterCost(stage.filter);
  if (stage.prefetch.length > 0) {
    let n = 0;
    for (const p of stage.prefetch) n += stageCost(c, p, conditions);
    return n;
  }
  return (searchCost(c, stage) ?? BASE_COST) + conditions;
}

/** A Query API request (and the legacy search / recommend / discover requests it stands for). */
export function queryCost(c: Collection, req: QueryRequest): number {
  return stageCost(c, req, 0);
}

/**
 * Charges `cost` to the collection's read rate when strict mode sets one. Callers compute the cost only when
 * `readRateLimit` (rate-gate.ts) is set, so a collection without one pays nothing.
 * @throws RateLimitedError (429) when the bucket has not enough tokens.
 */
export function chargeRead(c: Collection, perMinute: number, cost: number): void {
  c.rateGate?.take(c.uuid, 'read', perMinute, cost);
}
