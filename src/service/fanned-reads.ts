/**
 * Point reads for both transports (REST and gRPC parse into a `PointRead`, run it here, and present the typed
 * answer). On a single node, or a cluster node holding every shard of the collection, the read runs on this node's
 * segment. In distributed mode with a shard placement, on a node holding only some shards, the read runs on this
 * node's shards and is sent as it is (the engine's typed request, `ClusterView.gather`) to a holder of each other
 * shard, which runs the same engine read for its shards; the parts merge as one collection would have answered
 * (`read-merge.ts`), and:
 * - points a query references by id (query by id, recommend / discover examples) are fetched from their holders
 *   first and sent along (`BorrowedPoints`), so every part resolves them (and excludes them from its results);
 * - a `lookup_from` is resolved here: the points it names are read (under the client's pass) and replaced by their
 *   vectors, so the other nodes never read a collection for this client (`lookup-inputs.ts`);
 * - a query fusing its prefetches at the root (`rrf`, `dbsf`) fuses the whole collection's prefetch results, as
 *   Qdrant fuses at the collection level: each prefetch runs as one search of the batch on every part (under the
 *   root filter, without the referenced points), each prefetch's lists are merged and cut to its limit, then fused
 *   here;
 * - groups are made here from the merged hits of every part (as Qdrant groups at the collection level), with a
 *   growing limit until the best groups are full; a `with_lookup` is looked up here, once;
 * - the distance matrix: each part samples its points (`matrixSample`), the samples are combined into one uniform
 *   sample of the collection (`combineSamples`) and the matrix is computed here from the sampled vectors.
 *
 * The node the client talks to authorized and audited the read (the pass). A node answering for another
 * (`servePeerReads`) runs the read under a pass minted for exactly that point read (`peerReadPass`), confined to the
 * client's tenant filter and to the shards it was asked for (`slice` filters: a placed collection routes points by
 * the slice hash). It neither authorizes nor audits.
 */
import { peerReadPass, type CollectionPass } from '../auth/authorize.js';
import type { Collection } from '../collection/collection.js';
import { dbsf, rrf } from '../collection/query/fusion.js';
import { andFilters, excludeIds } from '../collection/query/filters.js';
import { combineSamples, matrixOfSample, type Matrix, type MatrixSample } from '../collection/query/matrix.js';
import { queryInputs } from '../collection/query/resolve.js';
import { resultOrder } from '../collection/query/result-order.js';
import { admitGroups, admitMatrix, type PointGroup, type QueryEnv } from '../collection/query/run.js';
import { GroupAggregator, hasField } from '../collection/query/groups.js';
import { selectPayload } from '../collection/read.js';
import { valuesAt } from '../index/json-path.js';
import { hashSeed, seededRandom } from '../collection/query/sample.js';
import type { BorrowedPoints, GroupsRequest, MatrixRequest, QueryRequest, StageSpec } from '../collection/query/types.js';
import type { ScoredPoint } from '../collection/types.js';
import type { Filter } from '../index/filter/types.js';
import { comparePointIds, parsePointId, type PointId } from '../storage/point-id.js';
import type { ClusterView, PeerRead, PeerReadScope } from './cluster-view.js';
import { PEER_OPERATION, runPointRead, type AnswerOf, type PointRead } from './point-read.js';
import { keyOf, mergeOrdered, mergeParts, mergeQuery, widenQuery, type MergedRead } from './read-merge.js';
import { hasLookups, resolveLookups } from './lookup-inputs.js';
import { spaceOf } from '../collection/query/similarity.js';
import type { ReadRequest } from './strict-admission.js';
import type { TableOfContent } from './table-of-content.js';

/** What a point read needs of the process: the collections, and the cluster in distributed mode. */
export interface ReadDeps {
  readonly toc: TableOfContent;
  readonly cluster?: ClusterView | undefined;
}

/** How a read is admitted: strict mode's `timeout` and batch size, and Qdrant's read `consistency` above 1. */
export interface ReadAdmission extends ReadRequest {
  /** Wait until the replicas read applied everything stored (the node the client talks to waited already). */
  readonly strong?: boolean;
}

function envOf(deps: ReadDeps, pass: CollectionPass, c: Collection, borrowed?: BorrowedPoints): QueryEnv {
  return { c, resolve: (name) => deps.toc.get(pass.lookup(name)), borrowed };
}

/**
 * Runs `read` for the client of `pass` (authorized and audited by the transport): on this node's segment, or, on a
 * node holding only some shards of the collection, over every shard.
 * @throws AppError as the engine does; AppError(UNAVAILABLE) when no holder of a shard answers
 */
