/**
 * Reads over one collection: retrieve, scroll, count and the exact nearest-neighbour query.
 * Results are returned in Qdrant's wire shapes (`Record`, `ScoredPoint`).
 */
import { AppError, badInput } from '../errors.js';
import { parsePointId, type PointId } from '../storage/point-id.js';
import { score as denseScore, compareScores, higherIsBetter, postprocessScore, rawMaxSim, sparseDot, sparseOverlaps, type Distance } from '../index/distance.js';
import { parseFilter } from '../index/filter/parse.js';
import type { Filter } from '../index/filter/types.js';
import { parseJsonPath, setOwn } from '../index/json-path.js';
import { parseDatetime } from '../index/payload/datetime-value.js';
import { orderCandidates } from './query/order-by.js';
import type { Collection } from './collection.js';
import type { Payload, PointView, ShardKey } from './types.js';
import { vectorsToWire, DEFAULT_VECTOR, type VectorValue } from './vectors.js';
import { isObject } from '../json.js';

type Obj = Record<string, unknown>;

export type PayloadSelector = { kind: 'all' } | { kind: 'none' } | { kind: 'include'; paths: string[] } | { kind: 'exclude'; paths: string[] };
export type VectorSelector = { kind: 'all' } | { kind: 'none' } | { kind: 'names'; names: string[] };

export function parsePayloadSelector(v: unknown, dflt: boolean): PayloadSelector {
  if (v === undefined || v === null) return dflt ? { kind: 'all' } : { kind: 'none' };
  if (v === true) return { kind: 'all' };
  if (v === false) return { kind: 'none' };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { kind: 'include', paths: v };
  if (isObject(v) && Array.isArray(v['include'])) return { kind: 'include', paths: v['include'] as string[] };
  if (isObject(v) && Array.isArray(v['exclude'])) return { kind: 'exclude', paths: v['exclude'] as string[] };
  throw badInput('with_payload: expected a boolean, a list of keys, {include} or {exclude}');
}

export function parseVectorSelector(v: unknown, dflt: boolean): VectorSelector {
  if (v === undefined || v === null) return dflt ? { kind: 'all' } : { kind: 'none' };
  if (v === true) return { kind: 'all' };
  if (v === false) return { kind: 'none' };
  if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return { kind: 'names', names: v };
  throw badInput('with_vector: expected a boolean or a list of vector names');
}

/** Copies the value at `path` from `src` into `dst`, keeping the nesting (`a.b` → `{a: {b}}`). */
function copyPath(src: Payload, dst: Payload, path: string): void {
  const parts = parseJsonPath(path);
  const keys: string[] = [];
  for (const part of parts) {
    if (part.kind !== 'key') break;
    keys.push(part.key);
  }
  if (keys.length === 0) return;
  // Own properties only: a key such as `__proto__` names payload data, never Object.prototype.
  let s: unknown = src;
  for (const k of keys) {
    if (!isObject(s) || !Object.hasOwn(s, k)) return;
    s = s[k];
  }
  let d: Obj = dst;
  keys.slice(0, -1).forEach((k) => {
    if (!Object.hasOwn(d, k) || !isObject(d[k])) setOwn(d, k, {});
    d = d[k] as Obj;
  });
  setOwn(d, keys[keys.length - 1]!, structuredClone(s));
}

function removePath(dst: Payload, path: string): void {
  const parts = parseJsonPath(path);
  let d: unknown = dst;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    if (part.kind !== 'key' || !isObject(d)) return;
    if (!Object.hasOwn(d, part.key)) return;
    if (i === parts.length - 1) delete d[part.key];
    else d = d[part.key];
  }
}

export function selectPayload(payload: Payload | null, sel: PayloadSelector): Payload | null {
  switch (sel.kind) {
    case 'none':
      return null;
    case 'all':
      return payload ?? {};
    case 'include': {
      const out: Payload = {};
      if (payload) for (const p of sel.paths) copyPath(payload, out, p);
      return out;
    }
    case 'exclude': {
      const out = structuredClone(payload ?? {});
      for (const p of sel.paths) removePath(out, p);
      return out;
    }
  }
}

