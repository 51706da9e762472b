/**
 * `qdrant.Points`: every RPC on the engine (src/collection): writes as typed point operations through
 * `Collection.update`, reads through retrieve / scroll / count / facet, searches through `executeQuery`.
 */
import type { Collection } from '../../../collection/collection.js';
import type { PointOperation } from '../../../collection/operation.js';
import type { ReadOptions } from '../../../collection/types.js';
import { withWaitTimeout } from '../../../collection/wait-timeout.js';
import { vectorNameAddition } from '../../collection-config.js';
import type { QueryRequest } from '../../../collection/query/types.js';
import { readPoints } from '../../../service/fanned-reads.js';
import type { AnswerOf, PointRead } from '../../../service/point-read.js';
import type { PointsHandlers } from '../generated/qdrant/Points.js';
import type * as M from '../generated/messages.js';
import { collectionPass, type Impls, type RpcContext } from '../call.js';
import { bad, count, optionalCount, payloadSelector, pointIds, pointsSelector, shardKeys, strongConsistency, updateMode, vectorSelector, writeShardKey } from '../parse/common.js';
import { optionalFilter } from '../parse/filter.js';
import { jsonMap } from '../parse/value.js';
import { namedVectors } from '../parse/vectors.js';
import { discoverRoot, groupsRequest, matrixRequest, queryRoot, recommendRoot, scrollRequest, searchRoot, withSelectors } from '../parse/query.js';
import { groupsResult, matrixOffsets, matrixPairs, protoPointId, retrievedPoint, scoredPoint, updateResult } from '../present/points.js';
import { fieldIndexSchema, vectorNameConfig } from '../parse/collection.js';
import { accessOfQuery, accessOfBatch } from './access-body.js';

function collectionOf(ctx: RpcContext): Collection {
  return ctx.deps.toc.get(collectionPass(ctx));
}

/** A request's `timeout` (seconds), limited by strict mode. */
type Timed = { readonly timeout?: string | number | null | undefined };

/** A read request's `timeout` and `read_consistency`. */
type ReadMessage = Timed & { readonly read_consistency?: M.ReadConsistency__Output | null | undefined };

/**
 * Runs a point read of `searches` searches, admitted by strict mode and the read rate limit (with the request's
 * `timeout`); in distributed mode over every shard. A `read_consistency` above one replica first waits until this
 * node's replicas applied everything stored (and so do the nodes answering for other shards).
 */
async function readOf<R extends PointRead>(ctx: RpcContext, m: ReadMessage, read: R, searches = 1): Promise<AnswerOf<R>> {
  const pass = collectionPass(ctx);
  const strong = strongConsistency(m.read_consistency);
  if (strong && ctx.deps.cluster !== undefined) await ctx.deps.cluster.readBarrier(pass.collection);
  return readPoints(ctx.deps, pass, read, { timeout: optionalCount(m.timeout, 'timeout'), searches, strong });
}

/** A single query-like read (search, recommend, discover, query): its points. */
async function single(ctx: RpcContext, m: ReadMessage, request: QueryRequest): Promise<M.ScoredPoint[]> {
  const [points] = await readOf(ctx, m, { kind: 'query', requests: [request], single: true });
  return points!.map(scoredPoint);
}

/** A batch of query-like reads: one `BatchResult` per request. */
async function batch(ctx: RpcContext, m: ReadMessage, requests: QueryRequest[]): Promise<M.BatchResult[]> {
  const answers = await readOf(ctx, m, { kind: 'query', requests, single: false }, requests.length);
  return answers.map((r) => ({ result: r.map(scoredPoint) }));
}

function readOptions(p: M.WithPayloadSelector__Output | undefined | null, v: M.WithVectorsSelector__Output | undefined | null): ReadOptions {
  return { withPayload: payloadSelector(p, true), withVector: vectorSelector(v, false) };
}

/**
 * Applies a point write. With `wait` and a `timeout` (seconds), a write that outlasts the timeout is answered
 * `WaitTimeout` (OK status, as Qdrant's gRPC converts its `UpdateStatus::WaitTimeout`) and goes on.
 */
