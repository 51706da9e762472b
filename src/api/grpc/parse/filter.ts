/**
 * `qdrant.Filter` (qdrant_common.proto) → the engine's typed filter (src/index/filter/types.ts), directly: every
 * condition of the proto — field (match, range, datetime range, geo box / radius / polygon, values count,
 * is_empty, is_null), is_empty, is_null, has_id, has_vector, nested, a filter as a condition, min_should.
 */
import { AppError, isAppError } from '../../../errors.js';
import { parseJsonPath, type JsonPath } from '../../../index/json-path.js';
import { MAX_FILTER_DEPTH } from '../../../index/filter/parse.js';
import type { Condition, FieldCondition, Filter, GeoPoint, Match, Range, ValuesCount } from '../../../index/filter/types.js';
import type { PointId } from '../../../storage/point-id.js';
import type * as M from '../generated/messages.js';
import { exactInt64, safeInteger } from './value.js';
import { pointId } from './point-id.js';
import type { Timestamp__Output } from '../generated/google/protobuf/Timestamp.js';

function fail(message: string, at: string): never {
  throw new AppError('BAD_REQUEST', [at === '' ? message : `${message} (at ${at})`]);
}

function path(text: string | undefined, at: string): JsonPath {
  try {
    return parseJsonPath(text ?? '');
  } catch (e) {
    if (isAppError(e)) fail(`invalid json path '${text ?? ''}'`, at);
    throw e;
  }
}

/** An optional filter; `undefined` when absent. */
export function optionalFilter(f: M.Filter__Output | undefined | null, at = 'filter'): Filter | undefined {
  return f === undefined || f === null ? undefined : parseFilter(f, at);
}

export function parseFilter(f: M.Filter__Output | undefined | null, at = 'filter', depth = 0): Filter {
  if (depth > MAX_FILTER_DEPTH) fail(`filter: nested deeper than ${MAX_FILTER_DEPTH} levels`, at);
  const clause = (list: readonly M.Condition__Output[] | undefined, name: string): readonly Condition[] | null =>
    // proto3 cannot tell an absent repeated field from an empty one: empty means absent, as in Qdrant's conversion.
    list === undefined || list.length === 0 ? null : Object.freeze(list.map((c, i) => condition(c, `${at}.${name}[${i}]`, depth)));
  const ms = f?.min_should;
  return Object.freeze({
    must: clause(f?.must, 'must'),
    should: clause(f?.should, 'should'),
    mustNot: clause(f?.must_not, 'must_not'),
    minShould:
      ms === undefined || ms === null
        ? null
        : Object.freeze({
            conditions: Object.freeze((ms.conditions ?? []).map((c, i) => condition(c, `${at}.min_should.conditions[${i}]`, depth))),
            minCount: safeInteger(ms.min_count, `${at}.min_should.min_count`),
          }),
  });
}

function condition(c: M.Condition__Output, at: string, depth: number): Condition {
  switch (c.condition_one_of) {
    case 'field':
      return field(c.field!, at);
    case 'is_empty':
      return { kind: 'is_empty', key: path(c.is_empty?.key, at) };
    case 'is_null':
      return { kind: 'is_null', key: path(c.is_null?.key, at) };
    case 'has_id': {
      const ids: PointId[] = (c.has_id?.has_id ?? []).map((id, i) => pointId(id, `${at}.has_id[${i}]`));
      const set = new Set(ids);
      return { kind: 'has_id', ids: Object.freeze([...set]), set };
    }
    case 'has_vector':
      return { kind: 'has_vector', name: c.has_vector?.has_vector ?? '' };
    case 'nested':
      return { kind: 'nested', key: path(c.nested?.key, at), filter: parseFilter(c.nested?.filter, `${at}.nested.filter`, depth + 1) };
    case 'filter':
      return { kind: 'filter', filter: parseFilter(c.filter, `${at}.filter`, depth + 1) };
    case 'slice': {
      const total = c.slice?.total ?? 0;
      const index = c.slice?.index ?? 0;
      if (total < 1) return fail(`slice: total must be 1 or larger, got ${total}`, at);
      if (index >= total) return fail(`slice: index must be less than total (${total}), got ${index}`, at);
      return { kind: 'slice', index, total };
    }
    default:
      return fail('condition: no condition set', at);
  }
}

function geoPoint(p: M.GeoPoint__Output | undefined | null, what: string, at: string): GeoPoint {
  const lat = p?.lat ?? 0;
  const lon = p?.lon ?? 0;
  if (!Number.isFinite(lat) || !Number.isFinite(lon) || lat < -90 || lat > 90 || lon < -180 || lon > 180) {
    fail(`${what}: Wrong format of GeoPoint payload: expected \`lat\` = ${lat} within [-90;90] and \`lon\` = ${lon} within [-180;180]`, at);
  }
  return Object.freeze({ lat, lon });
}

