/**
 * Distributed mode with a shard placement: REST point reads on a node that holds only some shards of the
 * collection. The node answers for the shards it holds (its segment holds only those) and sends the same read to
 * a holder of each other shard (`ClusterView.gather`, NATS request/reply), then merges the parts as one collection
 * would have answered:
 * - searches, recommendations, discovery and queries (single and batch): each part is asked for `offset + limit`
 *   points from offset 0; the parts are merged in the request's order (`resultOrder`: by score, by order value, by
 *   id) and the offset applied after the merge;
 * - groups: groups with the same id are joined, their hits merged and cut to `group_size`, the groups ordered by
 *   their best hit and cut to `limit` (each part returns its best `limit` groups, as a Qdrant shard does);
 * - scroll: merged by id (or by order value with `order_by`), cut to `limit`, `next_page_offset` the first id
 *   left out (or the smallest next offset of a part);
 * - count: summed; retrieve: joined; facet: counts of a value summed, ordered by count, cut to `limit`.
 *
 * A node answering for another (`servePeerReads`) runs the route's own handler under a pass for exactly that read
 * (`peerReadPass`), confined to the client's tenant filter and to the shards it was asked for (`slice` filters:
 * a placed collection routes points by the slice hash). It neither authorizes nor audits: the node the client
 * talks to did. The distance matrix is not fanned out (a node holding only some shards refuses it).
 */
import { AppError } from '../../errors.js';
import type { OperationName } from '../../auth/access-table.js';
import { peerReadPass, type CollectionPass, type PassFor } from '../../auth/authorize.js';
import type { Collection } from '../../collection/collection.js';
import type { BorrowedPoints, QueryRequest, StageSpec } from '../../collection/query/types.js';
import { queryInputs } from '../../collection/query/resolve.js';
import { retrieve } from '../../collection/read.js';
import { DEFAULT_VECTOR, type VectorData } from '../../collection/vectors.js';
import { recordToWire, scoredPointsToWire } from './present/points.js';
import { shortestFloat32 } from './present/shortest-float32.js';
import { queryBatch } from '../../collection/query/run.js';
import { dbsf, rrf } from '../../collection/query/fusion.js';
import { resultOrder, type ResultOrder } from '../../collection/query/result-order.js';
import { andFilters } from '../../collection/query/filters.js';
import type { Filter } from '../../index/filter/types.js';
import { compareValues } from '../../index/payload/facet.js';
import { comparePointIds, type PointId } from '../../storage/point-id.js';
import { isStrongConsistency, type PeerRead, type PeerReadScope } from '../../service/cluster-view.js';
import type { AppDeps } from './deps.js';
import type { HandlerContext, RouteRow } from './route-table.js';
import { discoverAsQuery, recommendAsQuery, searchAsQuery } from './parse/legacy-search.js';
import { batchOf, parseGroups, parseQueryGroupsRequest, parseQueryRequest } from './parse/query-request.js';
import { parsePathPointId } from './parse/point-operations.js';

type Obj = Record<string, unknown>;
type Wire = Record<string, unknown>;

/** How one kind of read is fanned out: the body each part runs, and how the parts' answers merge. */
interface FanOut {
  /** The read the other nodes answer, when it is not the client's (collection info asks them for counts). */
  peer?: { readonly operation: OperationName; readonly body: Obj };
  /** The query requests of the read (query family): the points they reference by id are borrowed. */
  requests?(body: Obj): QueryRequest[];
  /** The body the parts run (default: the client's). */
  widen?(body: Obj, c: Collection): Obj;
  merge(parts: unknown[], body: Obj, c: Collection, params: Readonly<Record<string, string>>): unknown;
}

// ------------------------------------------------------------------ ordering

/** The value a scored point is ordered by: its order value (`order_by`), otherwise its score. */
function sortValue(p: Wire): number {
  const v = p['order_value'] ?? p['score'];
  return typeof v === 'bigint' ? Number(v) : (v as number);
}

function byOrder(order: ResultOrder): ((a: Wire, b: Wire) => number) | undefined {
  switch (order) {
    case 'desc':
      return (a, b) => sortValue(b) - sortValue(a);
    case 'asc':
      return (a, b) => sortValue(a) - sortValue(b);
    case 'id':
      return (a, b) => comparePointIds(a['id'] as PointId, b['id'] as PointId);
    case 'none':
      return undefined;
  }
}

/** The parts' points in `order` (stable: ties keep the parts' order). */
function mergeOrdered(lists: readonly Wire[][], order: ResultOrder): Wire[] {
  const all = lists.flat();
  const compare = byOrder(order);
  return compare === undefined ? all : all.sort(compare);
}