async function write(ctx: RpcContext, m: Timed & { readonly wait?: boolean | null }, build: (c: Collection) => PointOperation[]): Promise<{ result: M.UpdateResult; list: readonly PointOperation[] }> {
  const timeout = optionalCount(m.timeout, 'timeout');
  const { c, ops } = await ctx.deps.toc.forWrite(collectionPass(ctx), { timeout }, build);
  ctx.deps.quotas.checkWrite();
  const wait = m.wait === true;
  const pending = c.update(ops, wait);
  if (!wait || timeout === undefined) return { result: updateResult(await pending), list: ops };
  const answer = await withWaitTimeout(pending, timeout * 1000, (err) => ctx.deps.log.error('a write answered with WaitTimeout failed', err));
  return { result: updateResult(answer), list: ops };
}

function pointIdOf(id: M.PointId__Output | undefined, where: string): M.PointId__Output {
  if (id === undefined) throw bad(`${where}: point id is required`);
  return id;
}

function upsertOp(c: Collection, points: readonly M.PointStruct__Output[] | undefined, mode: string | undefined, sk: M.ShardKeySelector__Output | null | undefined, filter: M.Filter__Output | null | undefined): PointOperation {
  const shardKey = writeShardKey(sk);
  const updateFilter = optionalFilter(filter, 'update_filter');
  return {
    type: 'upsert',
    points: (points ?? []).map((p, i) => ({
      id: pointIds([pointIdOf(p.id, `points[${i}].id`)], `points[${i}].id`)[0]!,
      vectors: namedVectors(p.vectors, c.schema, `points[${i}].vectors`),
      payload: jsonMap(p.payload, `points[${i}].payload`),
    })),
    mode: updateMode(mode),
    ...(updateFilter === undefined ? {} : { updateFilter }),
    ...(shardKey === undefined ? {} : { shardKey }),
  };
}

function setPayloadOp(m: { payload?: Record<string, M.Value__Output>; points_selector?: M.PointsSelector__Output | null; key?: string }, overwrite: boolean): PointOperation {
  const selector = pointsSelector(m.points_selector, 'points_selector');
  const payload = jsonMap(m.payload, 'payload');
  if (overwrite) return { type: 'overwrite_payload', selector, payload };
  return m.key === undefined ? { type: 'set_payload', selector, payload } : { type: 'set_payload', selector, payload, key: m.key };
}

function updateVectorsOp(c: Collection, points: readonly M.PointVectors__Output[] | undefined, filter: M.Filter__Output | null | undefined): PointOperation {
  const updateFilter = optionalFilter(filter, 'update_filter');
  return {
    type: 'update_vectors',
    points: (points ?? []).map((p, i) => ({ id: pointIds([pointIdOf(p.id, `points[${i}].id`)], `points[${i}].id`)[0]!, vectors: namedVectors(p.vectors, c.schema, `points[${i}].vectors`) })),
    ...(updateFilter === undefined ? {} : { updateFilter }),
  };
}

function batchOp(c: Collection, o: M.PointsUpdateOperation__Output, i: number): PointOperation {
  const where = `operations[${i}]`;
  switch (o.operation) {
    case 'upsert':
      return upsertOp(c, o.upsert?.points, o.upsert?.update_mode ?? undefined, o.upsert?.shard_key_selector, o.upsert?.update_filter);
    case 'delete_points':
      return { type: 'delete', selector: pointsSelector(o.delete_points?.points, `${where}.delete_points.points`) };
    case 'delete_deprecated':
      return { type: 'delete', selector: pointsSelector(o.delete_deprecated, `${where}.delete`) };
    case 'set_payload':
      return setPayloadOp(o.set_payload ?? {}, false);
    case 'overwrite_payload':
      return setPayloadOp(o.overwrite_payload ?? {}, true);
    case 'delete_payload':
      return { type: 'delete_payload', selector: pointsSelector(o.delete_payload?.points_selector, `${where}.delete_payload.points_selector`), keys: [...(o.delete_payload?.keys ?? [])] };
    case 'clear_payload':
      return { type: 'clear_payload', selector: pointsSelector(o.clear_payload?.points, `${where}.clear_payload.points`) };
    case 'clear_payload_deprecated':
      return { type: 'clear_payload', selector: pointsSelector(o.clear_payload_deprecated, `${where}.clear_payload`) };
    case 'update_vectors':
      return updateVectorsOp(c, o.update_vectors?.points, o.update_vectors?.update_filter);
    case 'delete_vectors':
      return { type: 'delete_vectors', selector: pointsSelector(o.delete_vectors?.points_selector, `${where}.delete_vectors.points_selector`), names: [...(o.delete_vectors?.vectors?.names ?? [])] };
    default:
      throw bad(`${where}: an operation is required`);
  }
}