function ring(l: M.GeoLineString__Output | undefined | null, what: string, at: string): readonly GeoPoint[] {
  const points = (l?.points ?? []).map((p, i) => geoPoint(p, `${what}.points[${i}]`, at));
  if (points.length <= 3) fail(`${what}: polygon invalid, the size must be at least 4, got ${points.length}`, at);
  const first = points[0]!;
  const last = points[points.length - 1]!;
  if (first.lat !== last.lat || first.lon !== last.lon) fail(`${what}: polygon invalid, the first and the last points should be the same to form a closed line`, at);
  return Object.freeze(points);
}

function timestampMicros(t: Timestamp__Output | undefined | null): number | null {
  if (t === undefined || t === null) return null;
  return Number(t.seconds ?? 0) * 1e6 + Math.trunc((t.nanos ?? 0) / 1000);
}

function match(m: M.Match__Output, at: string): Match {
  const ints = (list: readonly string[] | undefined): Set<number | bigint> => new Set((list ?? []).map((x) => exactInt64(x, `${at}.match`)));
  switch (m.match_value) {
    case 'keyword':
      return { kind: 'value', value: m.keyword ?? '' };
    case 'integer':
      return { kind: 'value', value: exactInt64(m.integer, `${at}.match.integer`) };
    case 'boolean':
      return { kind: 'value', value: m.boolean ?? false };
    case 'text':
      return { kind: 'text', text: m.text ?? '' };
    case 'text_any':
      return { kind: 'text_any', text: m.text_any ?? '' };
    case 'phrase':
      return { kind: 'phrase', text: m.phrase ?? '' };
    case 'keywords':
      return { kind: 'any', keywords: new Set(m.keywords?.strings ?? []), integers: null };
    case 'integers':
      return { kind: 'any', keywords: null, integers: ints(m.integers?.integers) };
    case 'except_keywords':
      return { kind: 'except', keywords: new Set(m.except_keywords?.strings ?? []), integers: null };
    case 'except_integers':
      return { kind: 'except', keywords: null, integers: ints(m.except_integers?.integers) };
    case 'prefix':
      return { kind: 'prefix', prefix: m.prefix ?? '' };
    default:
      return fail('match: no match value set', at);
  }
}

function field(f: M.FieldCondition__Output, at: string): FieldCondition {
  const key = path(f.key, at);
  const where = `${at}, key "${key.text}"`;
  let range: Range | null = null;
  if (f.range !== undefined && f.range !== null) {
    range = Object.freeze({ kind: 'number', gt: f.range.gt ?? null, gte: f.range.gte ?? null, lt: f.range.lt ?? null, lte: f.range.lte ?? null });
  } else if (f.datetime_range !== undefined && f.datetime_range !== null) {
    const d = f.datetime_range;
    range = Object.freeze({ kind: 'datetime', gt: timestampMicros(d.gt), gte: timestampMicros(d.gte), lt: timestampMicros(d.lt), lte: timestampMicros(d.lte) });
  }
  let valuesCount: ValuesCount | null = null;
  if (f.values_count !== undefined && f.values_count !== null) {
    const v = f.values_count;
    const n = (x: string | undefined): number | null => (x === undefined ? null : safeInteger(x, `${where}.values_count`));
    valuesCount = Object.freeze({ gt: n(v.gt), gte: n(v.gte), lt: n(v.lt), lte: n(v.lte) });
  }
  const cond: FieldCondition = {
    kind: 'field',
    key,
    match: f.match === undefined || f.match === null ? null : match(f.match, where),
    range,
    geoBoundingBox:
      f.geo_bounding_box === undefined || f.geo_bounding_box === null
        ? null
        : Object.freeze({ topLeft: geoPoint(f.geo_bounding_box.top_left, 'geo_bounding_box.top_left', where), bottomRight: geoPoint(f.geo_bounding_box.bottom_right, 'geo_bounding_box.bottom_right', where) }),
    geoRadius:
      f.geo_radius === undefined || f.geo_radius === null
        ? null
        : Object.freeze({ center: geoPoint(f.geo_radius.center, 'geo_radius.center', where), radius: f.geo_radius.radius ?? 0 }),
    geoPolygon:
      f.geo_polygon === undefined || f.geo_polygon === null
        ? null
        : Object.freeze({
            exterior: ring(f.geo_polygon.exterior, 'geo_polygon.exterior', where),
            interiors: Object.freeze((f.geo_polygon.interiors ?? []).map((r, i) => ring(r, `geo_polygon.interiors[${i}]`, where))),
          }),
    valuesCount,
    isEmpty: f.is_empty ?? null,
    isNull: f.is_null ?? null,
  };
  if (Object.values(cond).every((v, i) => i < 2 || v === null)) {
    fail('field condition: at least one field condition must be specified (match, range, geo_*, values_count, is_empty, is_null)', where);
  }
  return Object.freeze(cond);
}
