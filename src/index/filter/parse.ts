import { AppError, isAppError } from '../../errors.js';
import { parsePointId } from '../../storage/point-id.js';
import type { PointId } from '../../storage/point-id.js';
import { parseJsonPath } from '../json-path.js';
import type { JsonPath } from '../json-path.js';
import { parseDatetime } from '../payload/datetime-value.js';
import type {
  Condition,
  ExactInteger,
  FieldCondition,
  Filter,
  GeoBoundingBox,
  GeoPoint,
  GeoPolygon,
  GeoRadius,
  Match,
  MatchScalar,
  MinShould,
  Range,
  ValuesCount,
} from './types.js';
import { isObject } from '../../json.js';

/** Filters nested deeper than this are refused (a guard against stack exhaustion). */
export const MAX_FILTER_DEPTH = 64;

type Json = Readonly<Record<string, unknown>>;

const FILTER_KEYS = new Set(['must', 'should', 'must_not', 'min_should']);

/**
 * Converts wire JSON (Qdrant `Filter`) into the typed AST, re-checking every semantic rule the
 * JSON schema cannot express.
 * @throws AppError(BAD_FILTER) with a message naming the condition and where it is, e.g.
 *   `Bad request: range: expected a number for gte (at must[1])`.
 */
export function parseFilter(json: unknown): Filter {
  return filter(json, '', 0);
}

function fail(message: string, at: string): never {
  throw new AppError('BAD_REQUEST', [at === '' ? message : `${message} (at ${at})`]);
}

function join(at: string, key: string): string {
  return at === '' ? key : `${at}.${key}`;
}

function has(obj: Json, key: string): boolean {
  return Object.hasOwn(obj, key);
}

