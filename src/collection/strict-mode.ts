/**
 * Strict mode (a collection's `strict_mode_config`): limits a request must stay within, checked
 * before it runs, with Qdrant's texts (lib/collection/src/operations/verification). Checks apply only
 * when `enabled` is true; an unset limit is no limit. Rate limiting lives in service/rate-limits.ts.
 *
 * Statuses as Qdrant 1.19 answers them: a strict-mode refusal is 400 `Bad request: <what>. Help:
 * <how>` (qdrant#6560 moved it from 403 so it is not confused with an access error); the collection
 * size limits and the multivector / sparse size limits are plain 400 `Bad request: …` without help.
 */
import { AppError } from '../errors.js';
import type { Condition, Filter } from '../index/filter/types.js';
import type { FieldIndexes } from '../index/payload/field-indexes.js';
import type { QueryRequest, StageSpec } from './query/types.js';
import type { PointOperation } from './operation.js';
import { isUnnamed, type CollectionConfig, type StrictModeConfig } from './config.js';
import { firstUnindexedExpressionKey, firstUnindexedKey, indexSupportsMatch } from './unindexed-field.js';
import type { SizeStats } from './size-stats.js';

/** The collection's strict mode when it is enabled, else undefined (nothing to check). */
export function activeStrictMode(config: { readonly strict_mode_config?: StrictModeConfig | null }): StrictModeConfig | undefined {
  const sm = config.strict_mode_config;
  return sm?.enabled === true ? sm : undefined;
}

/** Qdrant `CollectionError::strict_mode`: `{error}. Help: {solution}`, answered as 400. */
export function strictModeError(error: string, solution: string): AppError {
  return new AppError('BAD_REQUEST', [`${error}. Help: ${solution}`]);
}

/** Qdrant `CollectionError::bad_request` (the size limits of update/verification). */
function sizeLimitError(message: string): AppError {
  return new AppError('BAD_REQUEST', [message]);
}

/** Qdrant `check_limit_opt`. */
export function checkLimit(value: number | undefined, limit: number | null | undefined, name: string): void {
  if (value === undefined || limit === undefined || limit === null || value <= limit) return;
  throw strictModeError(`Limit exceeded ${value} > ${limit} for "${name}"`, `Reduce the "${name}" parameter to or below ${limit}.`);
}

/** Qdrant `check_bool_opt`: a feature the collection has switched off. */
function checkAllowed(used: boolean | undefined, allowed: boolean | null | undefined, name: string, parameter: string): void {
  if (allowed !== false || used !== true) return;
  throw strictModeError(`${name} disabled!`, `Set ${parameter}=false.`);
}

function conditionsOf(f: Filter): Condition[] {
  return [...(f.must ?? []), ...(f.should ?? []), ...(f.mustNot ?? []), ...(f.minShould?.conditions ?? [])];
}

function countConditions(list: readonly Condition[] | null | undefined): number {
  if (list === null || list === undefined) return 0;
  let n = 0;
  for (const c of list) n += c.kind === 'filter' || c.kind === 'nested' ? totalConditions(c.filter) : 1;
  return n;
}

/**
 * Qdrant `Filter::total_conditions_count`: every condition, nested filters' conditions included. Also the read
 * rate's filter cost (Qdrant `filter_rate_cost`), so it allocates nothing.
 */
export function totalConditions(f: Filter): number {
  return countConditions(f.must) + countConditions(f.should) + countConditions(f.mustNot) + countConditions(f.minShould?.conditions);
}

/** Qdrant `Filter::max_condition_input_size`: the largest `any`/`except` list, polygon or id set. */
export function maxConditionSize(f: Filter): number {
  let max = 0;
  for (const c of conditionsOf(f)) {
    let size = 0;
    if (c.kind === 'filter' || c.kind === 'nested') size = maxConditionSize(c.filter);
    else if (c.kind === 'has_id') size = c.ids.length;
    else if (c.kind === 'field') {
      const m = c.match;
      if (m !== null && (m.kind === 'any' || m.kind === 'except')) size = (m.keywords?.size ?? 0) + (m.integers?.size ?? 0);
      if (c.geoPolygon !== null) size = Math.max(size, c.geoPolygon.exterior.length + c.geoPolygon.interiors.reduce((s, r) => s + r.length, 0));
    }
    if (size > max) max = size;
  }
  return max;
}

