import { AppError, badInput } from '../../errors.js';
import { parseJsonPath } from '../json-path.js';
import type { FieldIndexes } from './field-indexes.js';
import type { FacetSource, FacetValue } from './payload-index.js';

/** The facet parameters of Qdrant's `FacetRequest` (the filter is applied by the caller). */
export interface FacetParams {
  readonly key: string;
  /** Maximum hits (default 10). */
  readonly limit?: number | null;
  /** Qdrant may approximate counts unless `exact`; Quiver's counts are always exact. */
  readonly exact?: boolean | null;
}

/** One facet hit (Qdrant `FacetValueHit`). */
export interface FacetHit {
  readonly value: FacetValue;
  readonly count: number;
}

/** Qdrant `FacetResponse`. */
export interface FacetResult {
  readonly hits: FacetHit[];
}

export const DEFAULT_FACET_LIMIT = 10;

/**
 * Counts points per value of `key` among `allowed` (the offsets that passed the request's filter;
 * null = every point). Hits are sorted by count descending, then value ascending; values with no
 * point are left out. Faceting needs an index that answers `match` (keyword, integer with lookup,
 * bool, uuid), as in Qdrant.
 * @throws AppError(WRONG_INPUT) with Qdrant's message when the key has no such index.
 * @throws AppError(BAD_INPUT) for an invalid key or limit.
 */
export function facet(indexes: FieldIndexes, params: FacetParams, allowed: Iterable<number> | null = null): FacetResult {
  const path = parseJsonPath(params.key);
  const source = indexes.get(path)?.facetSource() ?? null;
  if (source === null) {
    throw new AppError('WRONG_INPUT', [
      `No appropriate index for faceting: \`${path.text}\`. Please create one to facet on this field. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Match conditions`,
    ]);
  }
  const limit = params.limit ?? DEFAULT_FACET_LIMIT;
  if (!Number.isSafeInteger(limit) || limit < 1) throw badInput('facet: limit must be a positive integer');
  return { hits: facetCounts(source, limit, allowed) };
}

/** Facet hits straight from an index's value → points map. */
export function facetCounts(source: FacetSource, limit: number, allowed: Iterable<number> | null): FacetHit[] {
  const hits: FacetHit[] = [];
  if (allowed === null) {
    for (const [value, points] of source.facetEntries()) if (points.size > 0) hits.push({ value, count: points.size });
  } else {
    const counts = new Map<FacetValue, number>();
    const seen = new Set<number>();
    for (const offset of allowed) {
      if (seen.has(offset)) continue;
      seen.add(offset);
      const values = source.facetValuesOf(offset);
      if (values === undefined) continue;
      for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
    }
    for (const [value, count] of counts) hits.push({ value, count });
  }
  hits.sort((a, b) => b.count - a.count || compareValues(a.value, b.value));
  return hits.length > limit ? hits.slice(0, limit) : hits;
}

/** The order of facet values with equal counts: numbers by value, booleans false first, anything else as text. */
export function compareValues(a: FacetValue, b: FacetValue): number {
  const numeric = (v: FacetValue): v is number | bigint => typeof v === 'number' || typeof v === 'bigint';
  if (numeric(a) && numeric(b)) return a < b ? -1 : a > b ? 1 : 0;
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  const sa = String(a);
  const sb = String(b);
  return sa < sb ? -1 : sa > sb ? 1 : 0;
}
