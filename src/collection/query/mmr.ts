/**
 * Maximal Marginal Relevance re-ranking of `nearest` results (`{"nearest": v, "mmr": {...}}`), as
 * Qdrant's lib/collection/src/collection/mmr.rs:
 *
 * relevance(i) = raw similarity of candidate i to the query; the first pick is the most relevant;
 * each next pick maximises λ · relevance(i) − (1 − λ) · max_{j picked} sim(i, j) among candidates whose
 * relevance is not below `score_threshold`; λ = 1 − diversity (default 0.5). The reported score is
 * the raw relevance (not post-processed), in pick order. Candidates without the vector are dropped.
 */
import type { Collection } from '../collection.js';
import type { QueryVector } from '../vectors.js';
import { rawScorer, storedQuery, type VectorSpace } from './similarity.js';
import type { ScoredEntry } from './types.js';

/** Re-ranks `candidates` (offsets, in order, duplicates ignored) and keeps `limit` of them. */
export function maximalMarginalRelevance(
  c: Collection,
  space: VectorSpace,
  q: QueryVector,
  candidates: readonly number[],
  limit: number,
  lambda: number,
  threshold: number | undefined,
): ScoredEntry[] {
  const raw = rawScorer(c, space);
  const offsets: number[] = [];
  const vectors: QueryVector[] = [];
  const relevance: number[] = [];
  const seen = new Set<number>();
  for (const offset of candidates) {
    if (seen.has(offset)) continue;
    seen.add(offset);
    const v = storedQuery(c, space, offset);
    const r = raw(q, offset);
    if (v === undefined || r === undefined) continue;
    offsets.push(offset);
    vectors.push(v);
    relevance.push(r);
  }
  const n = offsets.length;
  if (n === 0 || limit <= 0) return [];
  if (n < 2) return [{ offset: offsets[0]!, score: relevance[0]! }];

  // Max similarity of each candidate to the picked ones, updated after each pick: O(n · limit) scores.
  const maxSim = new Float64Array(n).fill(-Infinity);
  const remaining = new Set<number>(offsets.keys());
  const selected: number[] = [];
  const pick = (i: number): void => {
    selected.push(i);
    remaining.delete(i);
    for (const j of remaining) maxSim[j] = Math.max(maxSim[j]!, raw(vectors[i]!, offsets[j]!) ?? 0);
  };
  let first = 0;
  for (let i = 1; i < n; i++) if (relevance[i]! > relevance[first]!) first = i;
  pick(first);
  while (selected.length < limit && remaining.size > 0) {
    let best = -1;
    let bestScore = -Infinity;
    for (const i of remaining) {
      if (threshold !== undefined && relevance[i]! < threshold) continue;
      const score = lambda * relevance[i]! - (1 - lambda) * maxSim[i]!;
      if (best === -1 || score > bestScore) {
        best = i;
        bestScore = score;
      }
    }
    if (best === -1) break;
    pick(best);
  }
  return selected.map((i) => ({ offset: offsets[i]!, score: relevance[i]! }));
}