export async function readPoints<R extends PointRead>(deps: ReadDeps, pass: CollectionPass, read: R, admission: ReadAdmission = {}): Promise<AnswerOf<R>> {
  const remote = deps.cluster?.remoteShards(pass.collection) ?? [];
  if (remote.length === 0) return runPointRead(envOf(deps, pass, deps.toc.forRead(pass, admission)), read);
  return new FannedRead(deps, deps.cluster!, pass, admission, remote).run(read);
}

/**
 * The points of collection `pass` held by other nodes (0 on a node holding every shard): collection info's
 * `points_count` counts every shard, as Qdrant's does.
 */
export async function remotePointsCount(deps: ReadDeps, pass: CollectionPass): Promise<number> {
  const remote = deps.cluster?.remoteShards(pass.collection) ?? [];
  if (remote.length === 0) return 0;
  const read: PeerRead = { collection: pass.collection, read: { kind: 'count', filter: undefined, shardKeys: undefined, exact: true }, admit: {}, strong: false, tenant: pass.tenant };
  return ((await deps.cluster!.gather(read, remote)) as number[]).reduce((n, p) => n + p, 0);
}

/** Ids the requests reference as examples in their own collection, at any depth (not those of `lookup_from`). */
function referencedIds(requests: readonly StageSpec[]): PointId[] {
  const out = new Map<string, PointId>();
  const stack: StageSpec[] = [...requests];
  for (let s = stack.pop(); s !== undefined; s = stack.pop()) {
    if (s.lookupFrom === undefined) for (const input of queryInputs(s.query)) if (input.kind === 'id') out.set(keyOf(input.id), input.id);
    stack.push(...s.prefetch);
  }
  return [...out.values()];
}

/** The query requests of a read (those whose referenced points are borrowed). */
function requestsOf(read: PointRead): readonly QueryRequest[] {
  if (read.kind === 'query') return read.requests;
  if (read.kind === 'groups') return [read.request.query];
  return [];
}

/**
 * The searches a query fusing its prefetches at the root runs on every part, one per prefetch (under the root
 * filter, without the points the request references); undefined for any other query.
 */
function fusionSearches(req: QueryRequest): QueryRequest[] | undefined {
  const q = req.query;
  if (q === undefined || (q.kind !== 'rrf' && q.kind !== 'dbsf') || req.prefetch.length === 0) return undefined;
  const excluded = referencedIds([req]);
  return req.prefetch.map((p) => ({
    ...p,
    filter: excludeIds(andFilters(req.filter, p.filter), excluded),
    offset: 0,
    shardKeys: req.shardKeys,
    withPayload: req.withPayload,
    withVector: req.withVector,
  }));
}

/** Each prefetch's lists merged over the parts and cut to its limit, fused by position (rrf) or score (dbsf). */
function fuse(c: Collection, req: QueryRequest, searches: readonly QueryRequest[], lists: ReadonlyArray<readonly ScoredPoint[][]>): ScoredPoint[] {
  const q = req.query as Extract<QueryRequest['query'], { kind: 'rrf' | 'dbsf' }>;
  const points: ScoredPoint[] = [];
  const index = new Map<string, number>();
  const sources = searches.map((s, i) =>
    mergeOrdered(lists.map((part) => part[i] ?? []), resultOrder(c, s))
      .slice(0, s.limit)
      .map((point) => {
        let offset = index.get(keyOf(point.id));
        if (offset === undefined) {
          offset = points.length;
          index.set(keyOf(point.id), offset);
          points.push(point);
        }
        return { offset, score: point.orderValue === undefined ? point.score : Number(point.orderValue) };
      }),
  );
  const fused = q.kind === 'rrf' ? rrf(sources, q.k, q.weights) : dbsf(sources);
  const kept = fused.filter((e) => req.threshold === undefined || e.score >= req.threshold).slice(req.offset, req.offset + req.limit);
  return kept.map((e) => ({ ...points[e.offset]!, score: e.score }));
}

/** A group id as a point id (a group of another value has no lookup point). */
function pointIdOf(id: PointGroup['id']): PointId | undefined {
  try {
    return parsePointId(typeof id === 'bigint' ? Number(id) : id);
  } catch {
    return undefined;
  }
}

/** Orders the parts' samples by their first sampled id: the combined sample does not depend on which part answered first. */
function byFirstId(a: MatrixSample, b: MatrixSample): number {
  const x = a.points[0]?.id;
  const y = b.points[0]?.id;
  if (x === undefined || y === undefined) return (x === undefined ? 1 : 0) - (y === undefined ? 1 : 0);
  return comparePointIds(x, y);
}

