import type { PointId } from '../../storage/point-id.js';
import type { FieldIndexes } from '../payload/field-indexes.js';
import { EMPTY_OFFSETS, atLeastSorted, intersectSorted, unionSorted } from '../payload/offsets.js';
import type { OffsetList } from '../payload/offsets.js';
import { exactEstimate, unknownEstimate } from '../payload/payload-index.js';
import type { CardinalityEstimate } from '../payload/payload-index.js';
import type { Condition, Filter } from './types.js';

/** What the planner learned about a filter. */
export interface FilterPlan {
  /**
   * Sorted offsets that include every matching point (built from payload indexes), or null when
   * the indexes cannot bound the filter. It may contain points that do not match: the caller must
   * still run `matches()` on each candidate, unless `exact` says the list is the answer.
   */
  readonly candidates: OffsetList | null;
  /**
   * True when `candidates` are exactly the points the filter matches (every condition answered by an index
   * lookup that decides it, and all of them intersected): the caller may skip the per-point check.
   */
  readonly exact: boolean;
  /** Expected number of matching points (`estimate.exp`). */
  readonly estimatedCardinality: number;
  /**
   * Bounds as Qdrant computes them. Qdrant's HNSW search picks exact search when
   * `max < full_scan_threshold`, filtered graph search when `min > full_scan_threshold`, and
   * samples in between.
   */
  readonly estimate: CardinalityEstimate;
}

/** Optional collection facts that make the plan sharper. */
export interface PlanOptions {
  /** Maps an external id to its internal offset (for `has_id`); undefined when absent. */
  readonly resolveId?: (id: PointId) => number | undefined;
  /** Number of points holding the named vector (for `has_vector`). */
  readonly vectorCount?: (name: string) => number | undefined;
}

/** Lists whose expected size is within this factor of the smallest are intersected eagerly. */
const INTERSECT_FACTOR = 8;
const INTERSECT_FLOOR = 4096;
/** Qdrant `MIN_SHOULD_MAX_COMBINATIONS`. */
const MIN_SHOULD_MAX_COMBINATIONS = 100_000;

/**
 * Plans a filtered read: candidate offsets from the payload indexes (intersections for `must`,
 * unions for `should` / `min_should` when every branch is indexed) and Qdrant's cardinality
 * estimation (`query_estimator.rs`): `must` multiplies probabilities, `should` uses the complement
 * rule, `must_not` inverts, unindexed conditions are "unknown" (min 0, exp total/2, max total).
 */
export function planFilter(filter: Filter, indexes: FieldIndexes, totalPoints: number, options: PlanOptions = {}): FilterPlan {
  const planner = new Planner(indexes, Math.max(0, totalPoints), options);
  let estimate = planner.estimateFilter(filter);
  const candidates = planner.candidatesFilter(filter);
  const exact = candidates !== null && !planner.leftOut && planner.decided(filter);
  if (exact) {
    estimate = exactEstimate(candidates.length);
  } else if (candidates !== null) {
    const max = Math.min(estimate.max, candidates.length);
    estimate = { min: Math.min(estimate.min, max), exp: Math.min(estimate.exp, max), max };
  }
  return { candidates, exact, estimatedCardinality: estimate.exp, estimate };
}

class Planner {
  /** Set when a condition's candidates were not intersected (unanswerable, or left to `matches()`). */
  leftOut = false;

  constructor(
    private readonly indexes: FieldIndexes,
    private readonly total: number,
    private readonly options: PlanOptions,
  ) {}

  /**
   * True when index lookups decide `f` exactly: a plain `must` of conditions each answered exactly (a
   * keyword `match` on a keyword index, `has_id`, or a nested filter of the same kind).
   */
  decided(f: Filter): boolean {
    if (f.should !== null || f.minShould !== null || (f.mustNot !== null && f.mustNot.length > 0)) return false;
    if (f.must === null || f.must.length === 0) return false;
    return f.must.every((c) => (c.kind === 'field' && this.indexes.decides(c)) || (c.kind === 'has_id' && this.options.resolveId !== undefined) || (c.kind === 'filter' && this.decided(c.filter)));
  }

