/**
 * The distance matrix API (`…/points/search/matrix/pairs` and `…/offsets`), as Qdrant's
 * lib/collection/src/collection/distance_matrix.rs: sample `sample` points (default 10) that match
 * the filter and hold vector `using`; with fewer than 2 the answer is empty; sort the sample by id;
 * for each sampled point, its `limit` (default 3) nearest among the other sampled points, scored as
 * a nearest search reports them.
 *
 * The sample is pseudo-random but seeded from the request and the collection state, so the same
 * request on the same data returns the same matrix.
 */
import { comparePointIds, type PointId } from '../../storage/point-id.js';
import { applyIdf } from './idf.js';
import { hashSeed, sampleOf, seededRandom } from './sample.js';
import { hasVector, nearestLargerIsBetter, postprocess, rawScorer, spaceOf, storedQuery } from './similarity.js';
import type { ExecContext, MatrixRequest } from './types.js';
import { chargeRead, filterCost } from '../read-cost.js';
import { readRateLimit } from '../rate-gate.js';

/** Up to this many sampled points, the matrix is scored pair by pair; above, through `nearest()`. */
const DIRECT_SCORING_MAX = 256;

export interface Matrix {
  /** Sampled point ids, sorted. */
  readonly ids: PointId[];
  /** Per sampled point (same order as `ids`): its nearest others as indexes into `ids`, best first. */
  readonly rows: Array<Array<{ col: number; score: number }>>;
}

/** Computes the matrix. `spec.seed` identifies the request (same seed, same data → same sample). */
export function searchMatrix(ctx: ExecContext, spec: MatrixRequest): Matrix {
  const c = ctx.c;
  const space = spaceOf(c, spec.using);
  const present = hasVector(c, space);
  const candidates = [...c.segment.scan({ filter: spec.filter, shardKeys: ctx.shardKeys })].filter(present);
  const random = seededRandom(hashSeed(`${c.uuid}:${c.lastOperationId}:${spec.seed}`));
  const sampled = sampleOf(candidates, spec.sample, random)
    .map((offset) => ({ offset, id: c.segment.idAt(offset)! }))
    .sort((a, b) => comparePointIds(a.id, b.id));
  if (sampled.length < 2) return { ids: [], rows: [] };
  const rate = readRateLimit(c.config);
  // Qdrant then runs one search per sampled point: its vector, the request's filter and a has_id of the sample.
  if (rate !== undefined) chargeRead(c, rate, sampled.length * (1 + filterCost(spec.filter) + 1));
  const raw = rawScorer(c, space);
  const larger = nearestLargerIsBetter(space);
  const column = new Map(sampled.map((s, j) => [s.offset, j] as const));
  const sampleOffsets = new Set(column.keys());
  const rows = sampled.map((s, i) => {
    const stored = storedQuery(c, space, s.offset)!;
    const q = stored.kind === 'sparse' ? applyIdf(c, space, stored) : stored;
    if (sampled.length > DIRECT_SCORING_MAX) {
      // Large samples: a nearest search restricted to the sample, as Qdrant runs one per sampled point.
      const hits = c.segment.nearest(spec.using, q, Math.min(spec.limit + 1, sampled.length), { among: sampleOffsets, except: s.offset });
      return hits.slice(0, spec.limit).map((h) => ({ col: column.get(h.offset)!, score: h.score }));
    }
    const scored: Array<{ col: number; score: number }> = [];
    sampled.forEach((other, j) => {
      if (j === i) return;
      const r = raw(q, other.offset);
      if (r !== undefined) scored.push({ col: j, score: postprocess(space, r) });
    });
    scored.sort((a, b) => (larger ? b.score - a.score : a.score - b.score) || a.col - b.col);
    return scored.slice(0, spec.limit);
  });
  return { ids: sampled.map((s) => s.id), rows };
}