// ------------------------------------------------------------------ scored lists (search, recommend, discover, query)

/** `offset + limit` from offset 0: the offset applies after the merge. */
function widenQuery(body: Obj, req: QueryRequest): Obj {
  return { ...body, limit: req.limit + req.offset, offset: 0 };
}

function mergeScored(lists: readonly Wire[][], req: QueryRequest, c: Collection): Wire[] {
  return mergeOrdered(lists, resultOrder(c, req)).slice(req.offset, req.offset + req.limit);
}

type AsQuery = (body: Obj) => QueryRequest;

/** A single search-like read answering `ScoredPoint[]` (`wrap`: inside `{points}` for the Query API). */
function scored(asQuery: AsQuery, wrapped: boolean): FanOut {
  const points = (part: unknown): Wire[] => (wrapped ? ((part as Wire)['points'] as Wire[]) : (part as Wire[]));
  return {
    requests: (body) => [asQuery(body)],
    widen: (body) => widenQuery(body, asQuery(body)),
    merge: (parts, body, c) => {
      const merged = mergeScored(parts.map(points), asQuery(body), c);
      return wrapped ? { points: merged } : merged;
    },
  };
}

/** A batch of search-like reads (`searches`), each answering `ScoredPoint[]` (inside `{points}` for the Query API). */
function scoredBatch(asQuery: AsQuery, wrapped: boolean): FanOut {
  const points = (answer: unknown): Wire[] => (wrapped ? ((answer as Wire)['points'] as Wire[]) : (answer as Wire[]));
  return {
    requests: (body) => batchOf(body).map(asQuery),
    widen: (body) => ({ ...body, searches: batchOf(body).map((s) => widenQuery(s, asQuery(s))) }),
    merge: (parts, body, c) =>
      batchOf(body).map((s, i) => {
        const merged = mergeScored(parts.map((part) => points((part as unknown[])[i])), asQuery(s), c);
        return wrapped ? { points: merged } : merged;
      }),
  };
}

/** Groups (`{groups}`): joined by group id, hits merged and cut, groups ordered by their best hit. */
function groups(parse: (body: Obj) => { query: QueryRequest; groupSize: number; limit: number }): FanOut {
  return {
    requests: (body) => [parse(body).query],
    merge: (parts, body, c) => {
      const req = parse(body);
      const compare = byOrder(resultOrder(c, req.query));
      const byId = new Map<string, { id: unknown; hits: Wire[]; lookup?: unknown }>();
      for (const part of parts) {
        for (const g of (part as Wire)['groups'] as Wire[]) {
          const key = `${typeof g['id']}:${String(g['id'])}`;
          const group = byId.get(key) ?? { id: g['id'], hits: [] };
          group.hits.push(...(g['hits'] as Wire[]));
          if (g['lookup'] !== undefined) group.lookup = g['lookup'];
          byId.set(key, group);
        }
      }
      const merged = [...byId.values()].map((g) => ({ ...g, hits: (compare === undefined ? g.hits : g.hits.sort(compare)).slice(0, req.groupSize) }));
      if (compare !== undefined) merged.sort((a, b) => compare(a.hits[0]!, b.hits[0]!));
      return { groups: merged.slice(0, req.limit) };
    },
  };
}

// ------------------------------------------------------------------ point reads

const scroll: FanOut = {
  merge: (parts, body) => {
    const limit = typeof body['limit'] === 'number' ? body['limit'] : 10;
    const answers = parts as Array<{ points: Wire[]; next_page_offset: unknown }>;
    const ob = body['order_by'];
    if (ob !== undefined && ob !== null) {
      const direction = typeof ob === 'object' && (ob as Obj)['direction'] === 'desc' ? -1 : 1;
      const points = answers.flatMap((a) => a.points).sort((a, b) => direction * (sortValue(a) - sortValue(b)) || direction * comparePointIds(a['id'] as PointId, b['id'] as PointId));
      return { points: points.slice(0, limit), next_page_offset: null };
    }
    const points = answers.flatMap((a) => a.points).sort((a, b) => comparePointIds(a['id'] as PointId, b['id'] as PointId));
    if (points.length > limit) return { points: points.slice(0, limit), next_page_offset: points[limit]!['id'] };
    const next = answers.map((a) => a.next_page_offset).filter((n): n is PointId => n !== null && n !== undefined).sort(comparePointIds);
    return { points, next_page_offset: next[0] ?? null };
  },
};

const count: FanOut = { merge: (parts) => ({ count: (parts as Array<{ count: number }>).reduce((n, p) => n + p.count, 0) }) };