/** One point read over this node's shards and the `remote` ones. */
class FannedRead {
  private readonly c: Collection;

  constructor(
    private readonly deps: ReadDeps,
    private readonly cluster: ClusterView,
    private readonly pass: CollectionPass,
    private readonly admission: ReadAdmission,
    private readonly remote: readonly number[],
  ) {
    // This node's segment holds only its shards: the read combines them with the others'.
    deps.toc.readHeldShards(pass);
    this.c = deps.toc.forRead(pass, admission);
  }

  private gather<R extends PointRead>(read: R, borrowed?: BorrowedPoints): Promise<Array<AnswerOf<R>>> {
    const { timeout, searches, strong } = this.admission;
    const peer: PeerRead = { collection: this.pass.collection, read, admit: { timeout, searches }, strong: strong === true, tenant: this.pass.tenant, borrowed };
    return this.cluster.gather(peer, this.remote) as Promise<Array<AnswerOf<R>>>;
  }

  /** This node's part and the other holders' parts of `read` (the requests go out before this node's part runs). */
  private async parts<R extends PointRead>(read: R, borrowed?: BorrowedPoints): Promise<Array<AnswerOf<R>>> {
    const others = this.gather(read, borrowed);
    // One turn of the event loop lets the requests leave the socket before this node's part holds the thread.
    const mine = new Promise<void>((resolve) => setImmediate(resolve)).then(() => runPointRead(envOf(this.deps, this.pass, this.c, borrowed), read));
    const [own, rest] = await Promise.all([mine, others]);
    return [own, ...rest];
  }

  async run<R extends PointRead>(given: R): Promise<AnswerOf<R>> {
    if (given.kind === 'matrix') return (await this.matrix(given.request)) as AnswerOf<R>;
    const read = await this.withLookups(given);
    const ids = referencedIds(requestsOf(read));
    const borrowed = ids.length === 0 ? undefined : await this.borrow(ids);
    if (read.kind === 'query') return (await this.queries(read.requests, read.single, borrowed)) as AnswerOf<R>;
    if (read.kind === 'groups') return (await this.lookup(read.request, await this.groups(read.request, borrowed))) as AnswerOf<R>;
    const merged = read as PointRead as MergedRead;
    return mergeParts(merged, await this.parts(merged, borrowed)) as AnswerOf<R>;
  }

  /** `read` with the points its `lookup_from`s name replaced by their vectors, read here (`lookup-inputs.ts`). */
  private async withLookups<R extends PointRead>(read: R): Promise<R> {
    const r: PointRead = read;
    if (r.kind === 'query' && hasLookups(r.requests)) return { ...r, requests: await this.resolveLookups(r.requests) } as PointRead as R;
    if (r.kind === 'groups' && hasLookups([r.request.query])) {
      const [query] = await this.resolveLookups([r.request.query]);
      return { ...r, request: { ...r.request, query: query! } } as PointRead as R;
    }
    return read;
  }

  private resolveLookups(requests: readonly QueryRequest[]): Promise<QueryRequest[]> {
    return resolveLookups(
      requests,
      (location) => this.pass.lookup(location.collection).collection === this.pass.collection,
      async (location, vector, ids) => {
        const pass = this.pass.lookup(location.collection);
        spaceOf(this.deps.toc.get(pass), vector);
        const read: PointRead = { kind: 'retrieve', ids, options: { withPayload: { kind: 'none' }, withVector: { kind: 'names', names: [vector] } }, shardKeys: location.shardKeys };
        return new Map((await readPoints(this.deps, pass, read, { timeout: this.admission.timeout, strong: this.admission.strong })).map((p) => [keyOf(p.id), p.vectors?.get(vector)]));
      },
    );
  }

  /**
   * Groups over the whole collection, as Qdrant groups at the collection level: the query (over the points having
   * the field) runs on every part with a growing limit, and the merged hits are grouped here, until the best
   * `limit` groups are full or the candidates run out.
   */
  private async groups(req: GroupsRequest, borrowed: BorrowedPoints | undefined): Promise<PointGroup[]> {
    admitGroups(envOf(this.deps, this.pass, this.c), req);
    const order = resultOrder(this.c, req.query) === 'asc' ? 'smaller' : 'larger';
    // Every hit's payload, for its group values; cut to what the request selects once the groups are made.
    const base: QueryRequest = { ...req.query, filter: andFilters(req.query.filter, hasField(req.groupBy)), offset: 0, withPayload: { kind: 'all' } };
    for (let limit = Math.max(1, req.limit * req.groupSize); ; limit *= 2) {
      // As a query of its own: a root fusion fuses the whole collection's prefetch results here too.
      const [hits = []] = await this.queries([{ ...base, limit }], false, borrowed);
      const groups = new GroupAggregator<ScoredPoint>(req, order, (p) => keyOf(p.id));
      for (const h of hits) groups.add(h, valuesAt(h.payload, req.groupBy));
      if (hits.length < limit || groups.bestAreFull()) {
        return groups.distill().map((g) => ({ id: g.id, hits: g.hits.map((h) => ({ ...h, payload: selectPayload(h.payload, req.query.withPayload) })) }));
      }
    }
  }

