/**
 * Vector queries (nearest, recommend, discover, context, relevance feedback) as a stage: either a
 * leaf that searches the collection, or a rescoring of prefetched candidates.
 *
 * `nearest` and recommend `average_vector` become one query vector searched through `Segment.nearest()`
 * (the HNSW index and filter planner) and scored as Qdrant reports nearest results (post-processed:
 * Euclid / Manhattan are distances, smaller is better). The other variants are custom scorers
 * evaluated exactly over the candidates with Qdrant's raw similarity, larger is better; Qdrant does
 * not post-process them either (local_shard/search.rs).
 */
import { AppError } from '../../errors.js';
import type { Filter } from '../../index/filter/types.js';
import type { QueryVector } from '../vectors.js';
import { averageVector } from './average.js';
import { bestScore, contextScore, discoverScore, feedbackPairs, feedbackScore, sumScores, type Pair, type Similarity } from './custom-scores.js';
import { applyIdf } from './idf.js';
import { maximalMarginalRelevance } from './mmr.js';
import { inputResolver } from './resolve.js';
import { hasVector, nearestLargerIsBetter, postprocess, prepareForSpace, rawScorer, type VectorSpace } from './similarity.js';
import type { ContextPairInput, ExecContext, MmrSpec, ScoredEntry, ScoreOrder, StageSpec, VectorInput, VectorQuerySpec } from './types.js';

/** A vector query ready to run: a nearest vector, or a custom scorer. */
export type PreparedVectorQuery =
  | { readonly kind: 'nearest'; readonly space: VectorSpace; readonly q: QueryVector; readonly mmr: MmrSpec | undefined }
  | { readonly kind: 'custom'; readonly space: VectorSpace; readonly score: (offset: number) => number | undefined };

/** Which end of a prepared query's scores is best. */
export function vectorOrder(p: PreparedVectorQuery): ScoreOrder {
  if (p.kind === 'nearest' && p.mmr === undefined) return nearestLargerIsBetter(p.space) ? 'larger' : 'smaller';
  return 'larger';
}

/** Sparse query vectors get the collection's IDF weights (when the modifier is set). */
function weigh(ctx: ExecContext, space: VectorSpace, q: QueryVector, stage: StageSpec): QueryVector {
  return q.kind === 'sparse' ? applyIdf(ctx.c, space, q, stage.params.idfCorpus) : q;
}

/** Resolves the inputs of `spec` for `stage` and builds its scorer. */
export function prepareVectorQuery(ctx: ExecContext, stage: StageSpec, spec: VectorQuerySpec): PreparedVectorQuery {
  const resolver = inputResolver(ctx, stage.using, stage.lookupFrom);
  const space = resolver.space;
  const resolve = (input: VectorInput): QueryVector => resolver.resolve(input);
  const example = (input: VectorInput): QueryVector => weigh(ctx, space, resolve(input), stage);
  const custom = (f: (sim: Similarity) => number): PreparedVectorQuery => {
    const raw = rawScorer(ctx.c, space);
    const present = hasVector(ctx.c, space);
    return { kind: 'custom', space, score: (offset) => (present(offset) ? f((ex) => raw(ex, offset) ?? 0) : undefined) };
  };
  const pairs = (list: readonly ContextPairInput[]): Pair[] => list.map((p) => ({ positive: example(p.positive), negative: example(p.negative) }));
  switch (spec.kind) {
    case 'nearest':
      return { kind: 'nearest', space, q: weigh(ctx, space, resolve(spec.input), stage), mmr: spec.mmr };
    case 'recommend': {
      if (spec.positive.length === 0 && spec.negative.length === 0) {
        throw new AppError('VALIDATION', ['recommend: At least one positive or negative vector ID required with this strategy']);
      }
      if (spec.strategy === 'average_vector') {
        const avg = averageVector(spec.positive.map(resolve), spec.negative.map(resolve));
        return { kind: 'nearest', space, q: weigh(ctx, space, prepareForSpace(space, avg, 'recommend'), stage), mmr: undefined };
      }
      const positives = spec.positive.map(example);
      const negatives = spec.negative.map(example);
      return spec.strategy === 'best_score' ? custom((sim) => bestScore(positives, negatives, sim)) : custom((sim) => sumScores(positives, negatives, sim));
    }
    case 'discover': {
      const target = example(spec.target);
      const ps = pairs(spec.pairs);
      return custom((sim) => discoverScore(target, ps, sim));
    }
    case 'context': {
      const ps = pairs(spec.pairs);
      return custom((sim) => contextScore(ps, sim));
    }
    case 'feedback': {
      const target = example(spec.target);
      const fp = feedbackPairs(spec.feedback.map((f) => ({ vector: example(f.example), score: f.score })), spec.b, spec.c);
      return custom((sim) => feedbackScore(target, spec.a, fp, sim));
    }
  }
}