const retrievePoints: FanOut = { merge: (parts) => (parts as Wire[][]).flat() };

/** One point by id: the part that has it (a part without it answers null, see `runPart`). */
const getPoint: FanOut = {
  merge: (parts, _body, _c, params) => {
    const found = parts.find((p) => p !== null);
    if (found === undefined) throw new AppError('POINT_NOT_FOUND', [String(parsePathPointId(params['id']!))]);
    return found;
  },
};

const facet: FanOut = {
  merge: (parts, body) => {
    const limit = typeof body['limit'] === 'number' ? body['limit'] : 10;
    const counts = new Map<string, { value: unknown; count: number }>();
    for (const part of parts as Array<{ hits: Array<{ value: unknown; count: number }> }>) {
      for (const h of part.hits) {
        const key = `${typeof h.value}:${String(h.value)}`;
        const hit = counts.get(key) ?? { value: h.value, count: 0 };
        hit.count += h.count;
        counts.set(key, hit);
      }
    }
    const hits = [...counts.values()].sort((a, b) => b.count - a.count || compareValues(a.value as never, b.value as never));
    return { hits: hits.slice(0, limit) };
  },
};

// ------------------------------------------------------------------ fusion at the root of a query

/** A filter (wire) of all of `filters` that are set, and none of the points `excluded`. */
function wireFilter(filters: readonly unknown[], excluded: readonly PointId[]): unknown {
  const must = filters.filter((f) => f !== undefined && f !== null);
  if (must.length === 0 && excluded.length === 0) return undefined;
  return { must, ...(excluded.length === 0 ? {} : { must_not: [{ has_id: excluded }] }) };
}

/**
 * A query whose root fuses its prefetches (`rrf`, `dbsf`) fuses the whole collection's prefetch results, as
 * Qdrant fuses at the collection level: each prefetch runs as one search of a batch on every part (under the
 * root filter, without the points the request references), the parts' lists of each prefetch are merged and cut
 * to the prefetch's limit, then fused here. Undefined for any other query.
 */
async function fuseAtRoot(ctx: CollectionReadContext, c: Collection, body: Obj, borrowed: BorrowedPoints | undefined, gather: (read: Omit<PeerRead, 'borrowed' | 'tenant' | 'collection'>) => Promise<unknown[]>): Promise<unknown> {
  const req = parseQueryRequest(body);
  const q = req.query;
  if (q === undefined || (q.kind !== 'rrf' && q.kind !== 'dbsf') || req.prefetch.length === 0) return undefined;
  const wirePrefetch = Array.isArray(body['prefetch']) ? (body['prefetch'] as Obj[]) : [body['prefetch'] as Obj];
  const excluded = referencedIds([req]);
  const searches = wirePrefetch.map((p, i) => ({
    ...p,
    filter: wireFilter([body['filter'], p['filter']], excluded),
    limit: req.prefetch[i]!.limit,
    offset: 0,
    with_payload: body['with_payload'] ?? false,
    with_vector: body['with_vector'] ?? false,
    ...(body['shard_key'] === undefined ? {} : { shard_key: body['shard_key'] }),
  }));
  const batch = { searches };
  const env = { c: ctx.deps.toc.forRead(ctx.pass, { searches: searches.length }), resolve: (name: string) => ctx.deps.toc.get(ctx.pass.lookup(name)), borrowed };
  const parsed = searches.map((s) => parseQueryRequest(s));
  const local = queryBatch(env, parsed).map((points) => ({ points: scoredPointsToWire(points) }));
  const others = await gather({ operation: 'query_batch_points', params: ctx.params, query: ctx.query, body: batch });
  const parts = [local, ...(others as Array<Array<{ points: Wire[] }>>)];
  // Each prefetch's list over the whole collection, then fused by position (rrf) or normalised score (dbsf).
  const byKey = new Map<string, { offset: number; point: Wire }>();
  const sources = parsed.map((p, i) =>
    mergeOrdered(parts.map((part) => part[i]!.points), resultOrder(c, p))
      .slice(0, p.limit)
      .map((point) => {
        const key = `${typeof point['id']}:${String(point['id'])}`;
        const seen = byKey.get(key) ?? { offset: byKey.size, point };
        byKey.set(key, seen);
        return { offset: seen.offset, score: sortValue(point) };
      }),
  );
  const fused = q.kind === 'rrf' ? rrf(sources, q.k, q.weights) : dbsf(sources);
  const points = [...byKey.values()];
  const kept = fused.filter((e) => req.threshold === undefined || e.score >= req.threshold).slice(req.offset, req.offset + req.limit);
  return { points: kept.map((e) => ({ ...points[e.offset]!.point, score: shortestFloat32(e.score) })) };
}

