/**
 * Strict mode (a collection's `strict_mode_config`): limits a request must stay within, checked
 * before it runs, with Qdrant's texts (lib/collection/src/operations/verification). Checks apply only
 * when `enabled` is true; an unset limit is no limit. Rate limiting lives in rate-limiter.ts.
 */
import { AppError } from '../errors.js';
import type { Condition, Filter } from '../index/filter/types.js';
import type { FieldIndexes } from '../index/payload/field-indexes.js';
import type { QueryRequest, StageSpec } from './query/types.js';
import type { PointOperation } from './operation.js';
import type { StrictModeConfig } from './config.js';

/** The collection's strict mode when it is enabled, else undefined (nothing to check). */
export function activeStrictMode(config: { readonly strict_mode_config?: StrictModeConfig | null }): StrictModeConfig | undefined {
  const sm = config.strict_mode_config;
  return sm?.enabled === true ? sm : undefined;
}

/** Qdrant `CollectionError::strict_mode`: `{error}. Help: {solution}`, answered as 403. */
export function strictModeError(error: string, solution: string): AppError {
  return new AppError('FORBIDDEN', [`${error}. Help: ${solution}`]);
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

/** Qdrant `Filter::total_conditions_count`: every condition, nested filters' conditions included. */
export function totalConditions(f: Filter): number {
  let n = 0;
  for (const c of conditionsOf(f)) {
    if (c.kind === 'filter') n += totalConditions(c.filter);
    else if (c.kind === 'nested') n += totalConditions(c.filter);
    else n += 1;
  }
  return n;
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

/** The first payload key a filter reads that has no field index (`has_id`/`has_vector` need none). */
export function unindexedKey(f: Filter, indexes: FieldIndexes): string | undefined {
  for (const c of conditionsOf(f)) {
    if (c.kind === 'filter') {
      const k = unindexedKey(c.filter, indexes);
      if (k !== undefined) return k;
    } else if (c.kind === 'field' || c.kind === 'is_empty' || c.kind === 'is_null') {
      if (!indexes.has(c.key)) return c.key.text;
    } else if (c.kind === 'nested') {
      if (!indexes.has(c.key)) return c.key.text;
    }
  }
  return undefined;
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
    const key = unindexedKey(f, indexes);
    if (key !== undefined) throw strictModeError(`Index required but not found for "${key}"`, 'Create an index for this key or use a different filter.');
  }
}

function checkStage(stage: StageSpec, sm: StrictModeConfig, indexes: FieldIndexes): void {
  checkLimit(stage.limit, sm.max_query_limit, 'limit');
  checkFilter(stage.filter, sm, sm.unindexed_filtering_retrieve, indexes);
  checkAllowed(stage.params.exact, sm.search_allow_exact, 'Exact search', 'exact');
  checkLimit(stage.params.hnswEf, sm.search_max_hnsw_ef, 'hnsw_ef');
  for (const p of stage.prefetch) checkStage(p, sm, indexes);
}

/** A query (and every prefetch) against the collection's strict mode. */
export function checkQueryStrict(sm: StrictModeConfig | undefined, req: QueryRequest, indexes: FieldIndexes): void {
  if (sm === undefined) return;
  checkStage(req, sm, indexes);
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
        throw strictModeError(`Multivector '${name}' has a limit of ${max} vectors, but ${v.rows.length} were provided!`, `Reduce the number of vectors in '${name}' to or below ${max}.`);
      }
    } else if (v.kind === 'sparse' && v.indices !== undefined) {
      const max = sm.sparse_config?.[name]?.max_length;
      if (max !== undefined && max !== null && v.indices.length > max) {
        throw strictModeError(`Sparse vector '${name}' has a limit of ${max} indices, but ${v.indices.length} were provided!`, `Reduce the number of indices in '${name}' to or below ${max}.`);
      }
    }
  }
}

/**
 * Point operations against the collection's strict mode: batch sizes, multivector / sparse sizes,
 * filters of filtered updates, and the point-count limit (`pointsCount` now, `newPoints` at most added).
 */
export function checkUpdateStrict(
  sm: StrictModeConfig | undefined,
  ops: readonly PointOperation[],
  indexes: FieldIndexes,
  pointsCount: number,
): void {
  if (sm === undefined) return;
  let added = 0;
  for (const op of ops) {
    if (op.type === 'upsert') {
      checkLimit(op.points.length, sm.upsert_max_batchsize, 'upsert limit');
      for (const p of op.points) checkVectorsStrict(sm, p.vectors);
      checkFilter(op.updateFilter, sm, sm.unindexed_filtering_update, indexes);
      added += op.points.length;
    } else if (op.type === 'update_vectors') {
      checkLimit(op.points.length, sm.upsert_max_batchsize, 'update limit');
      for (const p of op.points) checkVectorsStrict(sm, p.vectors);
      checkFilter(op.updateFilter, sm, sm.unindexed_filtering_update, indexes);
    } else if (op.selector.kind === 'filter') {
      checkFilter(op.selector.filter, sm, sm.unindexed_filtering_update, indexes);
    }
  }
  const max = sm.max_points_count;
  // Qdrant refuses inserts once the collection holds `max_points_count` points (overwrites count as inserts).
  if (max !== undefined && max !== null && added > 0 && pointsCount >= max) {
    throw strictModeError(`Max points count limit of ${max} reached!`, 'Delete points or increase `max_points_count`.');
  }
}

/** Write cost of point operations for the write rate limiter: the points they name, at least one each. */
export function writeCost(ops: readonly PointOperation[]): number {
  let n = 0;
  for (const op of ops) {
    if (op.type === 'upsert' || op.type === 'update_vectors') n += op.points.length;
    else if (op.selector.kind === 'ids') n += op.selector.ids.length;
    else n += 1;
  }
  return Math.max(1, n);
}
