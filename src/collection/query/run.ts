/**
 * The query family's entry points: typed requests in, typed results out. Query requests, the legacy
 * search / recommend / discover requests (translated by the transport), their groups variants and the
 * distance matrix all run through `executeQuery`.
 */
import { AppError } from '../../errors.js';
import type { Collection } from '../collection.js';
import type { PointRecord, ScoredPoint, ShardKey } from '../types.js';
import { executeQuery, executeQueryAsync } from './execute.js';
import { executeGroups, type GroupId } from './groups.js';
import { lookupRecords } from './lookup.js';
import { searchMatrix, type Matrix } from './matrix.js';
import { scoredPoints } from './scored-points.js';
import type { ExecContext, GroupsRequest, MatrixRequest, QueryRequest } from './types.js';
import { activeStrictMode, checkGroupsStrict, checkMatrixStrict, checkQueryStrict, hnswOfConfig } from '../strict-mode.js';

/** The collection a request runs on, and how to reach the collections it names. */
export interface QueryEnv {
  readonly c: Collection;
  /** A collection named in `lookup_from` / `with_lookup`, after the caller's access check. */
  readonly resolve: (name: string) => Collection;
}

export interface PointGroup {
  readonly id: GroupId;
  readonly hits: ScoredPoint[];
  /** The point of another collection whose id is the group id (`with_lookup`). */
  readonly lookup?: PointRecord;
}

/** Read restriction to shard keys, checking that they exist. @throws AppError(SHARD_KEY_NOT_FOUND). */
export function checkedShardKeys(c: Collection, keys: readonly ShardKey[] | undefined): readonly ShardKey[] | undefined {
  if (keys !== undefined) for (const k of keys) if (!c.info.shardKeys.includes(k)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(k)]);
  return keys;
}

function context(env: QueryEnv, shardKeys: readonly ShardKey[] | undefined): ExecContext {
  return { c: env.c, resolve: env.resolve, shardKeys: checkedShardKeys(env.c, shardKeys) };
}

/** Runs a query request: its points, best first. */
export function query(env: QueryEnv, req: QueryRequest): ScoredPoint[] {
  checkQueryStrict(activeStrictMode(env.c.config), req, env.c.fieldIndexes, hnswOfConfig(env.c.config, env.c.schema.dense));
  const result = executeQuery(context(env, req.shardKeys), req);
  return scoredPoints(env.c, result.entries, req);
}

/** `query`, with a plain nearest-vector search run on a search worker when the pool is on. */
export async function queryAsync(env: QueryEnv, req: QueryRequest): Promise<ScoredPoint[]> {
  checkQueryStrict(activeStrictMode(env.c.config), req, env.c.fieldIndexes, hnswOfConfig(env.c.config, env.c.schema.dense));
  const result = await executeQueryAsync(context(env, req.shardKeys), req);
  return scoredPoints(env.c, result.entries, req);
}

/** Runs a groups request: the best `limit` groups, each with its best `groupSize` hits. */
export function queryGroups(env: QueryEnv, req: GroupsRequest): PointGroup[] {
  const sm = activeStrictMode(env.c.config);
  checkQueryStrict(sm, req.query, env.c.fieldIndexes, hnswOfConfig(env.c.config, env.c.schema.dense));
  checkGroupsStrict(sm, req.groupBy, req.limit, req.groupSize, env.c.fieldIndexes);
  const target = req.withLookup === undefined ? undefined : env.resolve(req.withLookup.collection);
  const { groups } = executeGroups(context(env, req.query.shardKeys), req.query, req);
  const lookups = target === undefined || req.withLookup === undefined ? undefined : lookupRecords(target, req.withLookup, groups.map((g) => g.id));
  return groups.map((g) => {
    const hits = scoredPoints(env.c, g.hits, req.query);
    const lookup = lookups?.get(g.id);
    return lookup === undefined ? { id: g.id, hits } : { id: g.id, hits, lookup };
  });
}

/** Computes a distance matrix over a sample of the collection. */
export function distanceMatrix(env: QueryEnv, req: MatrixRequest): Matrix {
  checkMatrixStrict(activeStrictMode(env.c.config), req.sample, req.limit, req.filter, env.c.fieldIndexes);
  return searchMatrix(context(env, req.shardKeys), req);
}
