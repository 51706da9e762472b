/**
 * Query API routes: `…/points/query`, `…/points/query/batch` and `…/points/query/groups`. Bodies are
 * parsed into engine requests (parse/query-request.ts), run by src/service/fanned-reads.ts (the engine's query
 * family, over every shard in distributed mode) and presented as Qdrant's wire shapes (present/points.ts).
 */
import { route, type RouteRow } from '../route-table.js';
import { batchOf, parseQueryGroupsRequest, parseQueryRequest } from '../parse/query-request.js';
import { groupsToWire, scoredPointsToWire } from '../present/points.js';
import { readPointsOf } from './points.js';

/** The Query API routes. */
export const queryRoutes: RouteRow[] = [
  route('POST', '/collections/{collection_name}/points/query', 'query_points', async (ctx) => {
    const [points] = await readPointsOf(ctx, { kind: 'query', requests: [parseQueryRequest(ctx.body)], single: true });
    return { points: scoredPointsToWire(points!) };
  }),
  route('POST', '/collections/{collection_name}/points/query/batch', 'query_batch_points', async (ctx) => {
    const searches = batchOf(ctx.body);
    const answers = await readPointsOf(ctx, { kind: 'query', requests: searches.map((s) => parseQueryRequest(s)), single: false }, searches.length);
    return answers.map((points) => ({ points: scoredPointsToWire(points) }));
  }),
  route('POST', '/collections/{collection_name}/points/query/groups', 'query_points_groups', async (ctx) => groupsToWire(await readPointsOf(ctx, { kind: 'groups', request: parseQueryGroupsRequest(ctx.body) }))),
];