const wrote = (r: { result: M.UpdateResult }): M.PointsOperationResponse => ({ result: r.result });

export const pointsService: Impls<PointsHandlers> = {
  Upsert: { run: async (m, ctx) => wrote(await write(ctx, m, (c) => [upsertOp(c, m.points, m.update_mode ?? undefined, m.shard_key_selector, m.update_filter)])) },
  Delete: { run: async (m, ctx) => wrote(await write(ctx, m, () => [{ type: 'delete', selector: pointsSelector(m.points, 'points') }])) },
  Get: {
    run: async (m, ctx) => {
      const read: PointRead = { kind: 'retrieve', ids: pointIds(m.ids, 'ids'), options: readOptions(m.with_payload, m.with_vectors), shardKeys: shardKeys(m.shard_key_selector) };
      return { result: (await readOf(ctx, m, read)).map(retrievedPoint) };
    },
  },
  UpdateVectors: { run: async (m, ctx) => wrote(await write(ctx, m, (c) => [updateVectorsOp(c, m.points, m.update_filter)])) },
  DeleteVectors: {
    run: async (m, ctx) => wrote(await write(ctx, m, () => [{ type: 'delete_vectors', selector: pointsSelector(m.points_selector, 'points_selector'), names: [...(m.vectors?.names ?? [])] }])),
  },
  SetPayload: { run: async (m, ctx) => wrote(await write(ctx, m, () => [setPayloadOp(m, false)])) },
  OverwritePayload: { run: async (m, ctx) => wrote(await write(ctx, m, () => [setPayloadOp(m, true)])) },
  DeletePayload: {
    run: async (m, ctx) => wrote(await write(ctx, m, () => [{ type: 'delete_payload', selector: pointsSelector(m.points_selector, 'points_selector'), keys: [...(m.keys ?? [])] }])),
  },
  ClearPayload: { run: async (m, ctx) => wrote(await write(ctx, m, () => [{ type: 'clear_payload', selector: pointsSelector(m.points, 'points') }])) },
  UpdateBatch: {
    run: async (m, ctx) => {
      const { result, list } = await write(ctx, m, (c) => (m.operations ?? []).map((o, i) => batchOp(c, o, i)));
      // Qdrant answers one UpdateResult per operation; Quiver applies them atomically in one commit.
      return { result: list.map(() => result) };
    },
  },
  CreateFieldIndex: {
    run: async (m, ctx) => {
      const c = collectionOf(ctx);
      const field = m.field_name ?? '';
      if (field === '') throw bad('field_name: must not be empty');
      const schema = fieldIndexSchema(m.field_type ?? undefined, m.field_index_params);
      await ctx.deps.toc.createPayloadIndex(collectionPass(ctx), field, schema);
      return { result: { operation_id: c.lastOperationId, status: m.wait === true ? 'Completed' : 'Acknowledged' } };
    },
  },
  DeleteFieldIndex: {
    run: async (m, ctx) => {
      const c = collectionOf(ctx);
      await ctx.deps.toc.deletePayloadIndex(collectionPass(ctx), m.field_name ?? '');
      return { result: { operation_id: c.lastOperationId, status: m.wait === true ? 'Completed' : 'Acknowledged' } };
    },
  },
  CreateVectorName: {
    run: async (m, ctx) => {
      const c = collectionOf(ctx);
      await ctx.deps.toc.changeConfig(collectionPass(ctx), vectorNameAddition(m.vector_name ?? '', vectorNameConfig(m)));
      return { result: { operation_id: c.lastOperationId, status: m.wait === true ? 'Completed' : 'Acknowledged' } };
    },
  },
  DeleteVectorName: {
    run: async (m, ctx) => {
      const c = collectionOf(ctx);
      await ctx.deps.toc.deleteVectorName(collectionPass(ctx), m.vector_name ?? '');
      return { result: { operation_id: c.lastOperationId, status: m.wait === true ? 'Completed' : 'Acknowledged' } };
    },
  },
  Search: { run: async (m, ctx) => ({ result: await single(ctx, m, withSelectors(searchRoot(m), m)) }) },
  SearchBatch: { run: async (m, ctx) => ({ result: await batch(ctx, m, (m.search_points ?? []).map((s) => withSelectors(searchRoot(s), s))) }) },
  SearchGroups: {
    run: async (m, ctx) => ({ result: groupsResult(await readOf(ctx, m, { kind: 'groups', request: groupsRequest(m, withSelectors(searchRoot(m), m)) })) }),
    accessBody: (m) => accessOfQuery({ with_lookup: m.with_lookup }),
  },
  Scroll: {
    run: async (m, ctx) => {
      const page = await readOf(ctx, m, { kind: 'scroll', request: scrollRequest(m), options: readOptions(m.with_payload, m.with_vectors) });
      const out: M.ScrollResponse = { result: page.points.map(retrievedPoint) };
      if (page.nextPageOffset !== null) out.next_page_offset = protoPointId(page.nextPageOffset);
      return out;
    },
  },
  Recommend: { run: async (m, ctx) => ({ result: await single(ctx, m, withSelectors(recommendRoot(m), m)) }), accessBody: (m) => accessOfQuery(m) },
  RecommendBatch: {
    run: async (m, ctx) => ({ result: await batch(ctx, m, (m.recommend_points ?? []).map((s) => withSelectors(recommendRoot(s), s))) }),
    accessBody: (m) => accessOfBatch(m.recommend_points),
  },
  RecommendGroups: {
    run: async (m, ctx) => ({ result: groupsResult(await readOf(ctx, m, { kind: 'groups', request: groupsRequest(m, withSelectors(recommendRoot(m), m)) })) }),
    accessBody: (m) => accessOfQuery(m),
  },
  Discover: { run: async (m, ctx) => ({ result: await single(ctx, m, withSelectors(discoverRoot(m), m)) }), accessBody: (m) => accessOfQuery(m) },
  DiscoverBatch: {
    run: async (m, ctx) => ({ result: await batch(ctx, m, (m.discover_points ?? []).map((s) => withSelectors(discoverRoot(s), s))) }),
    accessBody: (m) => accessOfBatch(m.discover_points),
  },
  Count: {
    run: async (m, ctx) => ({ result: { count: await readOf(ctx, m, { kind: 'count', filter: optionalFilter(m.filter), shardKeys: shardKeys(m.shard_key_selector), exact: m.exact !== false }) } }),
  },
  Query: { run: async (m, ctx) => ({ result: await single(ctx, m, withSelectors(queryRoot(m), m)) }), accessBody: (m) => accessOfQuery(m) },
  QueryBatch: {
    run: async (m, ctx) => ({ result: await batch(ctx, m, (m.query_points ?? []).map((q, i) => withSelectors(queryRoot(q, `query_points[${i}]`), q))) }),
    accessBody: (m) => accessOfBatch(m.query_points),
  },
  QueryGroups: {
    run: async (m, ctx) => ({ result: groupsResult(await readOf(ctx, m, { kind: 'groups', request: groupsRequest(m, withSelectors(queryRoot(m), m)) })) }),
    accessBody: (m) => accessOfQuery(m),
  },
  Facet: {
    run: async (m, ctx) => {
      const limit = m.limit === undefined || m.limit === null ? undefined : count(m.limit, 10, 1, 'limit');
      const { hits } = await readOf(ctx, m, { kind: 'facet', request: { key: m.key ?? '', limit, filter: optionalFilter(m.filter), shardKeys: shardKeys(m.shard_key_selector), exact: m.exact ?? undefined } });
      return {
        hits: hits.map((h) => ({
          value: typeof h.value === 'string' ? { string_value: h.value } : typeof h.value === 'boolean' ? { bool_value: h.value } : { integer_value: typeof h.value === 'bigint' ? h.value.toString() : (h.value as number) },
          count: h.count,
        })),
      };
    },
  },
  SearchMatrixPairs: { run: async (m, ctx) => ({ result: matrixPairs(await readOf(ctx, m, { kind: 'matrix', request: matrixRequest(m, JSON.stringify(m)) })) }) },
  SearchMatrixOffsets: { run: async (m, ctx) => ({ result: matrixOffsets(await readOf(ctx, m, { kind: 'matrix', request: matrixRequest(m, JSON.stringify(m)) })) }) },
};