  /**
   * The vectors of the points `ids`, from this node's shards and the others' (through a fanned-out retrieve under
   * the same tenant filter: a point the client cannot read is not found, as on one node).
   */
  private async borrow(ids: readonly PointId[]): Promise<BorrowedPoints> {
    const read: PointRead = { kind: 'retrieve', ids, options: { withPayload: { kind: 'none' }, withVector: { kind: 'all' } }, shardKeys: undefined };
    const records = (await this.parts(read)).flat();
    return new Map(records.map((r) => [r.id, r.vectors ?? new Map()]));
  }

  /** A batch of queries: one batch on every part, a fused entry's prefetches as searches of it. */
  private async queries(requests: readonly QueryRequest[], single: boolean, borrowed: BorrowedPoints | undefined): Promise<ScoredPoint[][]> {
    const fusions = requests.map(fusionSearches);
    const plan = requests.map((req, i) => fusions[i] ?? [widenQuery(req)]);
    const batch = plan.flat();
    const parts = await this.parts({ kind: 'query', requests: batch, single: single && batch.length === 1 }, borrowed);
    let first = 0;
    return requests.map((req, i) => {
      const searches = plan[i]!;
      const lists = parts.map((part) => part.slice(first, first + searches.length));
      first += searches.length;
      const fusion = fusions[i];
      if (fusion === undefined) return mergeQuery(this.c, req, lists.map((l) => l[0] ?? []));
      return fuse(this.c, req, fusion, lists);
    });
  }

  /**
   * The merged groups with their `with_lookup` point, looked up here once (a retrieve of the group ids in the
   * lookup collection, itself fanned out when this node holds only some of its shards).
   */
  private async lookup(request: GroupsRequest, groups: PointGroup[]): Promise<PointGroup[]> {
    const spec = request.withLookup;
    if (spec === undefined) return groups;
    const ids = new Map(groups.flatMap((g) => {
      const id = pointIdOf(g.id);
      return id === undefined ? [] : [[keyOf(g.id), id] as const];
    }));
    const read: PointRead = { kind: 'retrieve', ids: [...ids.values()], options: { withPayload: spec.withPayload, withVector: spec.withVector }, shardKeys: undefined };
    const found = new Map((await readPoints(this.deps, this.pass.lookup(spec.collection), read)).map((r) => [keyOf(r.id), r]));
    return groups.map((g) => {
      const id = ids.get(keyOf(g.id));
      const lookup = id === undefined ? undefined : found.get(keyOf(id));
      return lookup === undefined ? g : { ...g, lookup };
    });
  }

  /** Every part's sample, combined into one sample of the collection; the matrix computed here. */
  private async matrix(request: MatrixRequest): Promise<Matrix> {
    admitMatrix(envOf(this.deps, this.pass, this.c), request);
    const parts = (await this.parts({ kind: 'matrix_sample', request })).sort(byFirstId);
    const random = seededRandom(hashSeed(`${this.c.uuid}:${request.seed}`));
    return matrixOfSample(this.c, request, combineSamples(parts, request.sample, random));
  }
}

/** The shards of a peer read as a filter: points in one of them. */
function shardFilter(scope: PeerReadScope): Filter {
  return { must: null, should: scope.shards.map((index) => ({ kind: 'slice', index, total: scope.total })), mustNot: null, minShould: null };
}

/** Answers the point reads other nodes send here, for the shards this node holds (distributed mode). */
export function servePeerReads(deps: ReadDeps): void {
  const cluster = deps.cluster;
  cluster?.serveReads(async (peer, scope) => {
    // This node's segment holds only the shards it holds: when it was asked for all of them, no filter is needed.
    const pass = peerReadPass(PEER_OPERATION[peer.read.kind], peer.collection, scope.whole ? peer.tenant : andFilters(peer.tenant, shardFilter(scope)));
    deps.toc.readHeldShards(pass);
    if (peer.strong) await cluster.readBarrier(peer.collection);
    return runPointRead(envOf(deps, pass, deps.toc.forRead(pass, peer.admit), peer.borrowed), peer.read);
  });
}
