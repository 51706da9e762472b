/**
 * The custom scoring functions of Qdrant's vector queries, given the raw similarity `sim` of a
 * candidate to each example (see similarity.ts). Each matches lib/segment/src/vector_storage/query:
 *
 * - recommend best_score (reco_query.rs): with p = max sim to positives and n = max sim to negatives
 *   (−∞ when empty), score = sigmoid(p) when p > n, else −sigmoid(n), where
 *   sigmoid(x) = 0.5 · (x / (1 + |x|) + 1) (`scaled_fast_sigmoid`);
 * - recommend sum_scores: Σ sim(positive) − Σ sim(negative);
 * - discover (discover_query.rs): Σ over pairs of sign(sim(positive) − sim(negative)) (+1, 0 or −1,
 *   `total_cmp`) + sigmoid(sim(target));
 * - context (context_query.rs): Σ over pairs of fast_sigmoid(min(sim(positive) − sim(negative) − ε, 0)),
 *   ε = f32::EPSILON, fast_sigmoid(x) = x / (1 + |x|);
 * - relevance feedback, naive strategy (feedback_query.rs): a · sim(target) + Σ over at most 3 pairs
 *   (best-scored feedback item with worst, second best with second worst, …) of
 *   (score_best − score_worst)^b · c · (sim(best) − sim(worst)).
 */
import type { QueryVector } from '../vectors.js';

/** f32::EPSILON */
export const F32_EPSILON = 2 ** -23;

/** x / (1 + |x|), in (−1, 1) (Qdrant `fast_sigmoid`). */
export function fastSigmoid(x: number): number {
  return x / (1 + Math.abs(x));
}

/** fast_sigmoid scaled into (0, 1) (Qdrant `scaled_fast_sigmoid`). */
export function scaledFastSigmoid(x: number): number {
  return 0.5 * (fastSigmoid(x) + 1);
}

/** The raw similarity of the candidate being scored to one example. */
export type Similarity = (example: QueryVector) => number;

export interface Pair {
  readonly positive: QueryVector;
  readonly negative: QueryVector;
}

/** Recommend best_score of one candidate (reco_query.rs `RecoBestScoreQuery::score_by`). */
export function bestScore(positives: readonly QueryVector[], negatives: readonly QueryVector[], sim: Similarity): number {
  let maxPositive = -Infinity;
  for (const v of positives) maxPositive = Math.max(maxPositive, sim(v));
  let maxNegative = -Infinity;
  for (const v of negatives) maxNegative = Math.max(maxNegative, sim(v));
  return maxPositive > maxNegative ? scaledFastSigmoid(maxPositive) : -scaledFastSigmoid(maxNegative);
}

/** Recommend sum_scores of one candidate (reco_query.rs `RecoSumScoresQuery::score_by`). */
export function sumScores(positives: readonly QueryVector[], negatives: readonly QueryVector[], sim: Similarity): number {
  let positive = 0;
  for (const v of positives) positive += sim(v);
  let negative = 0;
  for (const v of negatives) negative += sim(v);
  return positive - negative;
}

/** Discover score of one candidate (discover_query.rs `DiscoverQuery::score_by`). */
export function discoverScore(target: QueryVector, pairs: readonly Pair[], sim: Similarity): number {
  let rank = 0;
  for (const pair of pairs) rank += Math.sign(sim(pair.positive) - sim(pair.negative));
  return rank + scaledFastSigmoid(sim(target));
}

/** Context loss of one candidate (context_query.rs `ContextQuery::score_by`). */
export function contextScore(pairs: readonly Pair[], sim: Similarity): number {
  let loss = 0;
  for (const pair of pairs) loss += fastSigmoid(Math.min(sim(pair.positive) - sim(pair.negative) - F32_EPSILON, 0));
  return loss;
}

export interface FeedbackPair extends Pair {
  /** confidence^b · c */
  readonly partial: number;
}

/** Qdrant `SimpleFeedbackStrategy::extract_feedback_pairs` (at most 3 pairs). */
export function feedbackPairs(items: ReadonlyArray<{ vector: QueryVector; score: number }>, b: number, c: number): FeedbackPair[] {
  const sorted = items.map((item, i) => ({ item, i })).sort((x, y) => y.item.score - x.item.score || x.i - y.i).map((x) => x.item);
  const out: FeedbackPair[] = [];
  if (sorted.length < 2) return out;
  const maxPairs = Math.min(3, Math.floor(sorted.length / 2));
  for (let front = 0, back = sorted.length - 1; front < back && out.length < maxPairs; front++, back--) {
    const confidence = sorted[front]!.score - sorted[back]!.score;
    out.push({ positive: sorted[front]!.vector, negative: sorted[back]!.vector, partial: Math.fround(confidence ** b) * c });
  }
  return out;
}

/** Naive relevance-feedback score of one candidate (feedback_query.rs `FeedbackQuery::score_by`). */
export function feedbackScore(target: QueryVector, a: number, pairs: readonly FeedbackPair[], sim: Similarity): number {
  let score = a * sim(target);
  for (const pair of pairs) score += pair.partial * (sim(pair.positive) - sim(pair.negative));
  return score;
}
