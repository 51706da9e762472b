/** Point routes: retrieve, upsert, delete, vectors, payload, batch, scroll, count, facet. */
import { route, type RouteRow, type HandlerContext, type CollectionContext } from '../route-table.js';
import { AppError } from '../../../errors.js';
import type { Collection } from '../../../collection/collection.js';
import type { PointOperation } from '../../../collection/operation.js';
import { readPoints } from '../../../service/fanned-reads.js';
import type { AnswerOf, PointRead } from '../../../service/point-read.js';
import { isStrongConsistency } from '../../../service/cluster-view.js';
import * as parse from '../parse/point-operations.js';
import { ScannedUpsert } from '../parse/upsert-scan.js';
import { optionalFilter, parseReadOptions, readShardKeys } from '../parse/selectors.js';
import { recordToWire, scrollToWire, updateResultToWire } from '../present/points.js';
import { withWaitTimeout } from '../../../collection/wait-timeout.js';

type Obj = Record<string, unknown>;

export function collectionOf(ctx: CollectionContext): Collection {
  return ctx.deps.toc.get(ctx.pass);
}

/** The request's `timeout` query parameter (seconds), which strict mode limits. */
function timeoutOf(ctx: HandlerContext): number | undefined {
  const t = ctx.query['timeout'];
  return typeof t === 'number' ? t : undefined;
}

/**
 * Runs a point read of `searches` searches, admitted by strict mode and the read rate limit (with the request's
 * `timeout`); in distributed mode over every shard, the others' read with the request's `consistency`.
 */
export function readPointsOf<R extends PointRead>(ctx: CollectionContext, read: R, searches = 1): Promise<AnswerOf<R>> {
  return readPoints(ctx.deps, ctx.pass, read, { timeout: timeoutOf(ctx), searches, strong: isStrongConsistency(ctx.query['consistency']) });
}

/** The result of a structural update (index, vector name): the collection's last operation id. */
export function updateResult(c: Collection, ctx: HandlerContext): { operation_id?: number | null; status: string } {
  return updateResultToWire({ operationId: c.lastOperationId, status: ctx.query['wait'] === true ? 'completed' : 'acknowledged' });
}

async function write(ctx: CollectionContext, parseOps: (body: Obj, c: Collection) => readonly PointOperation[] | Promise<readonly PointOperation[]>): Promise<ReturnType<typeof updateResultToWire>> {
  const { c, ops: list } = await ctx.deps.toc.forWrite(ctx.pass, { timeout: timeoutOf(ctx) }, (col) => parseOps(ctx.body, col));
  ctx.deps.quotas.checkWrite();
  const wait = ctx.query['wait'] === true;
  const pending = c.update(list, wait);
  const timeout = ctx.query['timeout'];
  if (!wait || typeof timeout !== 'number') return updateResultToWire(await pending);
  const log = ctx.request.log;
  return updateResultToWire(await withWaitTimeout(pending, timeout * 1000, (err) => log.error({ err }, 'a write answered with wait_timeout failed')));
}

export const pointRoutes: RouteRow[] = [
  route('GET', '/collections/{collection_name}/points/{id}', 'get_point', async (ctx) => {
    const id = parse.parsePathPointId(ctx.params['id']!);
    const found = await readPointsOf(ctx, { kind: 'retrieve', ids: [id], options: { withPayload: { kind: 'all' }, withVector: { kind: 'all' } }, shardKeys: undefined });
    if (found.length === 0) throw new AppError('POINT_NOT_FOUND', [String(id)]);
    return recordToWire(found[0]!);
  }),
  route('POST', '/collections/{collection_name}/points', 'get_points', async (ctx) => {
    const ids = parse.parseRetrieveIds(ctx.body);
    const read: PointRead = { kind: 'retrieve', ids, options: parseReadOptions(ctx.body, true, false), shardKeys: readShardKeys(ctx.body['shard_key']) };
    return (await readPointsOf(ctx, read)).map(recordToWire);
  }),
  route('PUT', '/collections/{collection_name}/points', 'upsert_points', (ctx) =>
    write(ctx, async (b, c) => [b instanceof ScannedUpsert ? await parse.parseScannedUpsert(b, c.schema) : await parse.parseUpsertInSlices(b, c.schema)]),
  ),
  route('POST', '/collections/{collection_name}/points/delete', 'delete_points', (ctx) => write(ctx, (b) => [parse.parseDelete(b)])),
  route('PUT', '/collections/{collection_name}/points/vectors', 'update_vectors', (ctx) => write(ctx, (b, c) => [parse.parseUpdateVectors(b, c.schema)])),
  route('POST', '/collections/{collection_name}/points/vectors/delete', 'delete_vectors', (ctx) => write(ctx, (b) => [parse.parseDeleteVectors(b)])),
  route('POST', '/collections/{collection_name}/points/payload', 'set_payload', (ctx) => write(ctx, (b) => [parse.parseSetPayload(b, false)])),
  route('PUT', '/collections/{collection_name}/points/payload', 'overwrite_payload', (ctx) => write(ctx, (b) => [parse.parseSetPayload(b, true)])),
  route('POST', '/collections/{collection_name}/points/payload/delete', 'delete_payload', (ctx) => write(ctx, (b) => [parse.parseDeletePayload(b)])),
  route('POST', '/collections/{collection_name}/points/payload/clear', 'clear_payload', (ctx) => write(ctx, (b) => [parse.parseClear(b)])),
  route('POST', '/collections/{collection_name}/points/batch', 'batch_update', async (ctx) => {
    const c = collectionOf(ctx);
    const list = parse.parseBatch(ctx.body, c.schema);
    // Qdrant answers a batch with one UpdateResult per operation; Quiver applies them atomically in one commit.
    const result = await write(ctx, () => list);
    return list.map(() => result);
  }),
  route('POST', '/collections/{collection_name}/points/scroll', 'scroll_points', async (ctx) =>
    scrollToWire(await readPointsOf(ctx, { kind: 'scroll', request: parse.parseScroll(ctx.body), options: parseReadOptions(ctx.body, true, false) })),
  ),
  route('POST', '/collections/{collection_name}/points/count', 'count_points', async (ctx) => {
    const read: PointRead = { kind: 'count', filter: optionalFilter(ctx.body['filter']), shardKeys: readShardKeys(ctx.body['shard_key']), exact: ctx.body['exact'] !== false };
    return { count: await readPointsOf(ctx, read) };
  }),
  route('POST', '/collections/{collection_name}/facet', 'facet', (ctx) => readPointsOf(ctx, { kind: 'facet', request: parse.parseFacet(ctx.body) })),
];
