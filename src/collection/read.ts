/**
 * Reads over one collection: retrieve, scroll, count and the exact nearest-neighbour query.
 * Results are typed values (`PointRecord`, `ScoredPoint`); transports present them.
 */
import { AppError, badInput } from '../errors.js';
import type { PointId } from '../storage/point-id.js';
import { compareScores, higherIsBetter, postprocessScore, rawMaxSim, sparseDot, sparseOverlaps, type Distance } from '../index/distance.js';
import type { Filter } from '../index/filter/types.js';
import { filterPayload } from './payload-selector.js';
import { orderCandidates } from './query/order-by.js';
import type { OrderBySpec } from './query/types.js';
import type { Collection } from './collection.js';
import { isCustomSharding } from './config.js';
import type { Payload, PayloadSelector, PointRecord, PointView, ReadOptions, ScoredPoint, ShardKey, VectorSelector } from './types.js';
import { DEFAULT_VECTOR, type NamedVectors, type VectorValue } from './vectors.js';




export function selectPayload(payload: Payload | null, sel: PayloadSelector): Payload | null {
  switch (sel.kind) {
    case 'none':
      return null;
    case 'all':
      return payload ?? {};
    case 'include':
    case 'exclude':
      return filterPayload(payload ?? {}, sel.paths, sel.kind);
  }
}

/** The point's vectors cut to `sel` (null for none); names the point lacks are left out. */
export function selectVectors(p: PointView, sel: VectorSelector): NamedVectors | null {
  switch (sel.kind) {
    case 'none':
      return null;
    case 'all':
      return p.vectors;
    case 'names': {
      const out: NamedVectors = new Map();
      for (const n of sel.names) {
        const v = p.vectors.get(n);
        if (v !== undefined) out.set(n, v);
      }
      return out;
    }
  }
}


/** Custom-sharded collections report each point's shard key. */
function showsShardKey(c: Collection): boolean {
  return isCustomSharding(c.config);
}

export function toRecord(c: Collection, p: PointView, o: ReadOptions, orderValue?: number): PointRecord {
  const rec: { -readonly [K in keyof PointRecord]: PointRecord[K] } = { id: p.id, payload: selectPayload(p.payload, o.withPayload), vectors: selectVectors(p, o.withVector) };
  if (showsShardKey(c) && p.shardKey !== undefined) rec.shardKey = p.shardKey;
  if (orderValue !== undefined) rec.orderValue = orderValue;
  return rec;
}

export function toScoredPoint(c: Collection, p: PointView, score: number, o: ReadOptions, version = p.version): { -readonly [K in keyof ScoredPoint]: ScoredPoint[K] } {
  const sp: { -readonly [K in keyof ScoredPoint]: ScoredPoint[K] } = {
    id: p.id,
    version,
    score,
    payload: selectPayload(p.payload, o.withPayload),
    vectors: selectVectors(p, o.withVector),
  };
  if (showsShardKey(c) && p.shardKey !== undefined) sp.shardKey = p.shardKey;
  return sp;
}

/** A selection that names a vector the collection does not have is an error, as in Qdrant. @throws AppError(VECTOR_NAME_NOT_FOUND) */
export function checkVectorSelector(c: Collection, sel: VectorSelector): void {
  if (sel.kind !== 'names') return;
  for (const name of sel.names) {
    if (!c.schema.dense.has(name) && !c.schema.sparse.has(name)) throw new AppError('VECTOR_NAME_NOT_FOUND', [name]);
  }
}

export function retrieve(c: Collection, ids: readonly PointId[], o: ReadOptions, shardKeys?: readonly ShardKey[]): PointRecord[] {
  checkVectorSelector(c, o.withVector);
  const out: PointRecord[] = [];
  const seen = new Set<number>();
  for (const id of ids) {
    const offset = c.offsetOf(id);
    if (offset === undefined || seen.has(offset)) continue;
    seen.add(offset);
    const v = c.view(offset);
    if (v === undefined) continue;
    if (!c.inScope(offset, { shardKeys })) continue;
    out.push(toRecord(c, v, o));
  }
  return out;
}

export interface ScrollRequest {
  readonly filter: Filter | undefined;
  readonly limit: number;
  readonly offset: PointId | undefined;
  readonly orderBy: OrderBySpec | undefined;
  readonly shardKeys: readonly ShardKey[] | undefined;
}

