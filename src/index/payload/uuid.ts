import type { FieldCondition } from '../filter/types.js';
import { normalizeUuid } from '../../storage/point-id.js';
import { MapIndex } from './map-index.js';
import type { OffsetList } from './offsets.js';
import { soleCheck } from './payload-index.js';
import type { CardinalityEstimate } from './payload-index.js';

/**
 * `uuid` index: string values that parse as UUIDs, keyed by the stored string so answers agree
 * with `matches()` (which compares strings exactly). Answers `match.value` / `any` / `except` with
 * UUID strings. Facetable.
 */
export class UuidIndex extends MapIndex<string> {
  /** Offsets holding strings that are not UUIDs: `except` may or may not match them. */
  private readonly otherStrings = new Set<number>();

  protected accept(value: unknown): string | undefined {
    return typeof value === 'string' && normalizeUuid(value) !== null ? value : undefined;
  }

  protected override onRejected(offset: number, value: unknown): void {
    if (typeof value === 'string') this.otherStrings.add(offset);
  }

  protected override onRemoved(offset: number): void {
    this.otherStrings.delete(offset);
  }

  candidates(condition: FieldCondition): OffsetList | null {
    const keys = this.keysOf(condition);
    if (keys === null) return null;
    return keys.except ? this.except(keys.values) : this.lookup(keys.values);
  }

  estimate(condition: FieldCondition): CardinalityEstimate | null {
    const keys = this.keysOf(condition);
    if (keys === null) return null;
    return keys.except ? this.estimateExcept(keys.values) : this.estimateLookup(keys.values);
  }

  private keysOf(condition: FieldCondition): { values: ReadonlySet<string>; except: boolean } | null {
    const check = soleCheck(condition);
    if (check === null || check.kind !== 'match') return null;
    const m = check.match;
    const allUuids = (s: Iterable<string>): boolean => {
      for (const v of s) if (normalizeUuid(v) === null) return false;
      return true;
    };
    if (m.kind === 'value') {
      return typeof m.value === 'string' && normalizeUuid(m.value) !== null ? { values: new Set([m.value]), except: false } : null;
    }
    if (m.kind === 'any') return m.keywords !== null && allUuids(m.keywords) ? { values: m.keywords, except: false } : null;
    if (m.kind === 'except') {
      return m.keywords !== null && this.otherStrings.size === 0 ? { values: m.keywords, except: true } : null;
    }
    return null;
  }
}
