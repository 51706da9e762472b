/**
 * Query routes. This file serves nearest-neighbour queries by exact scan (dense, sparse, multi,
 * by point id) with filters; the full Query API family arrives with the search issue.
 */
import { route, type RouteRow, type HandlerContext } from '../route-table.js';
import { AppError, badInput } from '../../../errors.js';
import type { Collection } from '../../../collection/collection.js';
import { optionalFilter, parseQueryVector, toScoredPoint } from '../../../collection/read.js';
import { nearest } from '../../../collection/search.js';
import { DEFAULT_VECTOR } from '../../../collection/vectors.js';
import { collectionOf, recordOptions, shardKeysFor } from './points.js';

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function positiveInt(v: unknown, dflt: number, field: string): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badInput(`${field}: must be a non-negative integer`);
  return v;
}

/** Runs one QueryRequest against `c` and returns `{points}`. */
export function runQuery(c: Collection, body: Obj): { points: Obj[] } {
  if (body['prefetch'] !== undefined && body['prefetch'] !== null) throw new AppError('UNSUPPORTED', ['`prefetch` (arrives with the search issue)']);
  if (body['lookup_from'] !== undefined && body['lookup_from'] !== null) throw new AppError('UNSUPPORTED', ['`lookup_from` (arrives with the search issue)']);
  const limit = positiveInt(body['limit'], 10, 'limit');
  const offset = positiveInt(body['offset'], 0, 'offset');
  const filter = optionalFilter(body['filter']);
  const shardKeys = shardKeysFor(c, body['shard_key']);
  const options = recordOptions(c, body, false, false);
  const using = typeof body['using'] === 'string' ? body['using'] : DEFAULT_VECTOR;
  const threshold = typeof body['score_threshold'] === 'number' ? body['score_threshold'] : undefined;
  let query = body['query'];
  if (query === undefined || query === null) {
    // No query: points in id order, as Qdrant's scroll-like answer with score 0.
    const out: Obj[] = [];
    let skipped = 0;
    for (const id of c.idsInOrder()) {
      const o = c.offsetOf(id);
      if (o === undefined) continue;
      if (shardKeys !== undefined && !shardKeys.includes(c.view(o)!.shardKey!)) continue;
      if (filter !== undefined && !c.matchesOffset(filter, o)) continue;
      if (skipped++ < offset) continue;
      out.push(toScoredPoint(c.view(o)!, 0, options));
      if (out.length === limit) break;
    }
    return { points: out };
  }
  if (isObj(query) && 'nearest' in query) query = query['nearest'];
  else if (isObj(query) && !('indices' in query)) {
    throw new AppError('UNSUPPORTED', [`query \`${Object.keys(query)[0] ?? '?'}\` (arrives with the search issue)`]);
  }
  const q = parseQueryVector(c, query, using);
  const hits = nearest(c, using, q, limit + offset, { filter, shardKeys, threshold });
  return { points: hits.slice(offset).map((h) => toScoredPoint(c.view(h.offset)!, h.score, options)) };
}

export const queryRoutes: RouteRow[] = [
  route('POST', '/collections/{collection_name}/points/query', 'query_points', (ctx: HandlerContext) => runQuery(collectionOf(ctx), ctx.body)),
  route('POST', '/collections/{collection_name}/points/query/batch', 'query_batch_points', (ctx: HandlerContext) => {
    const searches = ctx.body['searches'];
    if (!Array.isArray(searches)) throw badInput('searches: missing field `searches`');
    const c = collectionOf(ctx);
    return searches.map((s: unknown) => runQuery(c, isObj(s) ? s : {}));
  }),
];