  estimateFilter(f: Filter): CardinalityEstimate {
    const parts: CardinalityEstimate[] = [];
    if (f.must !== null && f.must.length > 0) parts.push(combineMust(f.must.map((c) => this.estimateCondition(c)), this.total));
    if (f.should !== null) {
      parts.push(f.should.length === 0 ? exactEstimate(0) : combineShould(f.should.map((c) => this.estimateCondition(c)), this.total));
    }
    if (f.minShould !== null) {
      const estimates = f.minShould.conditions.map((c) => this.estimateCondition(c));
      parts.push(combineMinShould(estimates, f.minShould.minCount, this.total));
    }
    if (f.mustNot !== null && f.mustNot.length > 0) {
      parts.push(combineMust(f.mustNot.map((c) => invert(this.estimateCondition(c), this.total)), this.total));
    }
    return combineMust(parts, this.total);
  }

  private estimateCondition(c: Condition): CardinalityEstimate {
    const total = this.total;
    switch (c.kind) {
      case 'field':
        return clamp(this.indexes.estimate(c, total) ?? unknownEstimate(total), total);
      case 'is_empty': {
        const index = this.indexes.get(c.key);
        if (index === undefined) return unknownEstimate(total);
        const without = Math.max(0, total - index.pointsCount);
        return { min: 0, exp: without, max: without };
      }
      case 'has_id': {
        const resolve = this.options.resolveId;
        // Without the id tracker some ids may not exist: only the upper bound is known.
        if (resolve === undefined) return clamp({ min: 0, exp: c.ids.length, max: c.ids.length }, total);
        let n = 0;
        for (const id of c.ids) if (resolve(id) !== undefined) n++;
        return clamp(exactEstimate(n), total);
      }
      case 'has_vector': {
        const n = this.options.vectorCount?.(c.name);
        return n === undefined ? unknownEstimate(total) : clamp(exactEstimate(n), total);
      }
      case 'filter':
        return this.estimateFilter(c.filter);
      case 'slice': {
        // Uniform by construction: about total/slices points, at most all of them.
        return clamp({ min: 0, exp: Math.round(total / c.total), max: total }, total);
      }
      case 'is_null':
      case 'nested':
        return unknownEstimate(total);
    }
  }

  candidatesFilter(f: Filter): OffsetList | null {
    const lists: OffsetList[] = [];
    if (f.must !== null && f.must.length > 0) {
      const l = this.candidatesMust(f.must);
      if (l !== null) lists.push(l);
    }
    if (f.should !== null) {
      const l = f.should.length === 0 ? EMPTY_OFFSETS : this.candidatesUnion(f.should, 1);
      if (l !== null) lists.push(l);
    }
    if (f.minShould !== null) {
      const { conditions, minCount } = f.minShould;
      const l = minCount > conditions.length ? EMPTY_OFFSETS : minCount === 0 ? null : this.candidatesUnion(conditions, minCount);
      if (l !== null) lists.push(l);
    }
    if (lists.length === 0) return null;
    lists.sort((a, b) => a.length - b.length);
    let out = lists[0] as OffsetList;
    for (let i = 1; i < lists.length && out.length > 0; i++) out = intersectSorted(out, lists[i] as OffsetList);
    return out;
  }

  /** Intersection of the cheapest answerable conditions; larger lists are left to `matches()`. */
  private candidatesMust(conditions: readonly Condition[]): OffsetList | null {
    const ranked = conditions
      .map((c) => ({ c, e: this.estimateCondition(c) }))
      .sort((a, b) => a.e.exp - b.e.exp);
    let out: OffsetList | null = null;
    for (const { c, e } of ranked) {
      if (out !== null) {
        if (out.length === 0) break;
        if (e.exp > Math.max(INTERSECT_FLOOR, out.length * INTERSECT_FACTOR)) {
          this.leftOut = true;
          break;
        }
      }
      const l = this.candidatesCondition(c);
      if (l === null) {
        this.leftOut = true;
        continue;
      }
      out = out === null ? l : intersectSorted(out, l);
    }
    return out;
  }

