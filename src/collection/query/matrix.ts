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
import { rawDense, rawMaxSim, sparseDot } from '../../index/distance.js';
import type { Collection } from '../collection.js';
import { queryFromStored, type QueryVector, type VectorValue } from '../vectors.js';
import { applyIdf } from './idf.js';
import { hashSeed, sampleOf, seededRandom } from './sample.js';
import { hasVector, nearestLargerIsBetter, postprocess, rawScorer, spaceOf, storedQuery, type VectorSpace } from './similarity.js';
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
    return nearestInRow(i, sampled.length, (j) => raw(q, sampled[j]!.offset), space, larger, spec.limit);
  });
  return { ids: sampled.map((s) => s.id), rows };
}

/** Row `i` of a matrix of `n` points: the `limit` best of the others (`raw(j)`, undefined: no vector), best first. */
function nearestInRow(i: number, n: number, raw: (j: number) => number | undefined, space: VectorSpace, larger: boolean, limit: number): Array<{ col: number; score: number }> {
  const scored: Array<{ col: number; score: number }> = [];
  for (let j = 0; j < n; j++) {
    if (j === i) continue;
    const r = raw(j);
    if (r !== undefined) scored.push({ col: j, score: postprocess(space, r) });
  }
  scored.sort((a, b) => (larger ? b.score - a.score : a.score - b.score) || a.col - b.col);
  return scored.slice(0, limit);
}

// ------------------------------------------------------------------ distributed mode: a matrix over several parts

/** A sampled point with its vector `using` (a copy: it travels to another node). */
export interface SampledPoint {
  readonly id: PointId;
  readonly vector: VectorValue;
}

/** One part's sample of a distance matrix (distributed mode: the shards one node answers for). */
export interface MatrixSample {
  /** How many points of the part match the filter and hold vector `using`. */
  readonly count: number;
  /** Up to `sample` of them, in random order (a uniformly random prefix of a shuffle), with their vectors. */
  readonly points: SampledPoint[];
}

function copyVector(v: VectorValue): VectorValue {
  if (v.kind === 'dense') return { kind: 'dense', data: Float32Array.from(v.data) };
  if (v.kind === 'sparse') return { kind: 'sparse', indices: Uint32Array.from(v.indices), values: Float32Array.from(v.values) };
  return { kind: 'multi', rows: v.rows.map((r) => Float32Array.from(r)) };
}

/** This part's sample for a matrix the asking node computes (`combineSamples`, `matrixOfSample`). */
export function matrixSample(ctx: ExecContext, spec: MatrixRequest): MatrixSample {
  const c = ctx.c;
  const space = spaceOf(c, spec.using);
  const candidates = [...c.segment.scan({ filter: spec.filter, shardKeys: ctx.shardKeys })].filter(hasVector(c, space));
  const random = seededRandom(hashSeed(`${c.uuid}:${spec.seed}:${candidates.length}`));
  const points = sampleOf(candidates, spec.sample, random).flatMap((offset) => {
    const v = c.segment.view(offset)?.vectors.get(spec.using);
    return v === undefined ? [] : [{ id: c.segment.idAt(offset)!, vector: copyVector(v) }];
  });
  return { count: candidates.length, points };
}

/**
 * `sample` points drawn without replacement from the union of the parts: each draw picks a part with probability
 * proportional to its points not drawn yet and takes that part's next sampled point. As each part's list is a
 * uniformly random prefix of its points, the drawn set is a uniformly random subset of all the parts' points.
 */
export function combineSamples(parts: readonly MatrixSample[], sample: number, random: () => number): SampledPoint[] {
  const left = parts.map((p) => p.count);
  const next = parts.map(() => 0);
  const out: SampledPoint[] = [];
  for (let total = left.reduce((a, b) => a + b, 0); out.length < sample && total > 0; total--) {
    let r = Math.floor(random() * total);
    let i = 0;
    while (r >= left[i]!) r -= left[i++]!;
    const point = parts[i]!.points[next[i]!];
    // A part lists at most `sample` points: it cannot be drawn more often than that.
    if (point === undefined) break;
    out.push(point);
    next[i]! += 1;
    left[i]! -= 1;
  }
  return out;
}

function rawBetween(space: VectorSpace, q: QueryVector, v: VectorValue): number | undefined {
  if (q.kind === 'dense' && v.kind === 'dense') return rawDense(space.distance, q.data, 0, v.data, 0, space.dim);
  if (q.kind === 'sparse' && v.kind === 'sparse') return sparseDot(q, v);
  if (q.kind === 'multi' && v.kind === 'multi') return rawMaxSim(space.distance, q.rows, v.rows);
  return undefined;
}

/** The matrix of sampled points (from any node), scored pair by pair as `searchMatrix` scores a sample. */
export function matrixOfSample(c: Collection, spec: MatrixRequest, points: readonly SampledPoint[]): Matrix {
  if (points.length < 2) return { ids: [], rows: [] };
  const space = spaceOf(c, spec.using);
  const larger = nearestLargerIsBetter(space);
  const sorted = [...points].sort((a, b) => comparePointIds(a.id, b.id));
  const rows = sorted.map((p, i) => {
    const stored = queryFromStored(p.vector);
    const q = stored.kind === 'sparse' ? applyIdf(c, space, stored) : stored;
    return nearestInRow(i, sorted.length, (j) => rawBetween(space, q, sorted[j]!.vector), space, larger, spec.limit);
  });
  return { ids: sorted.map((p) => p.id), rows };
}
