/**
 * Parsing of Qdrant `QueryRequest` / `Prefetch` bodies into a `StageSpec` tree, with the checks of
 * collection_query.rs `CollectionQueryRequest::validation` and the prefetch depth limit of
 * planned_query.rs (64).
 */
import { AppError, badInput } from '../../errors.js';
import { readShardKeys } from '../operations.js';
import { optionalFilter } from '../read.js';
import { DEFAULT_VECTOR } from '../vectors.js';
import { parseQuerySpec } from './parse-query.js';
import type { LookupLocation, RootSpec, SearchParamsSpec, StageSpec } from './types.js';
import { isObject } from '../../json.js';

type Obj = Record<string, unknown>;

/** Qdrant `MAX_PREFETCH_DEPTH`. */
export const MAX_PREFETCH_DEPTH = 64;
/** Qdrant `CollectionQueryRequest::DEFAULT_LIMIT`. */
export const DEFAULT_LIMIT = 10;

function prefix(where: string): string {
  return where === '' ? '' : `${where}.`;
}

/** A `uint` with `minimum` (limit: 1, offset: 0); `dflt` when absent or null. */
export function parseCount(v: unknown, dflt: number, minimum: number, field: string): number {
  if (v === undefined || v === null) return dflt;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) throw badInput(`${field}: expected a non-negative integer`);
  if (v < minimum) throw new AppError('VALIDATION', [`${field}: value ${v} invalid, must be ${minimum}.0 or larger`]);
  return v;
}

/** Qdrant `SearchParams` (quantization and acorn settings are accepted and have no effect). */
export function parseParams(v: unknown, where: string): SearchParamsSpec {
  if (v === undefined || v === null) return { hnswEf: undefined, exact: undefined, indexedOnly: undefined };
  if (!isObject(v)) throw badInput(`${where}: expected an object`);
  const ef = v['hnsw_ef'];
  if (ef !== undefined && ef !== null && (typeof ef !== 'number' || !Number.isInteger(ef) || ef < 0)) throw badInput(`${where}.hnsw_ef: expected a non-negative integer`);
  const flag = (name: string): boolean | undefined => {
    const f = v[name];
    if (f === undefined || f === null) return undefined;
    if (typeof f !== 'boolean') throw badInput(`${where}.${name}: expected a boolean`);
    return f;
  };
  return { hnswEf: typeof ef === 'number' ? ef : undefined, exact: flag('exact'), indexedOnly: flag('indexed_only') };
}

/** Qdrant `LookupLocation`. */
export function parseLookup(v: unknown, where: string): LookupLocation | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v) || typeof v['collection'] !== 'string') throw badInput(`${where}.collection: missing field \`collection\``);
  const vector = v['vector'];
  if (vector !== undefined && vector !== null && typeof vector !== 'string') throw badInput(`${where}.vector: expected a vector name`);
  return { collection: v['collection'], vector: typeof vector === 'string' ? vector : undefined, shardKeys: readShardKeys(v['shard_key']) };
}

/** `score_threshold`: a finite number or absent. */
export function optionalThreshold(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`${where}: expected a number`);
  return v;
}

function bad(message: string): AppError {
  return new AppError('BAD_REQUEST', [message]);
}

/** Qdrant's checks of one request or prefetch (collection_query.rs `validation`). */
export function validateStage(s: StageSpec): void {
  if (s.prefetch.length > 0 && s.query === undefined) {
    throw bad("A query is needed to merge the prefetches. Can't have prefetches without defining a query.");
  }
  if (s.threshold !== undefined) {
    if (s.query?.kind === 'order_by') throw bad("Can't use score_threshold with an order_by query.");
    if (s.query === undefined) throw bad("A query is needed to use the score_threshold. Can't have score_threshold without defining a query.");
  }
  if ((s.query?.kind === 'rrf' || s.query?.kind === 'dbsf') && s.using !== DEFAULT_VECTOR) {
    throw bad("Fusion queries cannot be combined with the 'using' field.");
  }
}

function parsePrefetchList(v: unknown, where: string, depth: number): StageSpec[] {
  if (v === undefined || v === null) return [];
  if (depth >= MAX_PREFETCH_DEPTH) throw new AppError('VALIDATION', [`prefetches depth ${depth + 1} exceeds max depth ${MAX_PREFETCH_DEPTH}`]);
  if (Array.isArray(v)) return v.map((p, i) => parseStage(p, `${where}[${i}]`, depth + 1));
  return [parseStage(v, where, depth + 1)];
}

/** Parses the fields a QueryRequest shares with Prefetch. */
function parseStage(v: unknown, where: string, depth: number): StageSpec {
  if (!isObject(v)) throw badInput(`${where === '' ? 'body' : where}: expected an object`);
  const p = prefix(where);
  if (v['using'] !== undefined && v['using'] !== null && typeof v['using'] !== 'string') throw badInput(`${p}using: expected a vector name`);
  const stage: StageSpec = {
    prefetch: parsePrefetchList(v['prefetch'], `${p}prefetch`, depth),
    query: parseQuerySpec(v['query'], `${p}query`),
    using: typeof v['using'] === 'string' ? v['using'] : DEFAULT_VECTOR,
    filter: optionalFilter(v['filter']),
    params: parseParams(v['params'], `${p}params`),
    threshold: optionalThreshold(v['score_threshold'], `${p}score_threshold`),
    limit: parseCount(v['limit'], DEFAULT_LIMIT, 1, `${p}limit`),
    lookupFrom: parseLookup(v['lookup_from'], `${p}lookup_from`),
  };
  validateStage(stage);
  return stage;
}

/** Parses a `QueryRequest` (also the query part of `QueryGroupsRequest`). */
export function parseQueryRequest(body: Obj, where = ''): RootSpec {
  const stage = parseStage(body, where, 0);
  return { ...stage, offset: parseCount(body['offset'], 0, 0, `${prefix(where)}offset`), shardKeys: readShardKeys(body['shard_key']) };
}
