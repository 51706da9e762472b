import type { PointId } from '../../storage/point-id.js';
import type { JsonPath } from '../json-path.js';

/**
 * The typed filter language (Qdrant `Filter`), produced by `parseFilter` from wire JSON.
 * A clause that was absent (or `null`) on the wire is `null` here; an empty array stays empty,
 * which matters: Qdrant's `should: []` matches nothing while an absent `should` matches everything.
 */
export interface Filter {
  readonly must: readonly Condition[] | null;
  readonly should: readonly Condition[] | null;
  readonly mustNot: readonly Condition[] | null;
  readonly minShould: MinShould | null;
}

/** At least `minCount` of `conditions` must match. */
export interface MinShould {
  readonly conditions: readonly Condition[];
  readonly minCount: number;
}

export type Condition =
  | FieldCondition
  | IsEmptyCondition
  | IsNullCondition
  | HasIdCondition
  | HasVectorCondition
  | SliceCondition
  | NestedCondition
  | FilterCondition;

/**
 * A condition on the values at `key`. Several checks in one condition are OR-ed (Qdrant
 * `FieldCondition::check_match`), except `valuesCount`, `isEmpty` and `isNull`, which take
 * precedence in that order when present.
 */
export interface FieldCondition {
  readonly kind: 'field';
  readonly key: JsonPath;
  readonly match: Match | null;
  readonly range: Range | null;
  readonly geoBoundingBox: GeoBoundingBox | null;
  readonly geoRadius: GeoRadius | null;
  readonly geoPolygon: GeoPolygon | null;
  readonly valuesCount: ValuesCount | null;
  readonly isEmpty: boolean | null;
  readonly isNull: boolean | null;
}

/** `{"is_empty": {"key": …}}`: the field is missing, `null`, `[]`, or only holds those. */
export interface IsEmptyCondition {
  readonly kind: 'is_empty';
  readonly key: JsonPath;
}

/** `{"is_null": {"key": …}}`: the field holds an explicit `null` (or an array containing one). */
export interface IsNullCondition {
  readonly kind: 'is_null';
  readonly key: JsonPath;
}

/**
 * `{"has_id": […]}`. `set` holds the same ids for O(1) lookups without allocation (integer ids
 * as numbers, UUIDs as canonical lowercase strings, exactly as `PointId` values compare).
 */
export interface HasIdCondition {
  readonly kind: 'has_id';
  readonly ids: readonly PointId[];
  readonly set: ReadonlySet<PointId>;
}

/** `{"has_vector": "name"}`; `""` is the default unnamed vector. */
export interface HasVectorCondition {
  readonly kind: 'has_vector';
  readonly name: string;
}

/**
 * `{"slice": {"index", "total"}}` (Qdrant 1.19): the point is in slice `index` of `total` disjoint slices of
 * the id space, `siphash24(zero key, canonical id bytes) % total == index`.
 */
export interface SliceCondition {
  readonly kind: 'slice';
  readonly index: number;
  readonly total: number;
}

/** `{"nested": {"key", "filter"}}`: `filter` must match one element of the object array at `key`. */
export interface NestedCondition {
  readonly kind: 'nested';
  readonly key: JsonPath;
  readonly filter: Filter;
}

/** A filter used as a condition (clauses nest recursively). */
export interface FilterCondition {
  readonly kind: 'filter';
  readonly filter: Filter;
}

/**
 * Scalar values of `match.value` (Qdrant `ValueVariants`). An integer is a number within ±(2^53−1), a bigint
 * beyond (`exact-json.ts`), so `===` compares integers exactly.
 */
export type MatchScalar = string | number | bigint | boolean;

/** An exact integer: a number within ±(2^53−1), a bigint beyond. */
export type ExactInteger = number | bigint;

/**
 * A `match` clause. For `any` / `except` exactly one of `keywords` / `integers` is set
 * (Qdrant `AnyVariants`: an empty array is a keyword list).
 */
export type Match =
  | { readonly kind: 'value'; readonly value: MatchScalar }
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'text_any'; readonly text: string }
  | { readonly kind: 'phrase'; readonly text: string }
  /** `match: {prefix}` (Qdrant 1.19): a string value starting with `prefix`, case-sensitive. */
  | { readonly kind: 'prefix'; readonly prefix: string }
  | AnyMatch
  | ExceptMatch;

export interface AnyMatch {
  readonly kind: 'any';
  readonly keywords: ReadonlySet<string> | null;
  readonly integers: ReadonlySet<ExactInteger> | null;
}

export interface ExceptMatch {
  readonly kind: 'except';
  readonly keywords: ReadonlySet<string> | null;
  readonly integers: ReadonlySet<ExactInteger> | null;
}

/**
 * A range. `number` ranges compare JSON numbers (bounds may be exact integers beyond 2^53: relational operators
 * compare bigints and numbers exactly); `datetime` ranges compare datetime strings, with bounds in microseconds
 * since the epoch.
 */
export interface Range {
  readonly kind: 'number' | 'datetime';
  readonly gt: number | bigint | null;
  readonly gte: number | bigint | null;
  readonly lt: number | bigint | null;
  readonly lte: number | bigint | null;
}

export interface GeoPoint {
  readonly lat: number;
  readonly lon: number;
}

export interface GeoBoundingBox {
  readonly topLeft: GeoPoint;
  readonly bottomRight: GeoPoint;
}

/** A circle; `radius` in meters (haversine distance, strictly less than). */
export interface GeoRadius {
  readonly center: GeoPoint;
  readonly radius: number;
}

/** Closed rings (first point == last point), at least 4 points each. */
export interface GeoPolygon {
  readonly exterior: readonly GeoPoint[];
  readonly interiors: readonly (readonly GeoPoint[])[];
}

/** Bounds on the number of values (array length; a scalar counts 1, `null` counts 0). */
export interface ValuesCount {
  readonly gt: number | null;
  readonly gte: number | null;
  readonly lt: number | null;
  readonly lte: number | null;
}