/** Qdrant `check_request_filter` for one filter: size limits first, then index coverage. */
export function checkFilter(f: Filter | undefined, sm: StrictModeConfig, allowUnindexed: boolean | null | undefined, indexes: FieldIndexes): void {
  if (f === undefined) return;
  if (sm.filter_max_conditions !== undefined && sm.filter_max_conditions !== null) {
    const n = totalConditions(f);
    if (n > sm.filter_max_conditions) {
      throw strictModeError(`Filter condition limit reached (${n} > ${sm.filter_max_conditions})`, 'Reduce the amount of conditions of your filter.');
    }
  }
  if (sm.condition_max_size !== undefined && sm.condition_max_size !== null) {
    const size = maxConditionSize(f);
    if (size > sm.condition_max_size) {
      throw strictModeError(`Condition size limit reached (${size} > ${sm.condition_max_size})`, 'Reduce the size of your condition.');
    }
  }
  if (allowUnindexed === false) {
    const found = firstUnindexedKey(f, indexes);
    if (found !== undefined) {
      throw strictModeError(
        `Index required but not found for "${found.key}" of one of the following types: [${found.schemas.join(', ')}]`,
        'Create an index for this key or use a different filter.',
      );
    }
  }
}

/** The HNSW `m` and `payload_m` of a dense vector (undefined for a sparse vector or an unknown name). */
export type HnswOf = (using: string) => { readonly m: number; readonly payloadM: number } | undefined;

/** Qdrant `Query::check_fullscan`: with `search_allow_exact: false`, a vector query needs an HNSW graph to run on. */
function checkFullScan(stage: StageSpec, sm: StrictModeConfig, indexes: FieldIndexes, hnswOf: HnswOf): void {
  const kind = stage.query?.kind;
  if (sm.search_allow_exact !== false || kind === undefined || !VECTOR_QUERIES.has(kind)) return;
  const hnsw = hnswOf(stage.using);
  if (hnsw === undefined || hnsw.m > 0) return;
  const label = stage.using === '' ? '' : ` on '${stage.using}'`;
  const tenantFilter = stage.filter !== undefined && conditionsOf(stage.filter).some((c) => {
    if (c.kind !== 'field' && c.kind !== 'is_empty' && c.kind !== 'is_null') return false;
    return indexes.get(c.key)?.schema.params?.['is_tenant'] === true;
  });
  if (!tenantFilter) {
    throw strictModeError(
      `Request is forbidden${label} because global vector indexing is disabled (hnsw_config.m = 0)`,
      'Use tenant-specific filter, enable global vector indexing or enable strict mode `search_allow_exact` option',
    );
  }
  if (hnsw.payloadM === 0) {
    throw strictModeError(
      `Request is forbidden${label} because vector indexing is disabled (hnsw_config.m = 0 and hnsw_config.payload_m = 0)`,
      'Enable vector indexing, use a prefetch query with indexed vectors or enable strict mode `search_allow_exact` option',
    );
  }
}

const VECTOR_QUERIES: ReadonlySet<string> = new Set(['nearest', 'recommend', 'discover', 'context', 'feedback']);

/**
 * Qdrant's order: prefetches first, the full-scan check (of every prefetch; of the root only when it
 * has no prefetch), then the limit, the filter and the search params (oversampling, hnsw_ef, exact).
 */
function checkStage(stage: StageSpec, sm: StrictModeConfig, indexes: FieldIndexes, hnswOf: HnswOf, root: boolean): void {
  for (const p of stage.prefetch) checkStage(p, sm, indexes, hnswOf, false);
  if (!root || stage.prefetch.length === 0) checkFullScan(stage, sm, indexes, hnswOf);
  if (stage.query?.kind === 'formula' && sm.unindexed_filtering_retrieve === false) {
    const found = firstUnindexedExpressionKey(stage.query.formula.expr, indexes);
    if (found !== undefined) {
      throw strictModeError(
        `Index required but not found for "${found.key}" of one of the following types: [${found.schemas.join(', ')}]`,
        'Create an index for this key or use a different formula expression.',
      );
    }
  }
  checkLimit(stage.limit, sm.max_query_limit, 'limit');
  checkFilter(stage.filter, sm, sm.unindexed_filtering_retrieve, indexes);
  checkLimit(stage.params.oversampling, sm.search_max_oversampling, 'oversampling');
  checkLimit(stage.params.hnswEf, sm.search_max_hnsw_ef, 'hnsw_ef');
  checkAllowed(stage.params.exact, sm.search_allow_exact, 'Exact search', 'exact');
}

/** A query (and every prefetch) against the collection's strict mode. */
export function checkQueryStrict(sm: StrictModeConfig | undefined, req: QueryRequest, indexes: FieldIndexes, hnswOf: HnswOf): void {
  if (sm === undefined) return;
  checkStage(req, sm, indexes, hnswOf, true);
}

/** `timeout` of a request (query parameter, seconds) against `max_timeout`. */
export function checkTimeoutStrict(sm: StrictModeConfig | undefined, timeout: number | undefined): void {
  if (sm !== undefined) checkLimit(timeout, sm.max_timeout, 'timeout');
}

