import type { FieldCondition } from '../filter/types.js';
import { parseDatetime } from './datetime-value.js';
import { NumericIndex } from './numeric-index.js';
import type { OffsetList } from './offsets.js';
import { soleCheck } from './payload-index.js';
import type { CardinalityEstimate, FacetSource } from './payload-index.js';

/**
 * `datetime` index: strings in the datetime formats Qdrant accepts, keyed by microseconds since
 * the epoch; answers datetime ranges. Not facetable.
 */
export class DatetimeIndex extends NumericIndex {
  protected accept(value: unknown): number | undefined {
    if (typeof value !== 'string') return undefined;
    return parseDatetime(value) ?? undefined;
  }

  override facetSource(): FacetSource | null {
    return null;
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'range' || check.range.kind !== 'datetime') return null;
    return this.rangeCandidates(check.range);
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'range' || check.range.kind !== 'datetime') return null;
    return this.rangeEstimate(check.range);
  }
}
