import type { FieldCondition } from '../filter/types.js';
import { MapIndex } from './map-index.js';
import type { OffsetList } from './offsets.js';
import { soleCheck } from './payload-index.js';
import type { CardinalityEstimate } from './payload-index.js';

/**
 * `keyword` index: exact string values. Answers `match.value` (string), `match.any` and
 * `match.except` with string lists, and `match.prefix` when created with `prefix: true` (Qdrant 1.19).
 * Facetable.
 */
export class KeywordIndex extends MapIndex<string> {
  /** Created with `prefix: true`: answers `match.prefix` from the index. */
  get prefixEnabled(): boolean {
    return this.schema.params?.['prefix'] === true;
  }

  private withPrefix(prefix: string): string[] {
    const keys: string[] = [];
    for (const k of this.byValue.keys()) if (k.startsWith(prefix)) keys.push(k);
    return keys;
  }

  protected accept(value: unknown): string | undefined {
    return typeof value === 'string' ? value : undefined;
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'match') return null;
    const m = check.match;
    if (m.kind === 'value') return typeof m.value === 'string' ? this.lookup([m.value]) : null;
    if (m.kind === 'any') return m.keywords !== null ? this.lookup(m.keywords) : null;
    if (m.kind === 'except') return m.keywords !== null ? this.except(m.keywords) : null;
    if (m.kind === 'prefix') return this.prefixEnabled ? this.lookup(this.withPrefix(m.prefix)) : null;
    return null;
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'match') return null;
    const m = check.match;
    if (m.kind === 'value') return typeof m.value === 'string' ? this.estimateLookup([m.value]) : null;
    if (m.kind === 'any') return m.keywords !== null ? this.estimateLookup(m.keywords) : null;
    if (m.kind === 'except') return m.keywords !== null ? this.estimateExcept(m.keywords) : null;
    if (m.kind === 'prefix') return this.prefixEnabled ? this.estimateLookup(this.withPrefix(m.prefix)) : null;
    return null;
  }
}