/** Number of searches in one batch request against `search_max_batchsize`. */
export function checkBatchStrict(sm: StrictModeConfig | undefined, size: number): void {
  if (sm !== undefined) checkLimit(size, sm.search_max_batchsize, 'search batch size');
}

/** Points an operation writes (Qdrant counts the points of upsert / update vectors against `upsert_max_batchsize`). */
function checkVectorsStrict(sm: StrictModeConfig, vectors: ReadonlyMap<string, { readonly kind: string; readonly rows?: readonly unknown[]; readonly indices?: ArrayLike<number> }>): void {
  for (const [name, v] of vectors) {
    if (v.kind === 'multi' && v.rows !== undefined) {
      const max = sm.multivector_config?.[name]?.max_vectors;
      if (max !== undefined && max !== null && v.rows.length > max) {
        throw sizeLimitError(`Multivector '${name}' has a limit of ${max} vectors, but ${v.rows.length} were provided!`);
      }
    } else if (v.kind === 'sparse' && v.indices !== undefined) {
      const max = sm.sparse_config?.[name]?.max_length;
      if (max !== undefined && max !== null && v.indices.length > max) {
        throw sizeLimitError(`Sparse vector '${name}' has a limit of ${max} indices, but ${v.indices.length} were provided!`);
      }
    }
  }
}

/** Megabytes as Qdrant prints them in the size-limit messages (`{bytes as f32 / 1048576}MB`, Rust's shortest f32). */
function megabytes(bytes: number): string {
  const mb = Math.fround(bytes / (1024 * 1024));
  for (let digits = 1; digits <= 9; digits++) {
    const text = Number(mb.toPrecision(digits));
    if (Math.fround(text) === mb) return String(text);
  }
  return String(mb);
}

/**
 * Qdrant `check_collection_size_limit` (upsert and update vectors): the vector storage, payload
 * storage and point count must each be below their limit before the write. `stats` is read only when
 * a size limit is set.
 */
function checkCollectionSize(sm: StrictModeConfig, pointsCount: number, stats: () => SizeStats, checkVectors: boolean): void {
  const vectorLimit = sm.max_collection_vector_size_bytes;
  const payloadLimit = sm.max_collection_payload_size_bytes;
  if (checkVectors && vectorLimit !== undefined && vectorLimit !== null && stats().vectorBytes >= vectorLimit) {
    throw sizeLimitError(`Max vector storage size limit of ${megabytes(vectorLimit)}MB reached!`);
  }
  if (payloadLimit !== undefined && payloadLimit !== null && stats().payloadBytes >= payloadLimit) {
    throw sizeLimitError(`Max payload storage size limit of ${megabytes(payloadLimit)}MB reached!`);
  }
  const pointLimit = sm.max_points_count;
  if (checkVectors && pointLimit !== undefined && pointLimit !== null && pointsCount >= pointLimit) {
    throw sizeLimitError(`Max points count limit of ${pointLimit} reached!`);
  }
}

/**
 * Point operations against the collection's strict mode (Qdrant's order per operation: batch size,
 * collection size limits, multivector / sparse sizes, then the filter of filtered writes). Upserts and
 * vector updates check every size limit; payload writes (set / overwrite) only the payload size limit.
 */
export function checkUpdateStrict(
  sm: StrictModeConfig | undefined,
  ops: readonly PointOperation[],
  indexes: FieldIndexes,
  pointsCount: number,
  stats: () => SizeStats,
): void {
  if (sm === undefined) return;
  for (const op of ops) {
    if (op.type === 'upsert' || op.type === 'update_vectors') {
      checkLimit(op.points.length, sm.upsert_max_batchsize, op.type === 'upsert' ? 'upsert limit' : 'update limit');
      checkCollectionSize(sm, pointsCount, stats, true);
      for (const p of op.points) checkVectorsStrict(sm, p.vectors);
      checkFilter(op.updateFilter, sm, sm.unindexed_filtering_update, indexes);
      continue;
    }
    if (op.type === 'set_payload' || op.type === 'overwrite_payload') checkCollectionSize(sm, pointsCount, stats, false);
    if (op.selector.kind === 'filter') checkFilter(op.selector.filter, sm, sm.unindexed_filtering_update, indexes);
  }
}

/**
 * Write cost of point operations for the write rate limiter, as Qdrant's replica set charges each operation
 * (`check_operation_write_rate_limiter`: `max(1, estimate_request_cardinality)`): the points it names, or for an
 * operation selecting points by filter the estimated number of points matching it (`estimate`); at least one
 * each, summed over a batch.
 */