/** Collection info: its `points_count` counts the points of every shard, as Qdrant's does (the rest is this node's). */
const collectionInfo: FanOut = {
  peer: { operation: 'count_points', body: { exact: true } },
  merge: (parts) => {
    const [info, ...counts] = parts as [Wire, ...Array<{ count: number }>];
    return { ...info, points_count: (info['points_count'] as number) + counts.reduce((n, p) => n + p.count, 0) };
  },
};

/** The reads that fan out, by operation (point reads, and collection info for its point count). */
const FAN_OUT: Partial<Record<OperationName, FanOut>> = {
  get_collection: collectionInfo,
  get_point: getPoint,
  get_points: retrievePoints,
  scroll_points: scroll,
  count_points: count,
  facet,
  query_points: scored(parseQueryRequest, true),
  query_batch_points: scoredBatch(parseQueryRequest, true),
  query_points_groups: groups(parseQueryGroupsRequest),
  search_points: scored(searchAsQuery, false),
  search_batch_points: scoredBatch(searchAsQuery, false),
  search_point_groups: groups((b) => parseGroups(b, searchAsQuery(b), 3)),
  recommend_points: scored(recommendAsQuery, false),
  recommend_batch_points: scoredBatch(recommendAsQuery, false),
  recommend_point_groups: groups((b) => parseGroups(b, recommendAsQuery(b), 3)),
  discover_points: scored(discoverAsQuery, false),
  discover_batch_points: scoredBatch(discoverAsQuery, false),
};

// ------------------------------------------------------------------ running the parts

/** What a handler receives in place of an HTTP request when it answers a read for another node. */
const NO_HTTP = new Proxy(
  {},
  {
    get(_target, prop) {
      throw new Error(`a read answered for another cluster node has no HTTP request or reply (${String(prop)})`);
    },
  },
) as never;

/** A point read route: its operation and its handler, given a collection pass. */
interface ReadRoute {
  readonly operation: OperationName;
  handler(ctx: CollectionReadContext): unknown;
}

type CollectionReadContext = Omit<HandlerContext, 'pass'> & { readonly pass: CollectionPass };

/** `row` as a read route. */
function readRoute(row: RouteRow): ReadRoute {
  return { operation: row.operation, handler: (ctx) => row.use((typed) => typed.handler({ ...ctx, pass: ctx.pass as PassFor<typeof typed.operation> })) };
}

/** Runs one part: the route's handler under `pass`; a `get_point` part without the point answers null. */
async function runPart(row: ReadRoute, ctx: CollectionReadContext): Promise<unknown> {
  try {
    return await row.handler(ctx);
  } catch (e) {
    if (row.operation === 'get_point' && e instanceof AppError && e.code === 'POINT_NOT_FOUND') return null;
    throw e;
  }
}

// ------------------------------------------------------------------ points referenced by id

/** Ids the requests reference as examples in their own collection, at any depth (not those of `lookup_from`). */
function referencedIds(requests: readonly QueryRequest[]): PointId[] {
  const out = new Map<string, PointId>();
  const stack: StageSpec[] = [...requests];
  for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
    if (s.lookupFrom === undefined) for (const input of queryInputs(s.query)) if (input.kind === 'id') out.set(`${typeof input.id}:${input.id}`, input.id);
    stack.push(...s.prefetch);
  }
  return [...out.values()];
}

/** `[id, Record.vector]` pairs as borrowed points (an unnamed vector is the default vector `""`). */
function toBorrowed(pairs: ReadonlyArray<readonly [PointId, unknown]>): BorrowedPoints {
  return new Map(
    pairs.map(([id, vector]) => {
      const named = Array.isArray(vector) ? { [DEFAULT_VECTOR]: vector } : ((vector ?? {}) as Record<string, VectorData>);
      return [id, new Map(Object.entries(named) as Array<[string, VectorData]>)];
    }),
  );
}

/**
 * The vectors of the points `ids`, from this node's shards and the others' (through a fanned-out retrieve under
 * the same tenant filter: a point the client cannot read is not found, as on one node).
 */
