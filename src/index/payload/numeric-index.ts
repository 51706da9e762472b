import type { Range } from '../filter/types.js';
import { MapIndex } from './map-index.js';
import { EMPTY_OFFSETS, unionOfSets } from './offsets.js';
import type { OffsetList } from './offsets.js';
import type { CardinalityEstimate } from './payload-index.js';

/** A numeric key: a number, or an exact integer beyond ±(2^53−1) as a bigint (`integer` and `float` indexes). */
type Key = number | bigint;

/**
 * A map index whose keys are numbers, plus an ordered view of the distinct keys for range
 * queries (shared by `integer`, `float` and `datetime`).
 *
 * New keys go to a small unsorted buffer and removed keys are only dropped from the map; the
 * sorted key array is rebuilt by one merge the next time a range is asked. That keeps writes O(1)
 * amortized with many distinct values (a naive sorted insert would be O(n) per write).
 */
export abstract class NumericIndex extends MapIndex<number | bigint> {
  private sorted: Key[] = [];
  private pending: Key[] = [];
  private stale = 0;

  protected override onKeyAdded(key: Key): void {
    this.pending.push(key);
  }

  protected override onKeyRemoved(_key: Key): void {
    this.stale++;
  }

  /** Points holding a key inside `range`. */
  protected rangeCandidates(range: Range): OffsetList {
    const [start, end] = this.bounds(range);
    if (start >= end) return EMPTY_OFFSETS;
    const sets: Set<number>[] = [];
    for (let i = start; i < end; i++) {
      const set = this.byValue.get(this.sorted[i] as Key);
      if (set !== undefined) sets.push(set);
    }
    return unionOfSets(sets);
  }

  protected rangeEstimate(range: Range): CardinalityEstimate {
    const [start, end] = this.bounds(range);
    let sum = 0;
    let largest = 0;
    for (let i = start; i < end; i++) {
      const size = this.byValue.get(this.sorted[i] as Key)?.size ?? 0;
      sum += size;
      if (size > largest) largest = size;
    }
    if (this.valuesTotal === this.byPoint.size) return { min: sum, exp: sum, max: sum };
    const max = Math.min(sum, this.byPoint.size);
    const exp = Math.max(largest, Math.min(max, Math.round((sum * this.byPoint.size) / Math.max(1, this.valuesTotal))));
    return { min: largest, exp, max };
  }

  /** [start, end) in the sorted key array for `range`. */
  private bounds(range: Range): [number, number] {
    this.ensureSorted();
    const keys = this.sorted;
    let start = 0;
    let end = keys.length;
    if (range.gte !== null) start = Math.max(start, lowerBound(keys, range.gte));
    if (range.gt !== null) start = Math.max(start, upperBound(keys, range.gt));
    if (range.lt !== null) end = Math.min(end, lowerBound(keys, range.lt));
    if (range.lte !== null) end = Math.min(end, upperBound(keys, range.lte));
    return [start, end];
  }

  private ensureSorted(): void {
    if (this.pending.length === 0 && this.stale === 0) return;
    const added = this.pending.sort(compareKeys);
    const old = this.sorted;
    const out: Key[] = [];
    let i = 0;
    let j = 0;
    while (i < old.length || j < added.length) {
      let k: Key;
      if (j >= added.length || (i < old.length && (old[i] as Key) <= (added[j] as Key))) k = old[i++] as Key;
      else k = added[j++] as Key;
      if (out.length > 0 && out[out.length - 1] === k) continue;
      if (this.byValue.has(k)) out.push(k);
    }
    this.sorted = out;
    this.pending = [];
    this.stale = 0;
  }
}

/** Ascending; a bigint (beyond ±(2^53−1)) and a number compare exactly. */
function compareKeys(a: Key, b: Key): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function lowerBound(a: readonly Key[], x: Key): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as Key) < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function upperBound(a: readonly Key[], x: Key): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((a[mid] as Key) <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
