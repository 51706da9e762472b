/**
 * The pre-Query-API endpoints expressed as query requests, as Qdrant itself now serves them:
 *
 * - `SearchRequest` → `nearest` on `vector` (a dense array for the default vector, or a named
 *   `{name, vector}` dense / sparse vector); `top` is an alias of `limit`;
 * - `RecommendRequest` → `recommend` with `positive` / `negative` examples (ids or vectors),
 *   `strategy`, `using`, `lookup_from` (lib/collection/src/recommendations.rs checks the examples);
 * - `DiscoverRequest` → `discover` with a target, or `context` without one.
 *
 * Referenced ids are excluded from the results like in the Query API.
 */
import { AppError, badInput } from '../../errors.js';
import { readShardKeys } from '../operations.js';
import { optionalFilter } from '../read.js';
import { DEFAULT_VECTOR } from '../vectors.js';
import { parseContextPairs, parseVectorInput, parseVectorInputs } from './parse-input.js';
import { optionalThreshold, parseCount, parseLookup, parseParams } from './parse-request.js';
import type { QuerySpec, RecommendStrategy, RootSpec } from './types.js';
import { isObject } from '../../json.js';

type Obj = Record<string, unknown>;

/** The fields every legacy request shares. */
function common(body: Obj, query: QuerySpec, using: string, withLookupFrom: boolean): RootSpec {
  return {
    prefetch: [],
    query,
    using,
    filter: optionalFilter(body['filter']),
    params: parseParams(body['params'], 'params'),
    threshold: optionalThreshold(body['score_threshold'], 'score_threshold'),
    limit: parseCount(body['limit'] ?? body['top'], 10, 1, 'limit'),
    lookupFrom: withLookupFrom ? parseLookup(body['lookup_from'], 'lookup_from') : undefined,
    offset: parseCount(body['offset'], 0, 0, 'offset'),
    shardKeys: readShardKeys(body['shard_key']),
  };
}

function usingOf(body: Obj): string {
  const u = body['using'];
  if (u === undefined || u === null) return DEFAULT_VECTOR;
  if (typeof u !== 'string') throw badInput('using: expected a vector name');
  return u;
}

/** `SearchRequest` (also the search part of `SearchGroupsRequest`). */
export function searchAsQuery(body: Obj): RootSpec {
  const v = body['vector'];
  if (v === undefined || v === null) throw badInput('vector: missing field `vector`');
  if (Array.isArray(v)) return common(body, { kind: 'nearest', input: parseVectorInput(v, 'vector'), mmr: undefined }, DEFAULT_VECTOR, false);
  if (isObject(v) && typeof v['name'] === 'string' && v['vector'] !== undefined) {
    return common(body, { kind: 'nearest', input: parseVectorInput(v['vector'], 'vector.vector'), mmr: undefined }, v['name'], false);
  }
  throw badInput('vector: expected a vector, {name, vector} or {name, vector: {indices, values}}');
}

/** `RecommendRequest` (also the recommend part of `RecommendGroupsRequest`). */
export function recommendAsQuery(body: Obj): RootSpec {
  const strategy = (body['strategy'] ?? 'average_vector') as RecommendStrategy;
  if (!['average_vector', 'best_score', 'sum_scores'].includes(strategy)) throw badInput('strategy: expected one of average_vector, best_score, sum_scores');
  const positive = parseVectorInputs(body['positive'], 'positive');
  const negative = parseVectorInputs(body['negative'], 'negative');
  if (strategy === 'average_vector' && positive.length === 0) {
    throw new AppError('BAD_REQUEST', ['At least one positive vector ID required with this strategy']);
  }
  if (positive.length === 0 && negative.length === 0) {
    throw new AppError('BAD_REQUEST', ['At least one positive or negative vector ID required with this strategy']);
  }
  return common(body, { kind: 'recommend', positive, negative, strategy }, usingOf(body), true);
}

/** `DiscoverRequest`. */
export function discoverAsQuery(body: Obj): RootSpec {
  const pairs = parseContextPairs(body['context'], 'context');
  const target = body['target'];
  if (target === undefined || target === null) {
    if (pairs.length === 0) throw new AppError('BAD_REQUEST', ['discover: a target or at least one context pair is required']);
    return common(body, { kind: 'context', pairs }, usingOf(body), true);
  }
  return common(body, { kind: 'discover', target: parseVectorInput(target, 'target'), pairs }, usingOf(body), true);
}
