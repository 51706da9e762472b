import type { FieldCondition } from '../filter/types.js';
import { MapIndex } from './map-index.js';
import type { OffsetList } from './offsets.js';
import { soleCheck } from './payload-index.js';
import type { CardinalityEstimate } from './payload-index.js';

/** `bool` index: answers `match.value` with `true` / `false`. Facetable. */
export class BoolIndex extends MapIndex<boolean> {
  protected accept(value: unknown): boolean | undefined {
    return typeof value === 'boolean' ? value : undefined;
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const value = boolMatch(condition);
    return value === null ? null : this.lookup([value]);
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const value = boolMatch(condition);
    return value === null ? null : this.estimateLookup([value]);
  }
}

function boolMatch(condition: FieldCondition): boolean | null {
  const check = soleCheck(condition);
  if (check === null || check.kind !== 'match' || check.match.kind !== 'value') return null;
  return typeof check.match.value === 'boolean' ? check.match.value : null;
}
