/**
 * Which payload key of a filter lacks a usable index, and which index types would serve it, as
 * Qdrant's strict mode works it out (lib/collection/src/problems/unindexed_field.rs `Extractor`):
 * each condition requires one of a set of index capabilities (a keyword `match` needs keyword
 * lookup, a number `range` float or integer ranges, `is_empty` any index…); a key is unindexed when
 * it has no index or its index has none of the required capabilities (a keyword index does not serve
 * a range). Keys inside `nested` are reported with the array step (`items[].price`).
 */
import { extendJsonPath, arrayKey, parseJsonPath, type JsonPath } from '../index/json-path.js';
import type { Expr } from './query/formula.js';
import type { Condition, FieldCondition, Filter, Match } from '../index/filter/types.js';
import type { FieldIndexes } from '../index/payload/field-indexes.js';
import type { FieldSchema } from '../index/payload/field-schema.js';

/** Qdrant `FieldIndexType`: what an index can answer. */
type Capability =
  | 'int_match'
  | 'int_range'
  | 'keyword_match'
  | 'keyword_prefix'
  | 'float_range'
  | 'text'
  | 'text_phrase'
  | 'bool_match'
  | 'uuid_match'
  | 'uuid_range'
  | 'datetime_range'
  | 'geo';

const ALL: readonly Capability[] = [
  'int_match', 'int_range', 'keyword_match', 'keyword_prefix', 'float_range', 'text', 'text_phrase', 'bool_match', 'uuid_match', 'uuid_range', 'datetime_range', 'geo',
];

/** The schema Qdrant suggests for a capability, as its `PayloadFieldSchema` displays. */
const SCHEMA_NAME: Readonly<Record<Capability, string>> = {
  int_match: 'integer',
  int_range: 'integer',
  keyword_match: 'keyword',
  keyword_prefix: 'keyword',
  float_range: 'float',
  text: 'text',
  text_phrase: 'text (with phrase_matching: true)',
  bool_match: 'bool',
  uuid_match: 'uuid',
  uuid_range: 'uuid',
  datetime_range: 'datetime',
  geo: 'geo',
};

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

function keywordCapabilities(strings: Iterable<string>): Capability[] {
  let allUuid = true;
  for (const s of strings) if (!UUID.test(s)) allUuid = false;
  return allUuid ? ['uuid_match', 'keyword_match'] : ['keyword_match'];
}

function matchCapabilities(m: Match): Capability[] {
  switch (m.kind) {
    case 'value':
      if (typeof m.value === 'string') return keywordCapabilities([m.value]);
      return typeof m.value === 'boolean' ? ['bool_match'] : ['int_match'];
    case 'text':
    case 'text_any':
      return ['text'];
    case 'phrase':
      return ['text_phrase'];
    case 'prefix':
      return ['keyword_match'];
    case 'any':
    case 'except': {
      // An empty list is a no-op and needs no index.
      if (m.integers !== null) return m.integers.size === 0 ? [] : ['int_match'];
      return m.keywords === null || m.keywords.size === 0 ? [] : keywordCapabilities(m.keywords);
    }
  }
}

/** Qdrant `infer_index_from_field_condition`. */
function fieldCapabilities(c: FieldCondition): Capability[] {
  const out: Capability[] = [];
  if (c.match !== null) out.push(...matchCapabilities(c.match));
  if (c.range !== null) out.push(...(c.range.kind === 'datetime' ? (['datetime_range'] as const) : (['float_range', 'int_range'] as const)));
  if (c.geoBoundingBox !== null || c.geoRadius !== null || c.geoPolygon !== null) out.push('geo');
  if (c.valuesCount !== null || c.isEmpty !== null || c.isNull !== null) out.push(...ALL);
  return out;
}

/** Qdrant `schema_capabilities`: what an existing index answers. */
function schemaCapabilities(schema: FieldSchema): Set<Capability> {
  const p = schema.params;
  switch (schema.type) {
    case 'keyword':
      return new Set<Capability>(p?.['prefix'] === true ? ['keyword_match', 'keyword_prefix'] : ['keyword_match']);
    case 'integer': {
      const caps = new Set<Capability>();
      if (p?.['lookup'] !== false) caps.add('int_match');
      if (p?.['range'] !== false) caps.add('int_range');
      return caps;
    }
    case 'uuid':
      return new Set<Capability>(['uuid_match', 'uuid_range']);
    case 'bool':
      return new Set<Capability>(['bool_match']);
    case 'float':
      return new Set<Capability>(['float_range']);
    case 'geo':
      return new Set<Capability>(['geo']);
    case 'text':
      return new Set<Capability>(p?.['phrase_matching'] === true ? ['text', 'text_phrase'] : ['text']);
    case 'datetime':
      return new Set<Capability>(['datetime_range']);
  }
}