export function selectVectors(p: PointView, sel: VectorSelector): unknown {
  switch (sel.kind) {
    case 'none':
      return null;
    case 'all':
      return vectorsToWire(p.vectors, undefined);
    case 'names':
      return vectorsToWire(p.vectors, sel.names);
  }
}

export interface RecordOptions {
  readonly withPayload: PayloadSelector;
  readonly withVector: VectorSelector;
  readonly showShardKey: boolean;
}

export function toRecord(p: PointView, o: RecordOptions, extra?: Obj): Obj {
  const rec: Obj = { id: p.id, payload: selectPayload(p.payload, o.withPayload), vector: selectVectors(p, o.withVector) };
  if (o.showShardKey && p.shardKey !== undefined) rec['shard_key'] = p.shardKey;
  return extra ? { ...rec, ...extra } : rec;
}

export function toScoredPoint(p: PointView, score: number, o: RecordOptions): Obj {
  const sp: Obj = { id: p.id, version: p.version, score, payload: selectPayload(p.payload, o.withPayload), vector: selectVectors(p, o.withVector) };
  if (o.showShardKey && p.shardKey !== undefined) sp['shard_key'] = p.shardKey;
  return sp;
}

/** Offsets matching `filter` (all live offsets when undefined), within `shardKeys`. */
export function* matchingOffsets(c: Collection, filter: Filter | undefined, shardKeys?: readonly ShardKey[]): IterableIterator<number> {
  if (filter === undefined) {
    yield* c.liveOffsets(shardKeys);
    return;
  }
  // Payload indexes narrow the candidates; every candidate is still checked exactly.
  for (const offset of c.candidateOffsets(filter)) {
    if (shardKeys !== undefined && !shardKeys.includes(c.shardKeyAt(offset) as ShardKey)) continue;
    if (c.matchesOffset(filter, offset)) yield offset;
  }
}

export function optionalFilter(v: unknown): Filter | undefined {
  return v === undefined || v === null ? undefined : parseFilter(v);
}

export function retrieve(c: Collection, ids: readonly PointId[], o: RecordOptions, shardKeys?: readonly ShardKey[]): Obj[] {
  const out: Obj[] = [];
  const seen = new Set<number>();
  for (const id of ids) {
    const offset = c.offsetOf(id);
    if (offset === undefined || seen.has(offset)) continue;
    seen.add(offset);
    const v = c.view(offset);
    if (v === undefined) continue;
    if (shardKeys !== undefined && !shardKeys.includes(v.shardKey as ShardKey)) continue;
    out.push(toRecord(v, o));
  }
  return out;
}

export interface ScrollRequest {
  readonly filter: Filter | undefined;
  readonly limit: number;
  readonly offset: PointId | undefined;
  readonly orderBy: { key: string; direction: 'asc' | 'desc'; startFrom: number | undefined } | undefined;
  readonly shardKeys: readonly ShardKey[] | undefined;
}

export function scroll(c: Collection, r: ScrollRequest, o: RecordOptions): { points: Obj[]; next_page_offset: PointId | null } {
  if (r.orderBy !== undefined) return scrollOrdered(c, r, o);
  const points: Obj[] = [];
  for (const id of c.idsInOrder(r.offset)) {
    const offset = c.offsetOf(id);
    if (offset === undefined) continue;
    const v = c.view(offset);
    if (v === undefined) continue;
    if (r.shardKeys !== undefined && !r.shardKeys.includes(v.shardKey as ShardKey)) continue;
    if (r.filter !== undefined && !c.matchesOffset(r.filter, offset)) continue;
    if (points.length === r.limit) return { points, next_page_offset: id };
    points.push(toRecord(v, o));
  }
  return { points, next_page_offset: null };
}

/** Scroll with `order_by`, as Qdrant: min value per point ascending, max descending; no next page offset. */
function scrollOrdered(c: Collection, r: ScrollRequest, o: RecordOptions): { points: Obj[]; next_page_offset: PointId | null } {
  const entries = orderCandidates(c, r.orderBy!, matchingOffsets(c, r.filter, r.shardKeys), r.limit);
  return { points: entries.map((e) => toRecord(c.view(e.offset)!, o, { order_value: e.orderValue })), next_page_offset: null };
}

