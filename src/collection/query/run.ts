/**
 * Entry points of the query family for the REST layer: one request body in, Qdrant's wire result out.
 * Query requests, legacy search / recommend / discover (translated in legacy.ts), their groups
 * variants and the distance matrix all run through `executeQuery`.
 */
import { AppError } from '../../errors.js';
import type { Collection } from '../collection.js';
import { isCustomSharding } from '../config.js';
import { parsePayloadSelector, parseVectorSelector, type RecordOptions } from '../read.js';
import type { ShardKey } from '../types.js';
import { executeQuery } from './execute.js';
import { executeGroups, parseGroupsSpec } from './groups.js';
import { lookupRecords, parseWithLookup } from './lookup.js';
import { matrixOffsets, matrixPairs, parseMatrixRequest, searchMatrix } from './matrix.js';
import { scoredPoints } from './output.js';
import { parseQueryRequest } from './parse-request.js';
import { readShardKeys } from '../operations.js';
import type { ExecContext, RootSpec } from './types.js';

type Obj = Record<string, unknown>;

/** The collection a request runs on, and how to reach the collections it names. */
export interface QueryEnv {
  readonly c: Collection;
  /** A collection named in `lookup_from` / `with_lookup`, after the caller's access check. */
  readonly resolve: (name: string) => Collection;
}

function checkedShardKeys(c: Collection, keys: readonly ShardKey[] | undefined): readonly ShardKey[] | undefined {
  if (keys !== undefined) for (const k of keys) if (!c.info.shardKeys.includes(k)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(k)]);
  return keys;
}

function context(env: QueryEnv, root: RootSpec): ExecContext {
  return { c: env.c, resolve: env.resolve, shardKeys: checkedShardKeys(env.c, root.shardKeys) };
}

/** `with_payload` / `with_vector` (alias `with_vectors`) of a request body. */
export function recordOptionsOf(c: Collection, body: Obj, payloadDefault: boolean, vectorDefault: boolean): RecordOptions {
  return {
    withPayload: parsePayloadSelector(body['with_payload'], payloadDefault),
    withVector: parseVectorSelector(body['with_vector'] ?? body['with_vectors'], vectorDefault),
    showShardKey: isCustomSharding(c.config),
  };
}

/** Runs a parsed request and returns its `ScoredPoint`s. */
export function runRoot(env: QueryEnv, root: RootSpec, body: Obj): Obj[] {
  const result = executeQuery(context(env, root), root);
  return scoredPoints(env.c, result.entries, recordOptionsOf(env.c, body, false, false));
}

/** `POST …/points/query`: a `QueryRequest` → `QueryResponse`. */
export function runQueryRequest(env: QueryEnv, body: Obj): { points: Obj[] } {
  return { points: runRoot(env, parseQueryRequest(body), body) };
}

/**
 * A groups request: `root` grouped per the body's `group_by`, `group_size`, `limit` and
 * `with_lookup` → `GroupsResult`.
 */
export function runGroups(env: QueryEnv, root: RootSpec, body: Obj, groupSizeDefault: number): { groups: Obj[] } {
  const spec = parseGroupsSpec(body, groupSizeDefault);
  const withLookup = parseWithLookup(body['with_lookup']);
  const target = withLookup === undefined ? undefined : env.resolve(withLookup.collection);
  const { groups } = executeGroups(context(env, root), root, spec);
  const options = recordOptionsOf(env.c, body, false, false);
  const lookups = target === undefined || withLookup === undefined ? undefined : lookupRecords(target, withLookup, groups.map((g) => g.id));
  return {
    groups: groups.map((g) => {
      const out: Obj = { id: g.id, hits: scoredPoints(env.c, g.hits, options) };
      const record = lookups?.get(g.id);
      if (record !== undefined) out['lookup'] = record;
      return out;
    }),
  };
}

/** `POST …/points/query/groups`: a `QueryGroupsRequest` (group_size defaults to 3). */
export function runQueryGroupsRequest(env: QueryEnv, body: Obj): { groups: Obj[] } {
  return runGroups(env, parseQueryRequest(body), body, 3);
}

/** `POST …/points/search/matrix/pairs` or `/offsets`. */
export function runMatrix(env: QueryEnv, body: Obj, form: 'pairs' | 'offsets'): object {
  const spec = parseMatrixRequest(body);
  const ctx: ExecContext = { c: env.c, resolve: env.resolve, shardKeys: checkedShardKeys(env.c, readShardKeys(body['shard_key'])) };
  const matrix = searchMatrix(ctx, spec, JSON.stringify(body));
  return form === 'pairs' ? matrixPairs(matrix) : matrixOffsets(matrix);
}
