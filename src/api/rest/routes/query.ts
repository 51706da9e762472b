/**
 * Query API routes: `…/points/query`, `…/points/query/batch` and `…/points/query/groups`. The work
 * is done by src/collection/query (parsing, the prefetch executor, scoring, grouping).
 */
import { route, type RouteRow, type CollectionContext } from '../route-table.js';
import { badInput } from '../../../errors.js';
import { runQueryGroupsRequest, runQueryRequest, type QueryEnv } from '../../../collection/query/run.js';
import { collectionOf } from './points.js';
import { isObject } from '../../../json.js';

type Obj = Record<string, unknown>;

/** The collection of the route and access to the collections its body names (checked by authorize()). */
export function queryEnv(ctx: CollectionContext): QueryEnv {
  return { c: collectionOf(ctx), resolve: (name) => ctx.deps.toc.get(ctx.pass.lookup(name)) };
}

/** The `searches` of a batch body, each an object. */
export function batchOf(body: Obj): Obj[] {
  const searches = body['searches'];
  if (!Array.isArray(searches)) throw badInput('searches: missing field `searches`');
  return searches.map((s: unknown, i) => {
    if (!isObject(s)) throw badInput(`searches[${i}]: expected an object`);
    return s;
  });
}

/** The Query API routes. */
export const queryRoutes: RouteRow[] = [
  route('POST', '/collections/{collection_name}/points/query', 'query_points', (ctx) => runQueryRequest(queryEnv(ctx), ctx.body)),
  route('POST', '/collections/{collection_name}/points/query/batch', 'query_batch_points', (ctx) => {
    const env = queryEnv(ctx);
    return batchOf(ctx.body).map((s) => runQueryRequest(env, s));
  }),
  route('POST', '/collections/{collection_name}/points/query/groups', 'query_points_groups', (ctx) => runQueryGroupsRequest(queryEnv(ctx), ctx.body)),
];