  /** Points in at least `min` of the conditions' candidate lists, when that bound exists. */
  private candidatesUnion(conditions: readonly Condition[], min: number): OffsetList | null {
    const lists: OffsetList[] = [];
    let unknown = 0;
    for (const c of conditions) {
      const l = this.candidatesCondition(c);
      if (l === null) {
        unknown++;
        if (min - unknown < 1) return null;
      } else {
        lists.push(l);
      }
    }
    const need = min - unknown;
    if (need <= 1) return lists.reduce<OffsetList>((acc, l) => unionSorted(acc, l), EMPTY_OFFSETS);
    return atLeastSorted(lists, need);
  }

  private candidatesCondition(c: Condition): OffsetList | null {
    switch (c.kind) {
      case 'field':
        return this.indexes.candidates(c);
      case 'has_id': {
        const resolve = this.options.resolveId;
        if (resolve === undefined) return null;
        const offsets: number[] = [];
        for (const id of c.ids) {
          const o = resolve(id);
          if (o !== undefined) offsets.push(o);
        }
        const sorted = Uint32Array.from(offsets).sort();
        return sorted.filter((v, i) => i === 0 || v !== sorted[i - 1]);
      }
      case 'filter':
        return this.candidatesFilter(c.filter);
      case 'is_empty':
      case 'is_null':
      case 'has_vector':
      case 'slice':
      case 'nested':
        return null;
    }
  }
}

function clamp(e: CardinalityEstimate, total: number): CardinalityEstimate {
  const max = Math.min(Math.max(0, e.max), total);
  const exp = Math.min(Math.max(0, e.exp), max);
  return { min: Math.min(Math.max(0, e.min), exp), exp, max };
}

function invert(e: CardinalityEstimate, total: number): CardinalityEstimate {
  return { min: Math.max(0, total - e.max), exp: Math.max(0, total - e.exp), max: Math.max(0, total - e.min) };
}

/** Qdrant `combine_must_estimations`. */
export function combineMust(estimates: readonly CardinalityEstimate[], total: number): CardinalityEstimate {
  if (estimates.length === 0) return exactEstimate(total);
  let min = total;
  let max = total;
  let prob = 1;
  for (const e of estimates) {
    min = Math.max(0, min + e.min - total);
    max = Math.min(max, e.max);
    prob *= total === 0 ? 0 : e.exp / total;
  }
  return clamp({ min, exp: Math.round(prob * total), max }, total);
}

/** Qdrant `combine_should_estimations` (complement rule). */
export function combineShould(estimates: readonly CardinalityEstimate[], total: number): CardinalityEstimate {
  if (total === 0) return exactEstimate(0);
  let miss = 1;
  let min = 0;
  let max = 0;
  for (const e of estimates) {
    miss *= 1 - e.exp / total;
    min = Math.max(min, e.min);
    max += e.max;
  }
  return clamp({ min, exp: Math.round((1 - miss) * total), max: Math.min(max, total) }, total);
}

/** Qdrant `combine_min_should_estimations`: union of the intersections of every `minCount` subset. */
export function combineMinShould(estimates: readonly CardinalityEstimate[], minCount: number, total: number): CardinalityEstimate {
  if (minCount > estimates.length) return exactEstimate(0);
  if (minCount === 0) return exactEstimate(total);
  if (!combinationsAtMost(estimates.length, minCount, MIN_SHOULD_MAX_COMBINATIONS)) {
    const union = combineShould(estimates, total);
    return { min: 0, exp: union.exp, max: union.max };
  }
  const intersections: CardinalityEstimate[] = [];
  const pick: CardinalityEstimate[] = [];
  const walk = (start: number): void => {
    if (pick.length === minCount) {
      intersections.push(combineMust(pick, total));
      return;
    }
    for (let i = start; i <= estimates.length - (minCount - pick.length); i++) {
      pick.push(estimates[i] as CardinalityEstimate);
      walk(i + 1);
      pick.pop();
    }
  };
  walk(0);
  return combineShould(intersections, total);
}

function combinationsAtMost(n: number, k: number, limit: number): boolean {
  const kk = Math.min(k, n - k);
  let c = 1;
  for (let i = 0; i < kk; i++) {
    c = (c * (n - i)) / (i + 1);
    if (c > limit) return false;
  }
  return true;
}
