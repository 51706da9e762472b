/**
 * The legacy search family, still used by older clients: search, recommend and discover (each with a
 * batch form; search and recommend with groups) answering `ScoredPoint[]`, and the distance matrix.
 * Each request is parsed into an engine query request (parse/legacy-search.ts).
 */
import { route, type RouteRow, type CollectionContext } from '../route-table.js';
import type { QueryRequest } from '../../../collection/query/types.js';
import { discoverAsQuery, recommendAsQuery, searchAsQuery } from '../parse/legacy-search.js';
import { batchOf, parseGroups, parseMatrixRequest } from '../parse/query-request.js';
import { groupsToWire, matrixOffsetsToWire, matrixPairsToWire, scoredPointsToWire } from '../present/points.js';
import { readPointsOf } from './points.js';

const P = '/collections/{collection_name}/points';

type AsQuery = (body: Record<string, unknown>) => QueryRequest;

async function single(ctx: CollectionContext, asQuery: AsQuery): Promise<unknown> {
  const [points] = await readPointsOf(ctx, { kind: 'query', requests: [asQuery(ctx.body)], single: true });
  return scoredPointsToWire(points!);
}

async function batch(ctx: CollectionContext, asQuery: AsQuery): Promise<unknown> {
  const searches = batchOf(ctx.body);
  return (await readPointsOf(ctx, { kind: 'query', requests: searches.map((s) => asQuery(s)), single: false }, searches.length)).map(scoredPointsToWire);
}

async function groups(ctx: CollectionContext, asQuery: AsQuery): Promise<unknown> {
  return groupsToWire(await readPointsOf(ctx, { kind: 'groups', request: parseGroups(ctx.body, asQuery(ctx.body), 3) }));
}

/** The legacy search family and the distance matrix. */
export const searchRoutes: RouteRow[] = [
  route('POST', `${P}/search`, 'search_points', (ctx) => single(ctx, searchAsQuery)),
  route('POST', `${P}/search/batch`, 'search_batch_points', (ctx) => batch(ctx, searchAsQuery)),
  route('POST', `${P}/search/groups`, 'search_point_groups', (ctx) => groups(ctx, searchAsQuery)),
  route('POST', `${P}/recommend`, 'recommend_points', (ctx) => single(ctx, recommendAsQuery)),
  route('POST', `${P}/recommend/batch`, 'recommend_batch_points', (ctx) => batch(ctx, recommendAsQuery)),
  route('POST', `${P}/recommend/groups`, 'recommend_point_groups', (ctx) => groups(ctx, recommendAsQuery)),
  route('POST', `${P}/discover`, 'discover_points', (ctx) => single(ctx, discoverAsQuery)),
  route('POST', `${P}/discover/batch`, 'discover_batch_points', (ctx) => batch(ctx, discoverAsQuery)),
  route('POST', `${P}/search/matrix/pairs`, 'search_matrix_pairs', async (ctx) => matrixPairsToWire(await readPointsOf(ctx, { kind: 'matrix', request: parseMatrixRequest(ctx.body) }))),
  route('POST', `${P}/search/matrix/offsets`, 'search_matrix_offsets', async (ctx) => matrixOffsetsToWire(await readPointsOf(ctx, { kind: 'matrix', request: parseMatrixRequest(ctx.body) }))),
];
