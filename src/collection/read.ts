/**
 * Reads over one collection: retrieve, scroll, count (nearest neighbours: `Segment.nearest`).
 * Results are typed values (`PointRecord`, `ScoredPoint`); transports present them.
 */
import { AppError } from '../errors.js';
import type { PointId } from '../storage/point-id.js';
import type { Filter } from '../index/filter/types.js';
import { filterPayload } from './payload-selector.js';
import { orderCandidates } from './query/order-by.js';
import type { OrderBySpec } from './query/types.js';
import type { Collection } from './collection.js';
import { isCustomSharding } from './config.js';
import type { Payload, PayloadSelector, PointRecord, PointView, ReadOptions, ScoredPoint, ShardKey, VectorSelector } from './types.js';
import type { NamedVectors } from './vectors.js';
import { activeStrictMode, checkCountStrict, checkFacetStrict, checkScrollStrict } from './strict-mode.js';
import { chargeRead, scrollCost } from './read-cost.js';
import { readRateLimit } from './rate-gate.js';

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

export function toRecord(c: Collection, p: PointView, o: ReadOptions, orderValue?: number | bigint): PointRecord {
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

/** Points by id, in the order asked. Charged one read token per id (Qdrant's shard `retrieve`). */
export function retrieve(c: Collection, ids: readonly PointId[], o: ReadOptions, shardKeys?: readonly ShardKey[]): PointRecord[] {
  checkVectorSelector(c, o.withVector);
  const rate = readRateLimit(c.config);
  if (rate !== undefined) chargeRead(c, rate, ids.length);
  const out: PointRecord[] = [];
  const seen = new Set<number>();
  for (const id of ids) {
    const offset = c.segment.offsetOf(id);
    if (offset === undefined || seen.has(offset)) continue;
    seen.add(offset);
    const v = c.segment.view(offset);
    if (v === undefined) continue;
    if (!c.segment.inScope(offset, { shardKeys })) continue;
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

/** A page of points in id order (or `order_by` order). @throws AppError(BAD_REQUEST) when strict mode refuses the request. */
export function scroll(c: Collection, r: ScrollRequest, o: ReadOptions): ScrollResult {
  checkScrollStrict(activeStrictMode(c.config), r.limit, r.filter, c.fieldIndexes);
  checkVectorSelector(c, o.withVector);
  const rate = readRateLimit(c.config);
  if (rate !== undefined) chargeRead(c, rate, scrollCost(r.filter));
  if (r.orderBy !== undefined) return scrollOrdered(c, r, o);
  const points: PointRecord[] = [];
  for (const id of c.idsInOrder(r.offset)) {
    const offset = c.segment.offsetOf(id);
    if (offset === undefined) continue;
    const v = c.segment.view(offset);
    if (v === undefined) continue;
    if (!c.segment.inScope(offset, r)) continue;
    if (points.length === r.limit) return { points, nextPageOffset: id };
    points.push(toRecord(c, v, o));
  }
  return { points, nextPageOffset: null };
}

/** Scroll with `order_by`, as Qdrant: a point once per distinct value in range, in value order; no next page offset. */
function scrollOrdered(c: Collection, r: ScrollRequest, o: ReadOptions): ScrollResult {
  const entries = orderCandidates(c, r.orderBy!, c.segment.scan(r), r.limit, true);
  return { points: entries.map((e) => toRecord(c, c.segment.view(e.offset)!, o, e.orderValue)), nextPageOffset: null };
}

/** Points matching `filter`; `exact` (default true, as in Qdrant) is checked against strict mode's `search_allow_exact`. */
export function count(c: Collection, filter: Filter | undefined, shardKeys?: readonly ShardKey[], exact = true): number {
  checkCountStrict(activeStrictMode(c.config), filter, exact, c.fieldIndexes);
  const rate = readRateLimit(c.config);
  if (rate !== undefined) chargeRead(c, rate, scrollCost(filter));
  if (filter === undefined && shardKeys === undefined) return c.pointsCount;
  let n = 0;
  for (const _ of c.segment.scan({ filter, shardKeys })) n++;
  return n;
}

export interface FacetRequest {
  readonly key: string;
  /** As the request gave it: strict mode checks only a given limit; the default is 10. */
  readonly limit: number | undefined;
  readonly filter: Filter | undefined;
  readonly shardKeys: readonly ShardKey[] | undefined;
  readonly exact?: boolean | undefined;
}

/** The most frequent values of `key` among the points matching the filter, with their counts. */
export function facet(c: Collection, req: FacetRequest): { hits: Array<{ value: unknown; count: number }> } {
  checkFacetStrict(activeStrictMode(c.config), req.limit, req.filter, req.exact, c.fieldIndexes);
  const rate = readRateLimit(c.config);
  if (rate !== undefined) chargeRead(c, rate, scrollCost(req.filter));
  return c.segment.facet(req.key, req.limit ?? 10, { filter: req.filter, shardKeys: req.shardKeys });
}
