/**
 * Query API routes: `…/points/query`, `…/points/query/batch` and `…/points/query/groups`. Bodies are
 * parsed into engine requests (parse/query-request.ts), run by src/collection/query/run.ts and
 * presented as Qdrant's wire shapes (present/points.ts).
 */
import { route, type RouteRow, type CollectionContext } from '../route-table.js';
import { queryAsync, queryBatch, queryGroups, type QueryEnv } from '../../../collection/query/run.js';
import { batchOf, parseQueryGroupsRequest, parseQueryRequest } from '../parse/query-request.js';
import { groupsToWire, scoredPointsToWire } from '../present/points.js';
import { readCollection } from './points.js';

/** The collection of the route and access to the collections its body names (checked by authorize()). */
export function queryEnv(ctx: CollectionContext, searches = 1): QueryEnv {
  const c = readCollection(ctx, searches);
  return { c, resolve: (name) => ctx.deps.toc.get(ctx.pass.lookup(name)), borrowed: ctx.borrowed };
}

/** The Query API routes. */
export const queryRoutes: RouteRow[] = [
  route('POST', '/collections/{collection_name}/points/query', 'query_points', async (ctx) => ({ points: scoredPointsToWire(await queryAsync(queryEnv(ctx), parseQueryRequest(ctx.body))) })),
  route('POST', '/collections/{collection_name}/points/query/batch', 'query_batch_points', (ctx) => {
    const searches = batchOf(ctx.body);
    const env = queryEnv(ctx, searches.length);
    return queryBatch(env, searches.map((s) => parseQueryRequest(s))).map((points) => ({ points: scoredPointsToWire(points) }));
  }),
  route('POST', '/collections/{collection_name}/points/query/groups', 'query_points_groups', (ctx) => groupsToWire(queryGroups(queryEnv(ctx), parseQueryGroupsRequest(ctx.body)))),
];