async function borrow(ctx: CollectionReadContext, c: Collection, ids: readonly PointId[], remote: readonly number[]): Promise<Array<readonly [PointId, unknown]>> {
  const local = retrieve(c, ids, { withPayload: { kind: 'none' }, withVector: { kind: 'all' } }).map(recordToWire);
  const found = new Set(local.map((r) => `${typeof r.id}:${r.id}`));
  const missing = ids.filter((id) => !found.has(`${typeof id}:${id}`));
  const read: PeerRead = { operation: 'get_points', collection: ctx.pass.collection, params: ctx.params, query: {}, body: { ids: missing, with_vector: true, with_payload: false }, tenant: ctx.pass.tenant };
  const fetched = missing.length === 0 ? [] : ((await ctx.deps.cluster!.gather(read, remote)) as Wire[][]).flat();
  return [...local.map((r) => [r.id, r.vector] as const), ...fetched.map((r) => [r['id'] as PointId, r['vector']] as const)];
}

/** The shards of collection `name` held elsewhere, when `operation` is a point read that fans out there. */
export function remoteShardsFor(deps: AppDeps, operation: OperationName, pass: { kind: string; collection?: string }): readonly number[] {
  if (deps.cluster === undefined || pass.kind !== 'collection' || FAN_OUT[operation] === undefined) return [];
  return deps.cluster.remoteShards(pass.collection!);
}

/**
 * Answers a point read on a node holding only some shards: this node's part and the other holders' parts,
 * merged. `ctx` is the request as authorized (and audited) here.
 */
export async function fanOutRead(row: ReadRoute, ctx: CollectionReadContext, remote: readonly number[]): Promise<unknown> {
  const { deps, pass } = ctx;
  const spec = FAN_OUT[row.operation]!;
  const c = deps.toc.get(pass);
  const body = spec.widen?.(ctx.body, c) ?? ctx.body;
  deps.toc.readHeldShards(pass);
  const ids = spec.requests === undefined ? [] : referencedIds(spec.requests(ctx.body));
  const borrowed = ids.length === 0 ? undefined : await borrow(ctx, c, ids, remote);
  const read: PeerRead = { operation: spec.peer?.operation ?? row.operation, collection: pass.collection, params: ctx.params, query: ctx.query, body: spec.peer?.body ?? body, tenant: pass.tenant, borrowed };
  const fuse = (entry: Obj): Promise<unknown> => fuseAtRoot(ctx, c, entry, borrowed === undefined ? undefined : toBorrowed(borrowed), (r) => deps.cluster!.gather({ ...r, collection: pass.collection, tenant: pass.tenant, borrowed }, remote));
  if (row.operation === 'query_points') {
    const fused = await fuse(ctx.body);
    if (fused !== undefined) return fused;
  }
  const local = runPart(row, { ...ctx, body, ...(borrowed === undefined ? {} : { borrowed: toBorrowed(borrowed) }) });
  const [mine, others] = await Promise.all([local, deps.cluster!.gather(read, remote)]);
  const merged = spec.merge([mine, ...others], ctx.body, c, ctx.params);
  if (row.operation !== 'query_batch_points') return merged;
  // A batch entry fusing its prefetches at the root is fused over the whole collection too.
  const entries = batchOf(ctx.body);
  const fused = await Promise.all(entries.map((entry) => fuse(entry)));
  return (merged as unknown[]).map((answer, i) => fused[i] ?? answer);
}

/** The shards of a peer read as a filter: points in one of them. */
function shardFilter(scope: PeerReadScope): Filter {
  return { must: null, should: scope.shards.map((index) => ({ kind: 'slice', index, total: scope.total })), mustNot: null, minShould: null };
}

/** Answers the point reads other nodes send here (for the shards this node holds) with the routes of `rows`. */
export function servePeerReads(deps: AppDeps, rows: readonly RouteRow[]): void {
  const byOperation = new Map(rows.filter((r) => FAN_OUT[r.operation] !== undefined && FAN_OUT[r.operation]!.peer === undefined).map((r) => [r.operation as string, readRoute(r)]));
  deps.cluster?.serveReads(async (read, scope) => {
    const row = byOperation.get(read.operation);
    if (row === undefined) throw new AppError('BAD_REQUEST', [`${read.operation} is not a point read this node answers for other nodes`]);
    // This node's segment holds only the shards it holds: when it was asked for all of them, no filter is needed.
    const pass = peerReadPass(row.operation, read.collection, scope.whole ? read.tenant : andFilters(read.tenant, shardFilter(scope)));
    deps.toc.readHeldShards(pass);
    if (isStrongConsistency(read.query['consistency'])) await deps.cluster!.readBarrier(read.collection);
    const borrowed = read.borrowed === undefined ? {} : { borrowed: toBorrowed(read.borrowed) };
    return runPart(row, { params: read.params, query: read.query, body: read.body as Obj, pass, deps, request: NO_HTTP, reply: NO_HTTP, ...borrowed });
  });
}
