/** Point routes: retrieve, upsert, delete, vectors, payload, batch, scroll, count, facet. */
import { route, type RouteRow, type HandlerContext, type CollectionContext } from '../route-table.js';
import { AppError, badInput } from '../../../errors.js';
import type { Collection, PointOperation } from '../../../collection/collection.js';
import { parsePointId } from '../../../storage/point-id.js';
import * as ops from '../../../collection/operations.js';
import { readShardKeys } from '../../../collection/operations.js';
import { count, optionalFilter, parsePayloadSelector, parseScroll, parseVectorSelector, retrieve, scroll, type RecordOptions } from '../../../collection/read.js';
import { isCustomSharding } from '../../../collection/config.js';
import type { ShardKey } from '../../../collection/types.js';

export function collectionOf(ctx: CollectionContext): Collection {
  return ctx.deps.toc.get(ctx.pass);
}

/** The result of a structural update (index, vector name): the collection's last operation id. */
export function updateResult(c: Collection, ctx: HandlerContext): { operation_id: number; status: string } {
  return { operation_id: c.lastOperationId, status: ctx.query['wait'] === true ? 'completed' : 'acknowledged' };
}

export function recordOptions(c: Collection, body: Record<string, unknown>, payloadDefault: boolean, vectorDefault: boolean): RecordOptions {
  return {
    withPayload: parsePayloadSelector(body['with_payload'], payloadDefault),
    withVector: parseVectorSelector(body['with_vector'], vectorDefault),
    showShardKey: isCustomSharding(c.config),
  };
}

/** Read restriction to shard keys, checking that they exist. */
export function shardKeysFor(c: Collection, v: unknown): ShardKey[] | undefined {
  const keys = readShardKeys(v);
  if (keys !== undefined) for (const k of keys) if (!c.info.shardKeys.includes(k)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(k)]);
  return keys;
}

async function write(ctx: CollectionContext, parse: (body: Record<string, unknown>, c: Collection) => PointOperation[]): Promise<unknown> {
  const c = collectionOf(ctx);
  const list = parse(ctx.body, c);
  for (const k of ops.shardKeysOf(list)) if (!c.info.shardKeys.includes(k)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(k)]);
  if (isCustomSharding(c.config) && c.info.shardKeys.length > 0) {
    for (const op of list) if (op.type === 'upsert' && op.shardKey === undefined) throw badInput('Shard key is required for upsert into a collection with custom sharding');
  }
  ctx.deps.quotas.checkWrite();
  return c.update(list, ctx.query['wait'] === true);
}

export const pointRoutes: RouteRow[] = [
  route('GET', '/collections/{collection_name}/points/{id}', 'get_point', (ctx) => {
    const c = collectionOf(ctx);
    const raw = ctx.params['id']!;
    const id = parsePointId(/^\d+$/.test(raw) ? Number(raw) : raw);
    const found = retrieve(c, [id], recordOptions(c, {}, true, true));
    if (found.length === 0) throw new AppError('POINT_NOT_FOUND', [String(id)]);
    return found[0];
  }),
  route('POST', '/collections/{collection_name}/points', 'get_points', (ctx) => {
    const c = collectionOf(ctx);
    const ids = ctx.body['ids'];
    if (!Array.isArray(ids)) throw badInput('ids: missing field `ids`');
    return retrieve(c, ids.map((x) => parsePointId(x)), recordOptions(c, ctx.body, true, false), shardKeysFor(c, ctx.body['shard_key']));
  }),
  route('PUT', '/collections/{collection_name}/points', 'upsert_points', (ctx) => write(ctx, (b, c) => [ops.parseUpsert(b, c.schema)])),
  route('POST', '/collections/{collection_name}/points/delete', 'delete_points', (ctx) => write(ctx, (b) => [ops.parseDelete(b)])),
  route('PUT', '/collections/{collection_name}/points/vectors', 'update_vectors', (ctx) => write(ctx, (b, c) => [ops.parseUpdateVectors(b, c.schema)])),
  route('POST', '/collections/{collection_name}/points/vectors/delete', 'delete_vectors', (ctx) => write(ctx, (b) => [ops.parseDeleteVectors(b)])),
  route('POST', '/collections/{collection_name}/points/payload', 'set_payload', (ctx) => write(ctx, (b) => [ops.parseSetPayload(b, false)])),
  route('PUT', '/collections/{collection_name}/points/payload', 'overwrite_payload', (ctx) => write(ctx, (b) => [ops.parseSetPayload(b, true)])),
  route('POST', '/collections/{collection_name}/points/payload/delete', 'delete_payload', (ctx) => write(ctx, (b) => [ops.parseDeletePayload(b)])),
  route('POST', '/collections/{collection_name}/points/payload/clear', 'clear_payload', (ctx) => write(ctx, (b) => [ops.parseClear(b)])),
  route('POST', '/collections/{collection_name}/points/batch', 'batch_update', async (ctx) => {
    const c = collectionOf(ctx);
    const list = ops.parseBatch(ctx.body, c.schema);
    // Qdrant answers a batch with one UpdateResult per operation; Quiver applies them atomically in one commit.
    const result = await write(ctx, () => list);
    return list.map(() => result);
  }),
  route('POST', '/collections/{collection_name}/points/scroll', 'scroll_points', (ctx) => {
    const c = collectionOf(ctx);
    const req = { ...parseScroll(ctx.body), shardKeys: shardKeysFor(c, ctx.body['shard_key']) };
    return scroll(c, req, recordOptions(c, ctx.body, true, false));
  }),
  route('POST', '/collections/{collection_name}/points/count', 'count_points', (ctx) => {
    const c = collectionOf(ctx);
    return { count: count(c, optionalFilter(ctx.body['filter']), shardKeysFor(c, ctx.body['shard_key'])) };
  }),
  route('POST', '/collections/{collection_name}/facet', 'facet', (ctx) => {
    const c = collectionOf(ctx);
    const key = ctx.body['key'];
    if (typeof key !== 'string') throw badInput('key: missing field `key`');
    const limit = typeof ctx.body['limit'] === 'number' ? ctx.body['limit'] : 10;
    const filter = optionalFilter(ctx.body['filter']);
    const shardKeys = shardKeysFor(c, ctx.body['shard_key']);
    return c.facet(key, limit, filter, shardKeys);
  }),
];
