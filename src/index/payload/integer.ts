import type { FieldCondition, Range } from '../filter/types.js';
import type { JsonPath } from '../json-path.js';
import type { FieldSchema } from './field-schema.js';
import { NumericIndex } from './numeric-index.js';
import { fromSet, unionSorted } from './offsets.js';
import type { OffsetList } from './offsets.js';
import { soleCheck } from './payload-index.js';
import { inRange } from './range-check.js';
import type { CardinalityEstimate, FacetSource } from './payload-index.js';

/**
 * `integer` index. With `lookup` (default on) it answers `match.value` / `any` / `except` with
 * integers and can facet; with `range` (default on) it answers number ranges. Non-integer numbers
 * in the field are kept aside so ranges stay exact (`matches()` compares every number).
 */
export class IntegerIndex extends NumericIndex {
  readonly lookupEnabled: boolean;
  readonly rangeEnabled: boolean;
  /** Offsets → their non-integer numeric values. */
  private readonly fractional = new Map<number, number[]>();

  constructor(path: JsonPath, schema: FieldSchema) {
    super(path, schema);
    this.lookupEnabled = schema.params?.['lookup'] !== false;
    this.rangeEnabled = schema.params?.['range'] !== false;
  }

  protected accept(value: unknown): number | bigint | undefined {
    if (typeof value === 'bigint') return value;
    return typeof value === 'number' && Number.isInteger(value) ? value : undefined;
  }

  protected override onRejected(offset: number, value: unknown): void {
    if (typeof value !== 'number') return;
    const list = this.fractional.get(offset);
    if (list === undefined) this.fractional.set(offset, [value]);
    else list.push(value);
  }

  protected override onRemoved(offset: number): void {
    this.fractional.delete(offset);
  }

  override facetSource(): FacetSource | null {
    return this.lookupEnabled ? this : null;
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const check = soleCheck(condition);
    if (check === null) return null;
    if (check.kind === 'range') {
      if (!this.rangeEnabled || check.range.kind !== 'number') return null;
      return unionSorted(this.rangeCandidates(check.range), this.fractionalIn(check.range));
    }
    if (check.kind !== 'match' || !this.lookupEnabled) return null;
    const m = check.match;
    if (m.kind === 'value') return typeof m.value === 'number' || typeof m.value === 'bigint' ? this.lookup([m.value]) : null;
    if (m.kind === 'any') return m.integers !== null ? this.lookup(m.integers) : null;
    if (m.kind === 'except') return m.integers !== null ? this.except(m.integers) : null;
    return null;
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const check = soleCheck(condition);
    if (check === null) return null;
    if (check.kind === 'range') {
      if (!this.rangeEnabled || check.range.kind !== 'number') return null;
      const e = this.rangeEstimate(check.range);
      const extra = this.fractional.size;
      return extra === 0 ? e : { min: e.min, exp: e.exp, max: Math.min(e.max + extra, this.byPoint.size + extra) };
    }
    if (check.kind !== 'match' || !this.lookupEnabled) return null;
    const m = check.match;
    if (m.kind === 'value') return typeof m.value === 'number' || typeof m.value === 'bigint' ? this.estimateLookup([m.value]) : null;
    if (m.kind === 'any') return m.integers !== null ? this.estimateLookup(m.integers) : null;
    if (m.kind === 'except') return m.integers !== null ? this.estimateExcept(m.integers) : null;
    return null;
  }

  private fractionalIn(range: Range): OffsetList {
    if (this.fractional.size === 0) return new Uint32Array(0);
    const hits = new Set<number>();
    for (const [offset, values] of this.fractional) {
      if (values.some((v) => inRange(range, v))) hits.add(offset);
    }
    return fromSet(hits);
  }
}
