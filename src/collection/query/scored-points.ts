/**
 * Scored entries → `ScoredPoint` results. Points that came from a scroll (no query, `order_by`,
 * `sample`) carry version 0 as in Qdrant's `query_scroll`; ordered ones get `orderValue`.
 */
import type { Collection } from '../collection.js';
import { toScoredPoint } from '../read.js';
import type { ReadOptions } from '../types.js';
import type { ScoredPoint } from '../types.js';
import type { ScoredEntry } from './types.js';

/** One entry as a result, or undefined when the point no longer exists. */
export function scoredPoint(c: Collection, e: ScoredEntry, options: ReadOptions): ScoredPoint | undefined {
  const view = c.segment.view(e.offset);
  if (view === undefined) return undefined;
  const sp = toScoredPoint(c, view, e.score, options, e.fromScroll === true ? 0 : view.version);
  if (e.orderValue !== undefined) sp.orderValue = e.orderValue;
  return sp;
}

/** `entries` as results, in order. */
export function scoredPoints(c: Collection, entries: readonly ScoredEntry[], options: ReadOptions): ScoredPoint[] {
  const out: ScoredPoint[] = [];
  for (const e of entries) {
    const sp = scoredPoint(c, e, options);
    if (sp !== undefined) out.push(sp);
  }
  return out;
}
