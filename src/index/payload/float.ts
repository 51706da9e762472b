import type { FieldCondition } from '../filter/types.js';
import { NumericIndex } from './numeric-index.js';
import type { OffsetList } from './offsets.js';
import { soleCheck } from './payload-index.js';
import type { CardinalityEstimate, FacetSource } from './payload-index.js';

/** `float` index: every JSON number; answers number ranges. Not facetable (as in Qdrant). */
export class FloatIndex extends NumericIndex {
  protected accept(value: unknown): number | bigint | undefined {
    if (typeof value === 'bigint') return value;
    return typeof value === 'number' && Number.isFinite(value) ? value : undefined;
  }

  override facetSource(): FacetSource | null {
    return null;
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'range' || check.range.kind !== 'number') return null;
    return this.rangeCandidates(check.range);
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'range' || check.range.kind !== 'number') return null;
    return this.rangeEstimate(check.range);
  }
}
