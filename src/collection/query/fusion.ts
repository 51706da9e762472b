/**
 * Fusion of several ranked lists, exactly as Qdrant:
 *
 * - RRF (lib/segment/src/common/reciprocal_rank_fusion.rs): a point at 0-based position p of a list
 *   with weight w gets 1 / ((p + 1) / w + k − 1), i.e. 1 / (p + k) unweighted; contributions are
 *   summed over lists, k defaults to 2 (`DEFAULT_RRF_K`), weight ≤ 0 contributes 0, and the number of
 *   weights must equal the number of prefetches.
 * - DBSF (lib/segment/src/common/score_fusion.rs): each list is normalised with min = mean − 3σ and
 *   max = mean + 3σ (σ from the sample variance, Welford), score ← (s − min) / (max − min) (0.5 when
 *   min = max or the list has one point), then scores are summed per point. Like Qdrant, the
 *   normalisation takes the scores as reported, so distance scores (Euclid, Manhattan) are not flipped.
 *
 * Both sort descending; ties keep the order in which points were first seen.
 */
import { AppError } from '../../errors.js';
import type { ScoredEntry } from './types.js';

/** Default RRF k (Qdrant `DEFAULT_RRF_K`). */
export const DEFAULT_RRF_K = 2;

function sortDescending(byOffset: Map<number, ScoredEntry>): ScoredEntry[] {
  return [...byOffset.values()].map((e, i) => ({ e, i })).sort((a, b) => b.e.score - a.e.score || a.i - b.i).map((x) => x.e);
}

/** RRF score of 0-based position `position` (Qdrant `position_score`). */
export function rrfPositionScore(position: number, k: number, weight: number): number {
  if (weight <= 0) return 0;
  return 1 / ((position + 1) / weight + k - 1);
}

/** Reciprocal rank fusion of `sources`, best first. @throws AppError(VALIDATION) on a weight count mismatch. */
export function rrf(sources: readonly (readonly ScoredEntry[])[], k: number, weights: readonly number[] | undefined): ScoredEntry[] {
  if (weights !== undefined && weights.length !== sources.length) {
    throw new AppError('VALIDATION', [`Number of weights in RRF should match number of pre-fetches: got ${weights.length}, expected ${sources.length}`]);
  }
  const byOffset = new Map<number, ScoredEntry>();
  sources.forEach((list, s) => {
    const weight = weights?.[s] ?? 1;
    list.forEach((entry, position) => {
      const score = rrfPositionScore(position, k, weight);
      const seen = byOffset.get(entry.offset);
      byOffset.set(entry.offset, seen === undefined ? { ...entry, score } : { ...seen, score: seen.score + score });
    });
  });
  return sortDescending(byOffset);
}

/** Mean and sample variance by Welford's method (Qdrant `welfords_mean_variance`). */
function meanVariance(scores: readonly number[]): { mean: number; variance: number } {
  let mean = 0;
  let aggregate = 0;
  scores.forEach((s, i) => {
    const oldDelta = s - mean;
    mean += oldDelta / (i + 1);
    aggregate += oldDelta * (s - mean);
  });
  return { mean, variance: aggregate / (scores.length - 1) };
}

/** Qdrant `distr_norm`: scores of one list normalised by mean ± 3σ. */
export function distributionNormalize(list: readonly ScoredEntry[]): ScoredEntry[] {
  if (list.length < 2) return list.map((e) => ({ ...e, score: 0.5 }));
  const { mean, variance } = meanVariance(list.map((e) => e.score));
  const std = Math.sqrt(variance);
  const min = mean - 3 * std;
  const max = mean + 3 * std;
  if (min === max) return list.map((e) => ({ ...e, score: 0.5 }));
  return list.map((e) => ({ ...e, score: (e.score - min) / (max - min) }));
}

/** Distribution-based score fusion of `sources`, best first. */
export function dbsf(sources: readonly (readonly ScoredEntry[])[]): ScoredEntry[] {
  const byOffset = new Map<number, ScoredEntry>();
  for (const list of sources) {
    for (const entry of distributionNormalize(list)) {
      const seen = byOffset.get(entry.offset);
      byOffset.set(entry.offset, seen === undefined ? entry : { ...seen, score: seen.score + entry.score });
    }
  }
  return sortDescending(byOffset);
}
