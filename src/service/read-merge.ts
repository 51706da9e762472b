/**
 * Distributed mode: the answers of the parts of a fanned-out point read (this node's shards, and each other
 * holder's) merged as one collection holding every shard would have answered, on the engine's typed results:
 * - queries (searches, recommendations, discovery, query API; single and batch): each part was asked for
 *   `offset + limit` points from offset 0 (`widen`); merged in the request's order (`resultOrder`: by score, by
 *   order value, by id), the offset applied after the merge;
 * - scroll: merged by id (or by order value with `order_by`), cut to `limit`, `nextPageOffset` the first id left
 *   out (or the smallest next offset of a part);
 * - count: summed; retrieve: joined, in the order the ids were asked; facet: counts of a value summed, ordered by
 *   count, cut to `limit`.
 */
import type { Collection } from '../collection/collection.js';
import type { QueryRequest } from '../collection/query/types.js';
import { resultOrder, type ResultOrder } from '../collection/query/result-order.js';
import type { ScrollResult } from '../collection/read.js';
import type { PointRecord, ScoredPoint } from '../collection/types.js';
import { compareValues } from '../index/payload/facet.js';
import { comparePointIds, type PointId } from '../storage/point-id.js';
import type { AnswerOf, PointRead, PointReadAnswers } from './point-read.js';

/** A key telling ids (and group ids) apart by type as well as value (`1` is not `"1"`). */
export function keyOf(id: unknown): string {
  return `${typeof id}:${String(id)}`;
}

/** The value a point is ordered by: its order value (`order_by`), otherwise its score. */
function sortValue(p: PointRecord & { readonly score?: number }): number {
  const v = p.orderValue ?? p.score ?? 0;
  return typeof v === 'bigint' ? Number(v) : v;
}

/** How two points compare in `order`; undefined when there is no order to keep. */
function comparatorOf(order: ResultOrder): ((a: ScoredPoint, b: ScoredPoint) => number) | undefined {
  switch (order) {
    case 'desc':
      return (a, b) => sortValue(b) - sortValue(a);
    case 'asc':
      return (a, b) => sortValue(a) - sortValue(b);
    case 'id':
      return (a, b) => comparePointIds(a.id, b.id);
    case 'none':
      return undefined;
  }
}

/** The parts' lists as one list in `order` (stable: ties keep the parts' order). */
export function mergeOrdered(lists: readonly (readonly ScoredPoint[])[], order: ResultOrder): ScoredPoint[] {
  const all = lists.flat();
  const compare = comparatorOf(order);
  return compare === undefined ? all : all.sort(compare);
}

/** A query as each part runs it: `offset + limit` points from offset 0 (the offset applies after the merge). */
export function widenQuery(req: QueryRequest): QueryRequest {
  return { ...req, limit: req.limit + req.offset, offset: 0 };
}

/** The parts' lists of query `req` (each its best `offset + limit`) as the collection's answer. */
export function mergeQuery(c: Collection, req: QueryRequest, lists: readonly (readonly ScoredPoint[])[]): ScoredPoint[] {
  return mergeOrdered(lists, resultOrder(c, req)).slice(req.offset, req.offset + req.limit);
}

function mergeScroll(read: Extract<PointRead, { kind: 'scroll' }>, parts: readonly ScrollResult[]): ScrollResult {
  const { limit, orderBy } = read.request;
  const all = parts.flatMap((p) => p.points);
  if (orderBy !== undefined) {
    const direction = orderBy.direction === 'desc' ? -1 : 1;
    const points = all.sort((a, b) => direction * (sortValue(a) - sortValue(b)) || direction * comparePointIds(a.id, b.id));
    return { points: points.slice(0, limit), nextPageOffset: null };
  }
  const points = all.sort((a, b) => comparePointIds(a.id, b.id));
  if (points.length > limit) return { points: points.slice(0, limit), nextPageOffset: points[limit]!.id };
  const next = parts.map((p) => p.nextPageOffset).filter((n): n is PointId => n !== null).sort(comparePointIds);
  return { points, nextPageOffset: next[0] ?? null };
}

function mergeRetrieve(ids: readonly PointId[], parts: readonly PointRecord[][]): PointRecord[] {
  const found = new Map(parts.flat().map((r) => [keyOf(r.id), r]));
  const out: PointRecord[] = [];
  for (const id of ids) {
    const r = found.get(keyOf(id));
    if (r === undefined) continue;
    out.push(r);
    found.delete(keyOf(id));
  }
  return out;
}

function mergeFacet(limit: number | undefined, parts: ReadonlyArray<PointReadAnswers['facet']>): PointReadAnswers['facet'] {
  const counts = new Map<string, { value: unknown; count: number }>();
  for (const part of parts) {
    for (const h of part.hits) {
      const hit = counts.get(keyOf(h.value)) ?? { value: h.value, count: 0 };
      hit.count += h.count;
      counts.set(keyOf(h.value), hit);
    }
  }
  const hits = [...counts.values()].sort((a, b) => b.count - a.count || compareValues(a.value as never, b.value as never));
  return { hits: hits.slice(0, limit ?? 10) };
}

/** The reads whose parts' answers merge on their own (queries, groups and the matrix are combined by `fanned-reads.ts`). */
export type MergedRead = Extract<PointRead, { kind: 'retrieve' | 'scroll' | 'count' | 'facet' }>;

/** The parts' answers to `read` as one answer. */
export function mergeParts<R extends MergedRead>(read: R, parts: ReadonlyArray<AnswerOf<R>>): AnswerOf<R> {
  return mergeAny(read, parts) as AnswerOf<R>;
}

function mergeAny(read: MergedRead, parts: readonly unknown[]): unknown {
  switch (read.kind) {
    case 'retrieve':
      return mergeRetrieve(read.ids, parts as PointRecord[][]);
    case 'scroll':
      return mergeScroll(read, parts as ScrollResult[]);
    case 'count':
      return (parts as number[]).reduce((n, p) => n + p, 0);
    case 'facet':
      return mergeFacet(read.request.limit, parts as Array<PointReadAnswers['facet']>);
  }
}
