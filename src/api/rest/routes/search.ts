/**
 * The legacy search family, still used by older clients: search, recommend and discover (each with a
 * batch form; search and recommend with groups) answering `ScoredPoint[]`, and the distance matrix.
 * Each request is translated into a query request (src/collection/query/legacy.ts).
 */
import { route, type RouteRow } from '../route-table.js';
import { discoverAsQuery, recommendAsQuery, searchAsQuery } from '../../../collection/query/legacy.js';
import { runGroups, runMatrix, runRoot } from '../../../collection/query/run.js';
import { batchOf, queryEnv } from './query.js';

const P = '/collections/{collection_name}/points';

/** The legacy search family and the distance matrix. */
export const searchRoutes: RouteRow[] = [
  route('POST', `${P}/search`, 'search_points', (ctx) => runRoot(queryEnv(ctx), searchAsQuery(ctx.body), ctx.body)),
  route('POST', `${P}/search/batch`, 'search_batch_points', (ctx) => {
    const env = queryEnv(ctx);
    return batchOf(ctx.body).map((s) => runRoot(env, searchAsQuery(s), s));
  }),
  route('POST', `${P}/search/groups`, 'search_point_groups', (ctx) => runGroups(queryEnv(ctx), searchAsQuery(ctx.body), ctx.body, 3)),
  route('POST', `${P}/recommend`, 'recommend_points', (ctx) => runRoot(queryEnv(ctx), recommendAsQuery(ctx.body), ctx.body)),
  route('POST', `${P}/recommend/batch`, 'recommend_batch_points', (ctx) => {
    const env = queryEnv(ctx);
    return batchOf(ctx.body).map((s) => runRoot(env, recommendAsQuery(s), s));
  }),
  route('POST', `${P}/recommend/groups`, 'recommend_point_groups', (ctx) => runGroups(queryEnv(ctx), recommendAsQuery(ctx.body), ctx.body, 3)),
  route('POST', `${P}/discover`, 'discover_points', (ctx) => runRoot(queryEnv(ctx), discoverAsQuery(ctx.body), ctx.body)),
  route('POST', `${P}/discover/batch`, 'discover_batch_points', (ctx) => {
    const env = queryEnv(ctx);
    return batchOf(ctx.body).map((s) => runRoot(env, discoverAsQuery(s), s));
  }),
  route('POST', `${P}/search/matrix/pairs`, 'search_matrix_pairs', (ctx) => runMatrix(queryEnv(ctx), ctx.body, 'pairs')),
  route('POST', `${P}/search/matrix/offsets`, 'search_matrix_offsets', (ctx) => runMatrix(queryEnv(ctx), ctx.body, 'offsets')),
];