/** A key that needs an index, with the schemas that would serve it (sorted, deduplicated). */
export interface UnindexedKey {
  readonly key: string;
  readonly schemas: readonly string[];
}

function conditionsOf(f: Filter): readonly Condition[] {
  return [...(f.must ?? []), ...(f.should ?? []), ...(f.mustNot ?? []), ...(f.minShould?.conditions ?? [])];
}

function check(key: JsonPath, required: readonly Capability[], indexes: FieldIndexes): UnindexedKey | undefined {
  if (required.length === 0) return undefined;
  const index = indexes.get(key);
  if (index !== undefined) {
    const caps = schemaCapabilities(index.schema);
    if (required.some((r) => caps.has(r))) return undefined;
  }
  return { key: key.text, schemas: [...new Set(required.map((r) => SCHEMA_NAME[r]))].sort() };
}

/** Qdrant `Extractor::update_from_filter_once`: the first key of `f` without a usable index. */
export function firstUnindexedKey(f: Filter, indexes: FieldIndexes, prefix: JsonPath | null = null): UnindexedKey | undefined {
  for (const c of conditionsOf(f)) {
    let found: UnindexedKey | undefined;
    const full = (key: JsonPath): JsonPath => (prefix === null ? key : extendJsonPath(prefix, key));
    switch (c.kind) {
      case 'filter':
        found = firstUnindexedKey(c.filter, indexes, prefix);
        break;
      case 'nested':
        found = firstUnindexedKey(c.filter, indexes, arrayKey(full(c.key)));
        break;
      case 'field':
        found = check(full(c.key), fieldCapabilities(c), indexes);
        break;
      case 'is_empty':
      case 'is_null':
        found = check(full(c.key), ALL, indexes);
        break;
      case 'has_id':
      case 'has_vector':
        break;
    }
    if (found !== undefined) return found;
  }
  return undefined;
}

/** Qdrant `Extractor::update_from_expression`: the first payload key a formula reads without a usable index. */
export function firstUnindexedExpressionKey(e: Expr, indexes: FieldIndexes): UnindexedKey | undefined {
  switch (e.k) {
    case 'const':
    case 'score':
    case 'datetime':
      return undefined;
    case 'payload':
      return check(parseJsonPath(e.path), ['int_match', 'int_range', 'float_range'], indexes);
    case 'geo_distance':
      return check(parseJsonPath(e.path), ['geo'], indexes);
    case 'datetime_key':
      return check(parseJsonPath(e.path), ['datetime_range'], indexes);
    case 'condition':
      return firstUnindexedKey(e.filter, indexes);
    case 'mult':
    case 'sum':
      for (const item of e.items) {
        const found = firstUnindexedExpressionKey(item, indexes);
        if (found !== undefined) return found;
      }
      return undefined;
    case 'div':
      return firstUnindexedExpressionKey(e.left, indexes) ?? firstUnindexedExpressionKey(e.right, indexes);
    case 'pow':
      return firstUnindexedExpressionKey(e.base, indexes) ?? firstUnindexedExpressionKey(e.exponent, indexes);
    case 'decay':
      return firstUnindexedExpressionKey(e.x, indexes) ?? (e.target === undefined ? undefined : firstUnindexedExpressionKey(e.target, indexes));
    default:
      return firstUnindexedExpressionKey(e.x, indexes);
  }
}

/** Qdrant `PayloadFieldSchema::supports_match` for the index at `key` (group-by needs one). */
export function indexSupportsMatch(schema: FieldSchema): boolean {
  switch (schema.type) {
    case 'keyword':
    case 'uuid':
    case 'bool':
      return true;
    case 'integer':
      // Qdrant: a bare `integer` supports match; with params only when `lookup` is explicitly true.
      return schema.params === null || schema.params['lookup'] === true;
    default:
      return false;
  }
}