export interface ScrollResult {
  readonly points: PointRecord[];
  /** The id to continue from, or null on the last page (and for ordered scrolls). */
  readonly nextPageOffset: PointId | null;
}

export function scroll(c: Collection, r: ScrollRequest, o: ReadOptions): ScrollResult {
  checkVectorSelector(c, o.withVector);
  if (r.orderBy !== undefined) return scrollOrdered(c, r, o);
  const points: PointRecord[] = [];
  for (const id of c.idsInOrder(r.offset)) {
    const offset = c.offsetOf(id);
    if (offset === undefined) continue;
    const v = c.view(offset);
    if (v === undefined) continue;
    if (!c.inScope(offset, r)) continue;
    if (points.length === r.limit) return { points, nextPageOffset: id };
    points.push(toRecord(c, v, o));
  }
  return { points, nextPageOffset: null };
}

/** Scroll with `order_by`, as Qdrant: a point once per distinct value in range, in value order; no next page offset. */
function scrollOrdered(c: Collection, r: ScrollRequest, o: ReadOptions): ScrollResult {
  const entries = orderCandidates(c, r.orderBy!, c.scan(r), r.limit, true);
  return { points: entries.map((e) => toRecord(c, c.view(e.offset)!, o, e.orderValue)), nextPageOffset: null };
}

export function count(c: Collection, filter: Filter | undefined, shardKeys?: readonly ShardKey[]): number {
  if (filter === undefined && shardKeys === undefined) return c.pointsCount;
  let n = 0;
  for (const _ of c.scan({ filter, shardKeys })) n++;
  return n;
}

// ---------------------------------------------------------------- exact nearest-neighbour query

export type QueryVector =
  | { kind: 'dense'; data: Float32Array }
  | { kind: 'sparse'; indices: Uint32Array; values: Float32Array }
  | { kind: 'multi'; rows: Float32Array[] };

/** MaxSim as Qdrant scores it: raw similarities summed over the query rows, then post-processed for display. */
export function maxSim(distance: Distance, q: readonly Float32Array[], d: readonly Float32Array[]): number {
  return postprocessScore(distance, rawMaxSim(distance, q, d));
}

export interface ScoredOffset {
  offset: number;
  score: number;
}

/** Exact top-k over every point with sparse or multivector `using` that passes `accept`. */
export function exactSearch(c: Collection, using: string, q: QueryVector, k: number, accept: (offset: number) => boolean, threshold?: number): ScoredOffset[] {
  const spec = c.schema.dense.get(using);
  const distance: Distance = spec?.distance ?? 'Dot';
  const better = spec === undefined ? true : higherIsBetter(distance);
  const scored: ScoredOffset[] = [];
  const passes = (s: number): boolean => threshold === undefined || (better ? s >= threshold : s <= threshold);
  // Dense vectors are always searched through their index (`nearest`), whose exact path is the shared
  // scan of index/flat/scan.ts; only sparse and multivectors are scored here.
  if (q.kind === 'dense') throw badInput(`Wrong input: Vector \`${using}\` is not a dense vector`);
  const vectors = c.otherVectors(using);
  if (vectors === undefined) throw badInput(`Wrong input: Vector \`${using}\` does not accept this query`);
  for (const [offset, v] of vectors) {
    if (!accept(offset)) continue;
    let s: number;
    if (q.kind === 'sparse' && v.kind === 'sparse') {
      // Qdrant's inverted index only finds points that share an index with the query.
      if (!sparseOverlaps(q, v)) continue;
      s = sparseDot(q, v);
    } else if (q.kind === 'multi' && v.kind === 'multi') s = maxSim(distance, q.rows, v.rows);
    else throw badInput(`Wrong input: query vector kind does not match vector \`${using || DEFAULT_VECTOR}\``);
    if (passes(s)) scored.push({ offset, score: s });
  }
  scored.sort((a, b) => (spec === undefined ? b.score - a.score : compareScores(distance, a.score, b.score)) || a.offset - b.offset);
  return scored.slice(0, k);
}

/** Converts a stored vector into a query vector (query by point id). */
export function queryFromStored(v: VectorValue): QueryVector {
  return v.kind === 'dense' ? { kind: 'dense', data: v.data } : v.kind === 'sparse' ? v : { kind: 'multi', rows: [...v.rows] };
}