function get(obj: Json, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

function filter(json: unknown, at: string, depth: number): Filter {
  if (depth > MAX_FILTER_DEPTH) fail(`filter: nested deeper than ${MAX_FILTER_DEPTH} levels`, at);
  if (!isObject(json)) fail('filter: expected an object', at);
  for (const key of Object.keys(json)) {
    if (!FILTER_KEYS.has(key)) fail(`filter: unknown field "${key}", expected must, should, must_not or min_should`, at);
  }
  return Object.freeze({
    must: clause(get(json, 'must'), join(at, 'must'), depth),
    should: clause(get(json, 'should'), join(at, 'should'), depth),
    mustNot: clause(get(json, 'must_not'), join(at, 'must_not'), depth),
    minShould: minShould(get(json, 'min_should'), join(at, 'min_should'), depth),
  });
}

function clause(json: unknown, at: string, depth: number): readonly Condition[] | null {
  if (json === undefined || json === null) return null;
  if (Array.isArray(json)) return Object.freeze(json.map((c: unknown, i) => condition(c, `${at}[${i}]`, depth)));
  if (isObject(json)) return Object.freeze([condition(json, at, depth)]);
  return fail('filter: expected a condition or an array of conditions', at);
}

function minShould(json: unknown, at: string, depth: number): MinShould | null {
  if (json === undefined || json === null) return null;
  if (!isObject(json)) fail('min_should: expected an object with conditions and min_count', at);
  const conditions = get(json, 'conditions');
  if (!Array.isArray(conditions)) fail('min_should: expected an array for conditions', at);
  const minCount = get(json, 'min_count');
  if (typeof minCount !== 'number' || !Number.isSafeInteger(minCount) || minCount < 0) {
    fail('min_should: expected a non-negative integer for min_count', at);
  }
  return Object.freeze({
    conditions: Object.freeze(conditions.map((c: unknown, i) => condition(c, `${at}.conditions[${i}]`, depth))),
    minCount,
  });
}

function condition(json: unknown, at: string, depth: number): Condition {
  if (!isObject(json)) fail('condition: expected an object', at);
  if (has(json, 'key')) return fieldCondition(json, at);
  if (has(json, 'is_empty')) return { kind: 'is_empty', key: payloadField(get(json, 'is_empty'), 'is_empty', at) };
  if (has(json, 'is_null')) return { kind: 'is_null', key: payloadField(get(json, 'is_null'), 'is_null', at) };
  if (has(json, 'has_id')) return hasId(get(json, 'has_id'), at);
  if (has(json, 'has_vector')) {
    const name = get(json, 'has_vector');
    if (typeof name !== 'string') fail('has_vector: expected a vector name (string)', at);
    return { kind: 'has_vector', name };
  }
  if (has(json, 'nested')) return nested(get(json, 'nested'), at, depth);
  if (has(json, 'slice')) return slice(get(json, 'slice'), at);
  for (const key of Object.keys(json)) {
    if (!FILTER_KEYS.has(key)) {
      fail(
        `condition: unknown field "${key}"; expected a field condition ({"key": …}), is_empty, is_null, has_id, has_vector, slice, nested or a filter`,
        at,
      );
    }
  }
  return { kind: 'filter', filter: filter(json, at, depth + 1) };
}

function path(text: unknown, what: string, at: string): JsonPath {
  if (typeof text !== 'string') fail(`${what}: expected a string`, at);
  try {
    return parseJsonPath(text);
  } catch (e) {
    if (isAppError(e)) fail(`${what}: invalid json path '${text}'`, at);
    throw e;
  }
}

function payloadField(json: unknown, what: string, at: string): JsonPath {
  if (!isObject(json)) fail(`${what}: expected an object with a key`, at);
  return path(get(json, 'key'), `${what}.key`, at);
}

function hasId(json: unknown, at: string): Condition {
  if (!Array.isArray(json)) fail('has_id: expected an array of point ids', at);
  const ids: PointId[] = [];
  const set = new Set<PointId>();
  for (const raw of json as unknown[]) {
    let id: PointId;
    try {
      id = parsePointId(raw);
    } catch (e) {
      if (isAppError(e)) fail(`has_id: ${e.message}`, at);
      throw e;
    }
    if (!set.has(id)) {
      set.add(id);
      ids.push(id);
    }
  }
  return { kind: 'has_id', ids: Object.freeze(ids), set };
}

/**
 * `{"slice": {"total", "index"}}`. `total >= 1` is checked by the request schema; `index < total` is the
 * rule of the same validator, so it fails as a validation error (422) too.
 */
function slice(json: unknown, at: string): Condition {
  if (!isObject(json)) fail('slice: expected an object with total and index', at);
  const total = get(json, 'total');
  const index = get(json, 'index');
  const u32 = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0 && v <= 0xffffffff;
  if (!u32(total) || !u32(index)) fail('slice: expected unsigned 32-bit integers for total and index', at);
  const where = at === '' ? 'filter.slice' : `filter.${at}.slice`;
  if (total < 1) throw new AppError('VALIDATION', [`${where}.total: value ${total} invalid, must be 1 or larger`]);
  if (index >= total) throw new AppError('VALIDATION', [`${where}.index: value ${index} invalid, must be less than total (${total})`]);
  return Object.freeze({ kind: 'slice', index, total });
}

function nested(json: unknown, at: string, depth: number): Condition {
  if (!isObject(json)) fail('nested: expected an object with key and filter', at);
  const key = path(get(json, 'key'), 'nested.key', at);
  if (!has(json, 'filter')) fail('nested: missing filter', at);
  return { kind: 'nested', key, filter: filter(get(json, 'filter'), join(at, 'nested.filter'), depth + 1) };
}

function fieldCondition(json: Json, at: string): FieldCondition {
  const key = path(get(json, 'key'), 'key', at);
  const where = at === '' ? `key "${key.text}"` : `${at}, key "${key.text}"`;
  const cond: FieldCondition = {
    kind: 'field',
    key,
    match: nullable(get(json, 'match'), (v) => parseMatch(v, where)),
    range: nullable(get(json, 'range'), (v) => parseRange(v, where)),
    geoBoundingBox: nullable(get(json, 'geo_bounding_box'), (v) => boundingBox(v, where)),
    geoRadius: nullable(get(json, 'geo_radius'), (v) => radius(v, where)),
    geoPolygon: nullable(get(json, 'geo_polygon'), (v) => polygon(v, where)),
    valuesCount: nullable(get(json, 'values_count'), (v) => valuesCount(v, where)),
    isEmpty: nullable(get(json, 'is_empty'), (v) => bool(v, 'is_empty', where)),
    isNull: nullable(get(json, 'is_null'), (v) => bool(v, 'is_null', where)),
  };
  if (
    cond.match === null &&
    cond.range === null &&
    cond.geoBoundingBox === null &&
    cond.geoRadius === null &&
    cond.geoPolygon === null &&
    cond.valuesCount === null &&
    cond.isEmpty === null &&
    cond.isNull === null
  ) {
    // Qdrant's `validate_field_condition`: the body parses, a validator rule fails → 422.
    throw new AppError('VALIDATION', [`${at === '' ? 'filter' : `filter.${at}`}: Validation error: At least one field condition must be specified [{}]`]);
  }
  return Object.freeze(cond);
}

function nullable<T>(v: unknown, parse: (v: unknown) => T): T | null {
  return v === undefined || v === null ? null : parse(v);
}

function bool(v: unknown, what: string, at: string): boolean {
  if (typeof v !== 'boolean') fail(`${what}: expected a boolean`, at);
  return v;
}

function parseMatch(v: unknown, at: string): Match {
  if (!isObject(v)) fail('match: expected an object', at);
  if (has(v, 'value')) {
    const value = get(v, 'value');
    if (!isScalar(value)) fail('match: expected a string, an integer or a boolean for value', at);
    return Object.freeze({ kind: 'value', value });
  }
  for (const [key, kind] of [['text', 'text'], ['text_any', 'text_any'], ['phrase', 'phrase']] as const) {
    if (has(v, key)) {
      const text = get(v, key);
      if (typeof text !== 'string') fail(`match: expected a string for ${key}`, at);
      return Object.freeze({ kind, text });
    }
  }
  if (has(v, 'prefix')) {
    const prefix = get(v, 'prefix');
    if (typeof prefix !== 'string') fail('match: expected a string for prefix', at);
    return Object.freeze({ kind: 'prefix', prefix });
  }
  for (const kind of ['any', 'except'] as const) {
    if (has(v, kind)) {
      const list = get(v, kind);
      if (!Array.isArray(list)) fail(`match: expected an array of strings or an array of integers for ${kind}`, at);
      const arr = list as unknown[];
      if (arr.every((x) => typeof x === 'string')) {
        return Object.freeze({ kind, keywords: new Set(arr), integers: null });
      }
      if (arr.every(isExactInteger)) {
        return Object.freeze({ kind, keywords: null, integers: new Set(arr) });
      }
      fail(`match: expected an array of strings or an array of integers for ${kind}`, at);
    }
  }
  return fail('match: expected one of value, text, text_any, phrase, prefix, any, except', at);
}

/** A safe integer, or a bigint within i64 (Qdrant's integer match values are i64). */
function isExactInteger(v: unknown): v is ExactInteger {
  return (typeof v === 'number' && Number.isSafeInteger(v)) || (typeof v === 'bigint' && v >= I64_MIN && v <= I64_MAX);
}

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

function isScalar(v: unknown): v is MatchScalar {
  return typeof v === 'string' || typeof v === 'boolean' || isExactInteger(v);
}

const BOUNDS = ['gt', 'gte', 'lt', 'lte'] as const;

function parseRange(v: unknown, at: string): Range {
  if (!isObject(v)) fail('range: expected an object with gt, gte, lt or lte', at);
  const datetime = BOUNDS.some((b) => typeof get(v, b) === 'string');
  const out: Record<(typeof BOUNDS)[number], number | bigint | null> = { gt: null, gte: null, lt: null, lte: null };
  for (const b of BOUNDS) {
    const x = get(v, b);
    if (x === undefined || x === null) continue;
    if (datetime) {
      if (typeof x !== 'string') fail(`range: expected an RFC 3339 datetime string for ${b} (bounds cannot mix numbers and datetimes)`, at);
      const micros = parseDatetime(x);
      if (micros === null) {
        fail(`range: expected an RFC 3339 datetime for ${b}, got "${x}" (accepted: 2023-02-08T10:49:00Z, 2023-02-08T10:49:00+01:00, 2023-02-08T10:49:00, 2023-02-08T10:49, 2023-02-08)`, at);
      }
      out[b] = micros;
    } else {
      if (typeof x === 'bigint') out[b] = x;
      else if (typeof x !== 'number' || !Number.isFinite(x)) fail(`range: expected a number for ${b}`, at);
      else out[b] = x;
    }
  }
  return Object.freeze({ kind: datetime ? 'datetime' : 'number', ...out });
}

function geoPoint(v: unknown, what: string, at: string): GeoPoint {
  if (!isObject(v)) fail(`${what}: expected an object with lat and lon`, at);
  const lat = get(v, 'lat');
  const lon = get(v, 'lon');
  if (typeof lat !== 'number' || !Number.isFinite(lat)) fail(`${what}: expected a number for lat`, at);
  if (typeof lon !== 'number' || !Number.isFinite(lon)) fail(`${what}: expected a number for lon`, at);
  if (lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    fail(`${what}: Wrong format of GeoPoint payload: expected \`lat\` = ${lat} within [-90;90] and \`lon\` = ${lon} within [-180;180]`, at);
  }
  return Object.freeze({ lat, lon });
}

function boundingBox(v: unknown, at: string): GeoBoundingBox {
  if (!isObject(v)) fail('geo_bounding_box: expected an object with top_left and bottom_right', at);
  return Object.freeze({
    topLeft: geoPoint(get(v, 'top_left'), 'geo_bounding_box.top_left', at),
    bottomRight: geoPoint(get(v, 'bottom_right'), 'geo_bounding_box.bottom_right', at),
  });
}

function radius(v: unknown, at: string): GeoRadius {
  if (!isObject(v)) fail('geo_radius: expected an object with center and radius', at);
  const r = get(v, 'radius');
  if (typeof r !== 'number' || !Number.isFinite(r)) fail('geo_radius: expected a number of meters for radius', at);
  return Object.freeze({ center: geoPoint(get(v, 'center'), 'geo_radius.center', at), radius: r });
}

function lineString(v: unknown, what: string, at: string): readonly GeoPoint[] {
  if (!isObject(v) || !Array.isArray(get(v, 'points'))) fail(`${what}: expected an object with an array of points`, at);
  const points = (get(v, 'points') as unknown[]).map((p, i) => geoPoint(p, `${what}.points[${i}]`, at));
  if (points.length <= 3) fail(`${what}: polygon invalid, the size must be at least 4, got ${points.length}`, at);
  const first = points[0] as GeoPoint;
  const last = points[points.length - 1] as GeoPoint;
  if (Math.abs(first.lat - last.lat) > Number.EPSILON || Math.abs(first.lon - last.lon) > Number.EPSILON) {
    fail(`${what}: polygon invalid, the first and the last points should be the same to form a closed line`, at);
  }
  return Object.freeze(points);
}

function polygon(v: unknown, at: string): GeoPolygon {
  if (!isObject(v)) fail('geo_polygon: expected an object with exterior and interiors', at);
  const exterior = lineString(get(v, 'exterior'), 'geo_polygon.exterior', at);
  const rawInteriors = get(v, 'interiors');
  let interiors: readonly (readonly GeoPoint[])[] = [];
  if (rawInteriors !== undefined && rawInteriors !== null) {
    if (!Array.isArray(rawInteriors)) fail('geo_polygon: expected an array for interiors', at);
    interiors = (rawInteriors as unknown[]).map((r, i) => lineString(r, `geo_polygon.interiors[${i}]`, at));
  }
  return Object.freeze({ exterior, interiors: Object.freeze(interiors) });
}

function valuesCount(v: unknown, at: string): ValuesCount {
  if (!isObject(v)) fail('values_count: expected an object with gt, gte, lt or lte', at);
  const out: Record<(typeof BOUNDS)[number], number | null> = { gt: null, gte: null, lt: null, lte: null };
  for (const b of BOUNDS) {
    const x = get(v, b);
    if (x === undefined || x === null) continue;
    if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 0) fail(`values_count: expected a non-negative integer for ${b}`, at);
    out[b] = x;
  }
  return Object.freeze(out);
}
