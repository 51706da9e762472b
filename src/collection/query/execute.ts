/**
 * The prefetch executor: runs a `RootSpec` tree the way Qdrant plans and resolves it
 * (lib/shard/src/query/planned_query.rs, lib/collection/src/shards/local_shard/query.rs):
 *
 * - the root filter, plus a `must_not has_id` of every point id the request references in this
 *   collection, is merged into every prefetch at any depth (`recurse_prefetches`);
 * - a stage without prefetches is a leaf: a scroll in id order (no query), an ordered scroll
 *   (`order_by`), a random sample, or a vector search; fusion and formulas need prefetches;
 * - a stage with prefetches rescores the union of its prefetches' points with its query: a vector
 *   query searches only those points, fusion combines the ranked lists, a formula evaluates per point
 *   with `$score[i]` from prefetch i, `order_by` / `sample` order or sample them;
 * - the root asks for `limit + offset` points and drops the first `offset` (a random sample without
 *   prefetches ignores the offset, as Qdrant does).
 */
import { AppError } from '../../errors.js';
import type { Filter } from '../../index/filter/types.js';
import { andFilters, excludeIds } from './filters.js';
import { evaluateFormula } from './formula-eval.js';
import { dbsf, rrf } from './fusion.js';
import { orderCandidates } from './order-by.js';
import { referencedIds } from './resolve.js';
import { sampleCandidates } from './sample.js';
import type { ExecContext, QuerySpec, RootSpec, ScoredEntry, ScoreOrder, StageSpec, VectorQuerySpec } from './types.js';
import { prepareVectorQuery, rescoreVector, searchLeaf, vectorOrder } from './vector-stage.js';

export interface ExecResult {
  /** Best first. */
  readonly entries: ScoredEntry[];
  /** Which end of `score` is best (for grouping). */
  readonly order: ScoreOrder;
}

function isVectorQuery(q: QuerySpec): q is VectorQuerySpec {
  return q.kind === 'nearest' || q.kind === 'recommend' || q.kind === 'discover' || q.kind === 'context' || q.kind === 'feedback';
}

/** The first `limit` points matching `filter` in id order (Qdrant `ScrollOrder::ById`). */
function scrollById(ctx: ExecContext, filter: Filter | undefined, limit: number): ScoredEntry[] {
  const out: ScoredEntry[] = [];
  const scope = { filter, shardKeys: ctx.shardKeys };
  for (const id of ctx.c.idsInOrder()) {
    if (out.length >= limit) break;
    const offset = ctx.c.segment.offsetOf(id);
    if (offset === undefined || !ctx.c.segment.inScope(offset, scope)) continue;
    out.push({ offset, score: 1, fromScroll: true });
  }
  return out;
}

function leaf(ctx: ExecContext, stage: StageSpec, filter: Filter | undefined, limit: number): ExecResult {
  const q = stage.query;
  if (q === undefined) return { entries: scrollById(ctx, filter, limit), order: 'larger' };
  if (isVectorQuery(q)) {
    const prepared = prepareVectorQuery(ctx, stage, q);
    return { entries: searchLeaf(ctx, stage, prepared, filter, limit), order: vectorOrder(prepared) };
  }
  switch (q.kind) {
    case 'order_by':
      return { entries: orderCandidates(ctx.c, q.orderBy, ctx.c.segment.scan({ filter, shardKeys: ctx.shardKeys }), limit), order: 'larger' };
    case 'sample':
      return { entries: sampleCandidates([...ctx.c.segment.scan({ filter, shardKeys: ctx.shardKeys })], limit), order: 'larger' };
    case 'rrf':
    case 'dbsf':
      throw new AppError('BAD_REQUEST', ['cannot apply Fusion without prefetches']);
    case 'formula':
      throw new AppError('BAD_REQUEST', ['cannot apply Formula without prefetches']);
  }
}

/** Keeps the fused points not below `threshold` (Qdrant `take_while(score >= threshold)`), then `limit`. */
function cutFused(fused: ScoredEntry[], threshold: number | undefined, limit: number): ScoredEntry[] {
  const end = threshold === undefined ? fused.length : fused.findIndex((e) => e.score < threshold);
  return fused.slice(0, end === -1 ? fused.length : end).slice(0, limit);
}

