/**
 * Filter composition for the query pipeline: Qdrant merges a request's filter into every prefetch
 * (`Filter::merge_opts`, lib/shard/src/query/planned_query.rs) and excludes the points a query
 * references by id (`exclude_referenced_ids`, collection_query.rs) with a `must_not has_id`.
 */
import type { Condition, Filter } from '../../index/filter/types.js';
import type { PointId } from '../../storage/point-id.js';

/** The conjunction of the defined filters (undefined when none is). */
export function andFilters(...filters: ReadonlyArray<Filter | undefined>): Filter | undefined {
  const defined = filters.filter((f): f is Filter => f !== undefined);
  if (defined.length === 0) return undefined;
  if (defined.length === 1) return defined[0];
  const must: Condition[] = defined.map((filter) => ({ kind: 'filter', filter }));
  return Object.freeze({ must, should: null, mustNot: null, minShould: null });
}

/** `filter` AND NOT has_id(ids); `filter` itself when `ids` is empty. */
export function excludeIds(filter: Filter | undefined, ids: readonly PointId[]): Filter | undefined {
  if (ids.length === 0) return filter;
  const hasId: Condition = { kind: 'has_id', ids: [...ids], set: new Set(ids) };
  const exclusion: Filter = Object.freeze({ must: null, should: null, mustNot: [hasId], minShould: null });
  return andFilters(filter, exclusion);
}
