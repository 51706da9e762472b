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
import type { BorrowedPoints, ExecContext, GroupsRequest, MatrixRequest, QueryRequest } from './types.js';
import { activeStrictMode, checkGroupsStrict, checkMatrixStrict, checkQueryStrict, hnswOfConfig } from '../strict-mode.js';
import { chargeRead, queryCost, scrollCost } from '../read-cost.js';
import { readRateLimit } from '../rate-gate.js';

/** The collection a request runs on, and how to reach the collections it names. */
export interface QueryEnv {
  readonly c: Collection;
  /** A collection named in `lookup_from` / `with_lookup`, after the caller's access check. */
  readonly resolve: (name: string) => Collection;
  /** Vectors of referenced points held by other nodes (distributed mode). */
  readonly borrowed?: BorrowedPoints | undefined;
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
  return { c: env.c, resolve: env.resolve, shardKeys: checkedShardKeys(env.c, shardKeys), borrowed: env.borrowed };
}

function checkQuery(c: Collection, req: QueryRequest): void {
  checkQueryStrict(activeStrictMode(c.config), req, c.fieldIndexes, hnswOfConfig(c.config, c.schema.dense));
}

/** A query's content checked against strict mode, then its cost charged to the read rate (Qdrant's order). */
function admitQuery(c: Collection, req: QueryRequest): void {
  checkQuery(c, req);
  const rate = readRateLimit(c.config);
  if (rate !== undefined) chargeRead(c, rate, queryCost(c, req));
}

/** Runs a query request: its points, best first. */
export function query(env: QueryEnv, req: QueryRequest): ScoredPoint[] {
  admitQuery(env.c, req);
  const result = executeQuery(context(env, req.shardKeys), req);
  return scoredPoints(env.c, result.entries, req);
}

/** `query`, with a plain nearest-vector search run on a search worker when the pool is on. */
export async function queryAsync(env: QueryEnv, req: QueryRequest): Promise<ScoredPoint[]> {
  admitQuery(env.c, req);
  const result = await executeQueryAsync(context(env, req.shardKeys), req);
  return scoredPoints(env.c, result.entries, req);
}

/**
 * Runs a batch of query requests (query / search / recommend / discover batches): every request is checked
 * against strict mode first, then the batch's summed cost is charged once, then they run (Qdrant verifies the
 * whole batch before its shard charges it).
 */
export function queryBatch(env: QueryEnv, reqs: readonly QueryRequest[]): ScoredPoint[][] {
  for (const req of reqs) checkQuery(env.c, req);
  const rate = readRateLimit(env.c.config);
  if (rate !== undefined) {
    let cost = 0;
    for (const req of reqs) cost += queryCost(env.c, req);
    chargeRead(env.c, rate, cost);
  }
  return reqs.map((req) => scoredPoints(env.c, executeQuery(context(env, req.shardKeys), req).entries, req));
}

/** A groups request checked against strict mode, then its query's cost charged to the read rate. */
export function admitGroups(env: QueryEnv, req: GroupsRequest): void {
  const sm = activeStrictMode(env.c.config);
  checkQueryStrict(sm, req.query, env.c.fieldIndexes, hnswOfConfig(env.c.config, env.c.schema.dense));
  checkGroupsStrict(sm, req.groupBy, req.limit, req.groupSize, env.c.fieldIndexes);
  const rate = readRateLimit(env.c.config);
  if (rate !== undefined) chargeRead(env.c, rate, queryCost(env.c, req.query));
}

/** Runs a groups request: the best `limit` groups, each with its best `groupSize` hits. */
export function queryGroups(env: QueryEnv, req: GroupsRequest): PointGroup[] {
  admitGroups(env, req);
  const target = req.withLookup === undefined ? undefined : env.resolve(req.withLookup.collection);
  const { groups } = executeGroups(context(env, req.query.shardKeys), req.query, req);
  const lookups = target === undefined || req.withLookup === undefined ? undefined : lookupRecords(target, req.withLookup, groups.map((g) => g.id));
  return groups.map((g) => {
    const hits = scoredPoints(env.c, g.hits, req.query);
    const lookup = lookups?.get(g.id);
    return lookup === undefined ? { id: g.id, hits } : { id: g.id, hits, lookup };
  });
}

/**
 * A distance matrix request checked against strict mode, and its sampling scroll charged to the read rate (the
 * sampled points' searches are charged once the sample is known).
 */
export function admitMatrix(env: QueryEnv, req: MatrixRequest): void {
  checkMatrixStrict(activeStrictMode(env.c.config), req.sample, req.limit, req.filter, env.c.fieldIndexes);
  const rate = readRateLimit(env.c.config);
  if (rate !== undefined) chargeRead(env.c, rate, scrollCost(req.filter));
}

/** Computes a distance matrix over a sample of the collection. */
export function distanceMatrix(env: QueryEnv, req: MatrixRequest): Matrix {
  admitMatrix(env, req);
  return searchMatrix(context(env, req.shardKeys), req);
}
