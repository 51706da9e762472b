import type { FieldCondition } from '../filter/types.js';
import { leafValues } from '../json-path.js';
import type { JsonPath } from '../json-path.js';
import type { JsonRecord } from '../../json.js';
import type { FieldSchema } from './field-schema.js';
import { EMPTY_OFFSETS, fromSet, unionOfSets } from './offsets.js';
import type { OffsetList } from './offsets.js';
import type { CardinalityEstimate, FacetSource, FacetValue, PayloadFieldIndex } from './payload-index.js';

/**
 * Shared machinery of value → points indexes (Qdrant `MapIndex`): each distinct value maps to the
 * set of offsets holding it, and each offset remembers its distinct values so removal and faceting
 * need no payload. Points that also hold values of another type (not `null`) are remembered too:
 * `except` matches them, so an exact `except` answer needs them.
 */
export abstract class MapIndex<K extends FacetValue> implements PayloadFieldIndex, FacetSource {
  readonly path: JsonPath;
  readonly schema: FieldSchema;
  protected readonly byValue = new Map<K, Set<number>>();
  protected readonly byPoint = new Map<number, K[]>();
  /** Offsets holding a non-null value this index does not accept. */
  protected readonly otherTyped = new Set<number>();
  /** Sum over points of their distinct accepted values. */
  protected valuesTotal = 0;
  /**
   * The sorted offsets of a value, made by its first lookup and dropped when its points change: a selective
   * filter on one value (the common 1% case) is then planned without copying and sorting its posting set.
   */
  private readonly sortedByValue = new Map<K, OffsetList>();

  constructor(path: JsonPath, schema: FieldSchema) {
    this.path = path;
    this.schema = schema;
  }

  /** The index key for one leaf value, or undefined when this index does not take it. */
  protected abstract accept(value: unknown): K | undefined;

  /** Hook: a value got its first point. */
  protected onKeyAdded(_key: K): void {}

  /** Hook: a value lost its last point. */
  protected onKeyRemoved(_key: K): void {}

  /** Hook: any other per-point bookkeeping a subclass keeps for `value` (called for rejected values). */
  protected onRejected(_offset: number, _value: unknown): void {}

  /** Hook: forget subclass bookkeeping for `offset`. */
  protected onRemoved(_offset: number): void {}

  get pointsCount(): number {
    return this.byPoint.size;
  }

  add(offset: number, payload: JsonRecord | null | undefined): void {
    this.remove(offset);
    const distinct: K[] = [];
    for (const value of leafValues(payload, this.path)) {
      const key = this.accept(value);
      if (key === undefined) {
        if (value !== null) {
          this.otherTyped.add(offset);
          this.onRejected(offset, value);
        }
      } else if (!distinct.includes(key)) {
        distinct.push(key);
      }
    }
    if (distinct.length === 0) return;
    this.byPoint.set(offset, distinct);
    this.valuesTotal += distinct.length;
    for (const key of distinct) {
      this.sortedByValue.delete(key);
      let set = this.byValue.get(key);
      if (set === undefined) {
        set = new Set();
        this.byValue.set(key, set);
        this.onKeyAdded(key);
      }
      set.add(offset);
    }
  }

  remove(offset: number): void {
    this.otherTyped.delete(offset);
    this.onRemoved(offset);
    const keys = this.byPoint.get(offset);
    if (keys === undefined) return;
    this.byPoint.delete(offset);
    this.valuesTotal -= keys.length;
    for (const key of keys) {
      this.sortedByValue.delete(key);
      const set = this.byValue.get(key);
      if (set === undefined) continue;
      set.delete(offset);
      if (set.size === 0) {
        this.byValue.delete(key);
        this.onKeyRemoved(key);
      }
    }
  }

  abstract candidates(condition: FieldCondition): OffsetList | null;
  abstract estimate(condition: FieldCondition): CardinalityEstimate | null;

  facetSource(): FacetSource | null {
    return this;
  }

  facetEntries(): Iterable<readonly [FacetValue, ReadonlySet<number>]> {
    return this.byValue.entries();
  }

  facetValuesOf(offset: number): readonly FacetValue[] | undefined {
    return this.byPoint.get(offset);
  }

  /** Points holding one of `keys` (a shared list: callers must not modify it). */
  protected lookup(keys: Iterable<K>): OffsetList {
    const sets: Set<number>[] = [];
    let only: K | undefined;
    for (const k of keys) {
      const s = this.byValue.get(k);
      if (s !== undefined) {
        sets.push(s);
        only = k;
      }
    }
    if (sets.length !== 1) return sets.length === 0 ? EMPTY_OFFSETS : unionOfSets(sets);
    const key = only as K;
    let sorted = this.sortedByValue.get(key);
    if (sorted === undefined) {
      sorted = fromSet(sets[0] as Set<number>);
      this.sortedByValue.set(key, sorted);
    }
    return sorted;
  }

  /** Points holding a value outside `excluded`, or a value of another type (Qdrant `except` semantics). */
  protected except(excluded: ReadonlySet<K>): OffsetList {
    const sets: ReadonlySet<number>[] = [];
    for (const [k, s] of this.byValue) if (!excluded.has(k)) sets.push(s);
    if (this.otherTyped.size > 0) sets.push(this.otherTyped);
    return unionOfSets(sets);
  }

  /** Points holding any non-null value at all. */
  protected anyValue(): OffsetList {
    const all = new Set<number>(this.byPoint.keys());
    for (const o of this.otherTyped) all.add(o);
    return fromSet(all);
  }

  protected estimateLookup(keys: Iterable<K>): CardinalityEstimate {
    let sum = 0;
    let largest = 0;
    let n = 0;
    for (const k of keys) {
      const size = this.byValue.get(k)?.size ?? 0;
      sum += size;
      if (size > largest) largest = size;
      n++;
    }
    if (n <= 1 || this.valuesTotal === this.byPoint.size) return { min: sum, exp: sum, max: sum };
    const max = Math.min(sum, this.byPoint.size);
    const exp = Math.max(largest, Math.min(max, Math.round((sum * this.byPoint.size) / Math.max(1, this.valuesTotal))));
    return { min: largest, exp, max };
  }

  protected estimateExcept(excluded: ReadonlySet<K>): CardinalityEstimate {
    // byPoint and otherTyped may overlap, so their sum is only an upper bound.
    const holders = this.byPoint.size + this.otherTyped.size;
    let excludedSum = 0;
    for (const k of excluded) excludedSum += this.byValue.get(k)?.size ?? 0;
    const exp = Math.max(0, holders - excludedSum);
    if (this.valuesTotal === this.byPoint.size && this.otherTyped.size === 0) return { min: exp, exp, max: exp };
    return { min: 0, exp, max: holders };
  }
}