function rescore(ctx: ExecContext, stage: StageSpec, sources: ScoredEntry[][], limit: number, nested: boolean): ExecResult {
  const q = stage.query;
  if (q === undefined) throw new AppError('BAD_REQUEST', ["A query is needed to merge the prefetches. Can't have prefetches without defining a query."]);
  const seen = new Set<number>();
  const candidates: number[] = [];
  for (const list of sources) {
    for (const e of list) {
      if (seen.has(e.offset)) continue;
      seen.add(e.offset);
      candidates.push(e.offset);
    }
  }
  if (isVectorQuery(q)) {
    const prepared = prepareVectorQuery(ctx, stage, q);
    return { entries: rescoreVector(ctx, stage, prepared, candidates, limit, nested), order: vectorOrder(prepared) };
  }
  switch (q.kind) {
    case 'order_by':
      return { entries: orderCandidates(ctx.c, q.orderBy, candidates, limit), order: 'larger' };
    case 'sample':
      return { entries: sampleCandidates(candidates, limit), order: 'larger' };
    case 'rrf':
      return { entries: cutFused(rrf(sources, q.k, q.weights), stage.threshold, limit), order: 'larger' };
    case 'dbsf':
      return { entries: cutFused(dbsf(sources), stage.threshold, limit), order: 'larger' };
    case 'formula': {
      const scores = sources.map((list) => new Map(list.map((e) => [e.offset, e.score] as const)));
      const out: ScoredEntry[] = [];
      for (const offset of candidates) {
        const score = evaluateFormula(ctx.c, q.formula, scores, offset);
        if (stage.threshold === undefined || score >= stage.threshold) out.push({ offset, score });
      }
      out.sort((a, b) => b.score - a.score || a.offset - b.offset);
      return { entries: out.slice(0, limit), order: 'larger' };
    }
  }
}

/** Runs `stage` with its effective (propagated) filter, keeping `limit` points. */
function runStage(ctx: ExecContext, stage: StageSpec, filter: Filter | undefined, limit: number, nested: boolean): ExecResult {
  if (stage.prefetch.length === 0) return leaf(ctx, stage, filter, limit);
  const sources = stage.prefetch.map((p) => runStage(ctx, p, andFilters(filter, p.filter), p.limit, true).entries);
  return rescore(ctx, stage, sources, limit, nested);
}

/**
 * Executes a query request against `ctx.c`, best first, after `offset`.
 * @throws AppError for bad input, unknown vectors, missing referenced points or collections.
 */
export function executeQuery(ctx: ExecContext, root: RootSpec): ExecResult {
  const filter = excludeIds(root.filter, referencedIds(ctx, root));
  const offset = root.prefetch.length === 0 && root.query?.kind === 'sample' ? 0 : root.offset;
  const result = runStage(ctx, root, filter, root.limit + offset, false);
  return { entries: result.entries.slice(offset), order: result.order };
}

/**
 * `executeQuery` with a plain nearest-vector search (no prefetch, no MMR) run through `nearestAsync`, so its
 * vector work can go to a search worker; every other request runs as `executeQuery`.
 */
export async function executeQueryAsync(ctx: ExecContext, root: RootSpec): Promise<ExecResult> {
  const q = root.query;
  if (root.prefetch.length > 0 || q === undefined || q.kind !== 'nearest') return executeQuery(ctx, root);
  const prepared = prepareVectorQuery(ctx, root, q);
  if (prepared.kind !== 'nearest' || prepared.mmr !== undefined || prepared.q.kind !== 'dense') return executeQuery(ctx, root);
  const filter = excludeIds(root.filter, referencedIds(ctx, root));
  const limit = Math.min(root.limit + root.offset, ctx.c.pointsCount);
  const p = root.params;
  const hits = await ctx.c.segment.nearestAsync(root.using, prepared.q, limit, { filter, shardKeys: ctx.shardKeys, ef: p.hnswEf, exact: p.exact, indexedOnly: p.indexedOnly, threshold: root.threshold });
  return { entries: hits.slice(root.offset), order: vectorOrder(prepared) };
}