function passes(order: ScoreOrder, score: number, threshold: number | undefined): boolean {
  return threshold === undefined || (order === 'larger' ? score >= threshold : score <= threshold);
}

function sortAndCut(entries: ScoredEntry[], order: ScoreOrder, limit: number): ScoredEntry[] {
  entries.sort((a, b) => (order === 'larger' ? b.score - a.score : a.score - b.score) || a.offset - b.offset);
  return entries.slice(0, limit);
}

/** A leaf vector stage: the best `limit` points of the collection matching `filter`. */
export function searchLeaf(ctx: ExecContext, stage: StageSpec, p: PreparedVectorQuery, filter: Filter | undefined, wanted: number): ScoredEntry[] {
  // No stage can return more points than the collection holds; huge limits must not size buffers.
  const limit = Math.min(wanted, ctx.c.pointsCount);
  if (p.kind === 'nearest') {
    const opts = { filter, shardKeys: ctx.shardKeys, ef: stage.params.hnswEf, exact: stage.params.exact, indexedOnly: stage.params.indexedOnly };
    if (p.mmr === undefined) return ctx.c.segment.nearest(stage.using, p.q, limit, { ...opts, threshold: stage.threshold });
    const pool = Math.min(p.mmr.candidatesLimit ?? limit, ctx.c.pointsCount);
    const candidates = ctx.c.segment.nearest(stage.using, p.q, pool, { ...opts, threshold: stage.threshold });
    return maximalMarginalRelevance(ctx.c, p.space, p.q, candidates.map((h) => h.offset), limit, p.mmr.lambda, stage.threshold);
  }
  const out: ScoredEntry[] = [];
  for (const offset of ctx.c.segment.scan({ filter, shardKeys: ctx.shardKeys })) {
    const score = p.score(offset);
    if (score !== undefined && passes('larger', score, stage.threshold)) out.push({ offset, score });
  }
  return sortAndCut(out, 'larger', limit);
}

/**
 * Rescoring of prefetched candidates by a vector query (Qdrant: a search restricted to the
 * candidates' ids). With MMR at the top level the candidates are first cut to the
 * `candidates_limit` nearest (planned_query.rs); in a nested prefetch MMR sees every candidate.
 */
export function rescoreVector(ctx: ExecContext, stage: StageSpec, p: PreparedVectorQuery, candidates: readonly number[], limit: number, nested: boolean): ScoredEntry[] {
  if (p.kind === 'custom') {
    const out: ScoredEntry[] = [];
    for (const offset of candidates) {
      const score = p.score(offset);
      if (score !== undefined && passes('larger', score, stage.threshold)) out.push({ offset, score });
    }
    return sortAndCut(out, 'larger', limit);
  }
  const raw = rawScorer(ctx.c, p.space);
  const order: ScoreOrder = nearestLargerIsBetter(p.space) ? 'larger' : 'smaller';
  const scoreAll = (cut: number): ScoredEntry[] => {
    const out: ScoredEntry[] = [];
    for (const offset of candidates) {
      const r = raw(p.q, offset);
      if (r === undefined) continue;
      const score = postprocess(p.space, r);
      if (passes(order, score, stage.threshold)) out.push({ offset, score });
    }
    return sortAndCut(out, order, cut);
  };
  if (p.mmr === undefined) return scoreAll(limit);
  const pool = nested ? candidates : scoreAll(p.mmr.candidatesLimit ?? limit).map((e) => e.offset);
  return maximalMarginalRelevance(ctx.c, p.space, p.q, pool, limit, p.mmr.lambda, stage.threshold);
}