export function parseScroll(body: Obj): ScrollRequest {
  const limit = body['limit'] ?? 10;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw badInput('limit: must be a positive integer');
  let orderBy: ScrollRequest['orderBy'];
  const ob = body['order_by'];
  if (typeof ob === 'string') orderBy = { key: ob, direction: 'asc', startFrom: undefined };
  else if (isObject(ob)) {
    const dir = ob['direction'] ?? 'asc';
    if (dir !== 'asc' && dir !== 'desc') throw badInput('order_by.direction: expected "asc" or "desc"');
    const sf = ob['start_from'];
    let startFrom: number | undefined;
    if (typeof sf === 'number') startFrom = sf;
    else if (typeof sf === 'string') {
      // Datetimes order as microseconds since the epoch, like Qdrant's `order_value`.
      const t = parseDatetime(sf);
      if (t === null) throw badInput('order_by.start_from: expected a number or an RFC 3339 datetime');
      startFrom = t;
    }
    if (typeof ob['key'] !== 'string') throw badInput('order_by.key: missing field `key`');
    orderBy = { key: ob['key'], direction: dir, startFrom };
  }
  const offset = body['offset'];
  return {
    filter: optionalFilter(body['filter']),
    limit,
    offset: offset === undefined || offset === null ? undefined : parsePointId(offset),
    orderBy,
    shardKeys: undefined,
  };
}

export function count(c: Collection, filter: Filter | undefined, shardKeys?: readonly ShardKey[]): number {
  if (filter === undefined && shardKeys === undefined) return c.pointsCount;
  let n = 0;
  for (const _ of matchingOffsets(c, filter, shardKeys)) n++;
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

/** Exact top-k over every point with vector `using` that passes `accept`. */
export function exactSearch(c: Collection, using: string, q: QueryVector, k: number, accept: (offset: number) => boolean, threshold?: number): ScoredOffset[] {
  const spec = c.schema.dense.get(using);
  const distance: Distance = spec?.distance ?? 'Dot';
  const better = spec === undefined ? true : higherIsBetter(distance);
  const scored: ScoredOffset[] = [];
  const passes = (s: number): boolean => threshold === undefined || (better ? s >= threshold : s <= threshold);
  if (q.kind === 'dense') {
    const store = c.denseStore(using);
    if (store === undefined) throw badInput(`Wrong input: Vector \`${using}\` is not a dense vector`);
    if (q.data.length !== store.dim) throw new AppError('VECTOR_DIMENSION_MISMATCH', [store.dim, q.data.length]);
    const data = store.data;
    const dim = store.dim;
    for (const offset of c.liveOffsets()) {
      if (!store.has(offset) || !accept(offset)) continue;
      const s = denseScore(distance, q.data, 0, data, offset * dim, dim);
      if (passes(s)) scored.push({ offset, score: s });
    }
  } else {
    const vectors = c.otherVectors(using);
    if (vectors === undefined) throw badInput(`Wrong input: Vector \`${using}\` does not accept this query`);
    for (const [offset, v] of vectors) {
      if (!accept(offset)) continue;
      let s: number;
      if (q.kind === 'sparse' && v.kind === 'sparse') {
        // Qdrant's inverted index only finds points that share an index with the query.
        if (!sparseOverlaps(q, v)) continue;
        s = sparseDot(q, v);
      }
      else if (q.kind === 'multi' && v.kind === 'multi') s = maxSim(distance, q.rows, v.rows);
      else throw badInput(`Wrong input: query vector kind does not match vector \`${using || DEFAULT_VECTOR}\``);
      if (passes(s)) scored.push({ offset, score: s });
    }
  }
  scored.sort((a, b) => (spec === undefined ? b.score - a.score : compareScores(distance, a.score, b.score)) || a.offset - b.offset);
  return scored.slice(0, k);
}

/** Converts a stored vector into a query vector (query by point id). */
export function queryFromStored(v: VectorValue): QueryVector {
  return v.kind === 'dense' ? { kind: 'dense', data: v.data } : v.kind === 'sparse' ? v : { kind: 'multi', rows: [...v.rows] };
}

