import type { FieldCondition, GeoBoundingBox, GeoPolygon, GeoRadius, Match, Range } from '../filter/types.js';
import type { JsonPath } from '../json-path.js';
import type { JsonRecord } from '../../json.js';
import type { FieldSchema } from './field-schema.js';
import type { OffsetList } from './offsets.js';

/** Qdrant `CardinalityEstimation` without the primary clauses: bounds on how many points match. */
export interface CardinalityEstimate {
  readonly min: number;
  readonly exp: number;
  readonly max: number;
}

export function exactEstimate(count: number): CardinalityEstimate {
  return { min: count, exp: count, max: count };
}

/** Qdrant `CardinalityEstimation::unknown`: nothing is known about the condition. */
export function unknownEstimate(total: number): CardinalityEstimate {
  return { min: 0, exp: Math.floor(total / 2), max: total };
}

/**
 * A payload index over one field path, mapping values to internal point offsets.
 *
 * Contract (every implementation must honour it; the planner relies on it):
 * - `add` replaces whatever the index held for `offset`; `remove` forgets it.
 * - `candidates` returns the exact, sorted set of indexed offsets whose payload satisfies the
 *   condition as `matches()` evaluates it, or null when the index cannot answer that condition
 *   exactly (wrong value type, capability disabled, several checks in one condition…). Returning
 *   a subset would silently drop results, so an implementation that is unsure must return null.
 * - `estimate` is cheap and returns null exactly when `candidates` would.
 */
export interface PayloadFieldIndex {
  readonly path: JsonPath;
  readonly schema: FieldSchema;
  /** Points with at least one value this index accepted (`payload_schema[field].points`). */
  readonly pointsCount: number;
  add(offset: number, payload: JsonRecord | null | undefined): void;
  remove(offset: number): void;
  candidates(condition: FieldCondition): OffsetList | null;
  estimate(condition: FieldCondition): CardinalityEstimate | null;
  /** The per-value counts for faceting, or null when this index cannot facet (Qdrant `as_facet_index`). */
  facetSource(): FacetSource | null;
}

/** A facet value as Qdrant returns it (`FacetValue`; an integer beyond ±(2^53−1) is a bigint). */
export type FacetValue = string | number | bigint | boolean;

/** An index that can count points per value (keyword, integer with lookup, bool, uuid). */
export interface FacetSource {
  /** Every distinct value with the set of points holding it. */
  facetEntries(): Iterable<readonly [FacetValue, ReadonlySet<number>]>;
  /** The distinct values of one point, or undefined when it has none. */
  facetValuesOf(offset: number): readonly FacetValue[] | undefined;
}

/** The single test a condition carries, when it carries exactly one an index could answer. */
export type SoleCheck =
  | { readonly kind: 'match'; readonly match: Match }
  | { readonly kind: 'range'; readonly range: Range }
  | { readonly kind: 'geo_bounding_box'; readonly box: GeoBoundingBox }
  | { readonly kind: 'geo_radius'; readonly circle: GeoRadius }
  | { readonly kind: 'geo_polygon'; readonly polygon: GeoPolygon };

/**
 * The one check of `condition`, or null when it has several (they are OR-ed, see
 * `FieldCondition`) or uses `values_count` / `is_empty` / `is_null`, which no index answers.
 */
export function soleCheck(condition: FieldCondition): SoleCheck | null {
  if (condition.valuesCount !== null || condition.isEmpty !== null || condition.isNull !== null) return null;
  let found: SoleCheck | null = null;
  let count = 0;
  if (condition.match !== null) {
    found = { kind: 'match', match: condition.match };
    count++;
  }
  if (condition.range !== null) {
    found = { kind: 'range', range: condition.range };
    count++;
  }
  if (condition.geoBoundingBox !== null) {
    found = { kind: 'geo_bounding_box', box: condition.geoBoundingBox };
    count++;
  }
  if (condition.geoRadius !== null) {
    found = { kind: 'geo_radius', circle: condition.geoRadius };
    count++;
  }
  if (condition.geoPolygon !== null) {
    found = { kind: 'geo_polygon', polygon: condition.geoPolygon };
    count++;
  }
  return count === 1 ? found : null;
}