export function writeCost(ops: readonly PointOperation[], estimate: (filter: Filter) => number): number {
  let n = 0;
  for (const op of ops) {
    let points: number;
    if (op.type === 'upsert' || op.type === 'update_vectors') points = op.points.length;
    else if (op.selector.kind === 'ids') points = op.selector.ids.length;
    else points = estimate(op.selector.filter);
    n += Math.max(1, points);
  }
  return n;
}

/**
 * Qdrant `CollectionQueryGroupsRequest` verification: `limit × group_size` against `max_query_limit`,
 * then (with `unindexed_filtering_retrieve: false`) `check_grouping_field`: `group_by` needs an index
 * that supports `match`.
 */
export function checkGroupsStrict(sm: StrictModeConfig | undefined, groupBy: string, limit: number, groupSize: number, indexes: FieldIndexes): void {
  if (sm === undefined) return;
  checkLimit(limit * groupSize, sm.max_query_limit, 'limit');
  if (sm.unindexed_filtering_retrieve !== false) return;
  const index = indexes.get(groupBy);
  if (index === undefined) throw strictModeError(`Index required but not found for "${groupBy}"`, 'Create an index supporting `match` for this key.');
  if (!indexSupportsMatch(index.schema)) {
    const kind = index.schema.type.charAt(0).toUpperCase() + index.schema.type.slice(1);
    throw strictModeError(`Index of type "${kind}" found for "${groupBy}"`, 'Create an index supporting `match` for this key.');
  }
}

/** Qdrant `SearchMatrixRequestInternal` verification: `limit × sample` against `max_query_limit`, then the filter. */
export function checkMatrixStrict(sm: StrictModeConfig | undefined, sample: number, limit: number, filter: Filter | undefined, indexes: FieldIndexes): void {
  if (sm === undefined) return;
  checkLimit(limit * sample, sm.max_query_limit, 'limit');
  checkFilter(filter, sm, sm.unindexed_filtering_retrieve, indexes);
}

/** Qdrant `CreateFieldIndex` verification: at most `max_payload_index_count` payload indexes. */
export function checkCreateIndexStrict(sm: StrictModeConfig | undefined, indexCount: number): void {
  const max = sm?.max_payload_index_count;
  if (max === undefined || max === null || indexCount < max) return;
  throw strictModeError(`Collection already has the maximum number of payload indices (${max})`, 'Please delete an existing index before creating a new one.');
}

/** The `m` / `payload_m` of each dense vector as configured (the vector's own `hnsw_config` over the collection's). */
export function hnswOfConfig(config: CollectionConfig, dense: ReadonlyMap<string, { readonly hnsw: { readonly m: number } }>): HnswOf {
  const vectors = config.params.vectors;
  return (using) => {
    const spec = dense.get(using);
    if (spec === undefined) return undefined;
    const own = isUnnamed(vectors) ? (using === '' ? vectors : undefined) : Object.hasOwn(vectors, using) ? vectors[using] : undefined;
    const payloadM = own?.hnsw_config?.payload_m ?? config.hnsw_config.payload_m ?? spec.hnsw.m;
    return { m: spec.hnsw.m, payloadM };
  };
}

/** Qdrant `ScrollRequestInternal` verification: the limit, then the filter (read). */
export function checkScrollStrict(sm: StrictModeConfig | undefined, limit: number, filter: Filter | undefined, indexes: FieldIndexes): void {
  if (sm === undefined) return;
  checkLimit(limit, sm.max_query_limit, 'limit');
  checkFilter(filter, sm, sm.unindexed_filtering_retrieve, indexes);
}

/**
 * Qdrant `FacetRequestInternal` verification: the limit as the request gave it (an omitted limit is not checked),
 * the filter (read), then `exact` against `search_allow_exact`.
 */
export function checkFacetStrict(sm: StrictModeConfig | undefined, limit: number | undefined, filter: Filter | undefined, exact: boolean | undefined, indexes: FieldIndexes): void {
  if (sm === undefined) return;
  checkLimit(limit, sm.max_query_limit, 'limit');
  checkFilter(filter, sm, sm.unindexed_filtering_retrieve, indexes);
  checkAllowed(exact, sm.search_allow_exact, 'Exact search', 'exact');
}

/** Qdrant `CountRequestInternal` verification: the filter (read), then `exact` (which defaults to true) against `search_allow_exact`. */
export function checkCountStrict(sm: StrictModeConfig | undefined, filter: Filter | undefined, exact: boolean, indexes: FieldIndexes): void {
  if (sm === undefined) return;
  checkFilter(filter, sm, sm.unindexed_filtering_retrieve, indexes);
  checkAllowed(exact, sm.search_allow_exact, 'Exact search', 'exact');
}
