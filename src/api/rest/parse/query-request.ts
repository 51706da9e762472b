/**
 * Qdrant `QueryRequest` / `Prefetch` bodies → the engine's `QueryRequest` (a `StageSpec` tree), with
 * the checks of collection_query.rs `CollectionQueryRequest::validation` and the prefetch depth limit
 * of planned_query.rs (64); also the groups, batch and distance-matrix bodies.
 */
import { AppError, badInput } from '../../../errors.js';
import { tryParseJsonPath } from '../../../index/json-path.js';
import { stringifyJson } from '../../../exact-json.js';
import { DEFAULT_VECTOR } from '../../../collection/vectors.js';
import type { GroupsRequest, LookupLocation, MatrixRequest, QueryRequest, SearchParamsSpec, StageSpec, WithLookup } from '../../../collection/query/types.js';
import { parseQuerySpec } from './query-interface.js';
import { optionalFilter, parsePayloadSelector, parseReadOptions, parseVectorSelector, readShardKeys } from './selectors.js';
import { isObject } from '../../../json.js';
import { parseFilter } from '../../../index/filter/parse.js';
import type { Filter } from '../../../index/filter/types.js';

type Obj = Record<string, unknown>;

import { DEFAULT_LIMIT, MAX_PREFETCH_DEPTH, validateStage } from '../../../collection/query/rules.js';


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
  const quantization = v['quantization'];
  const oversampling = isObject(quantization) && typeof quantization['oversampling'] === 'number' ? quantization['oversampling'] : undefined;
  return { hnswEf: typeof ef === 'number' ? ef : undefined, exact: flag('exact'), indexedOnly: flag('indexed_only'), oversampling, idfCorpus: parseIdf(v['idf'], `${where}.idf`) };
}

/** Qdrant 1.19 `IdfParams`: `"global"` (the default) or `{"corpus": <filter>}`. */
function parseIdf(v: unknown, where: string): Filter | undefined {
  if (v === undefined || v === null || v === 'global') return undefined;
  if (!isObject(v) || !Object.hasOwn(v, 'corpus')) throw badInput(`${where}: expected "global" or an object with a corpus filter`);
  return parseFilter(v['corpus']);
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
export function parseQueryRequest(body: Obj, where = ''): QueryRequest {
  const stage = parseStage(body, where, 0);
  return {
    ...stage,
    offset: parseCount(body['offset'], 0, 0, `${prefix(where)}offset`),
    shardKeys: readShardKeys(body['shard_key']),
    ...parseReadOptions(body, false, false),
  };
}

/** Qdrant `WithLookupInterface`: a collection name or `{collection, with_payload (default true), with_vectors (default false)}`. */
export function parseWithLookup(v: unknown): WithLookup | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return { collection: v, withPayload: { kind: 'all' }, withVector: { kind: 'none' } };
  if (!isObject(v) || typeof v['collection'] !== 'string') throw badInput('with_lookup.collection: missing field `collection`');
  return {
    collection: v['collection'],
    withPayload: parsePayloadSelector(v['with_payload'], true),
    withVector: parseVectorSelector(v['with_vectors'] ?? v['with_vector'], false),
  };
}

/**
 * The grouping part of a groups body (`group_by`, `group_size` (default `groupSizeDefault`), `limit`
 * (groups, default 10), `with_lookup`) around an already parsed `query`.
 */
export function parseGroups(body: Obj, query: QueryRequest, groupSizeDefault: number): GroupsRequest {
  const groupBy = body['group_by'];
  if (typeof groupBy !== 'string' || groupBy === '') throw badInput('group_by: missing field `group_by`');
  if (tryParseJsonPath(groupBy) === null) throw badInput(`group_by: Invalid json path: '${groupBy}'`);
  return {
    query,
    groupBy,
    groupSize: parseCount(body['group_size'], groupSizeDefault, 1, 'group_size'),
    limit: parseCount(body['limit'], 10, 1, 'limit'),
    withLookup: parseWithLookup(body['with_lookup']),
  };
}

/** `POST …/points/query/groups`: a `QueryGroupsRequest` (group_size defaults to 3). */
export function parseQueryGroupsRequest(body: Obj): GroupsRequest {
  return parseGroups(body, parseQueryRequest(body), 3);
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

/** Qdrant `SearchMatrixRequest`. The body's text seeds the sample: same request, same data → same matrix. */
export function parseMatrixRequest(body: Obj): MatrixRequest {
  const using = body['using'];
  if (using !== undefined && using !== null && typeof using !== 'string') throw badInput('using: expected a vector name');
  return {
    sample: parseCount(body['sample'], 10, 2, 'sample'),
    limit: parseCount(body['limit'], 3, 1, 'limit'),
    filter: optionalFilter(body['filter']),
    using: typeof using === 'string' ? using : DEFAULT_VECTOR,
    shardKeys: readShardKeys(body['shard_key']),
    seed: stringifyJson(body),
  };
}
