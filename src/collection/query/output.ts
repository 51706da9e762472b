/**
 * Scored entries → Qdrant `ScoredPoint` wire objects. Points that came from a scroll (no query,
 * `order_by`, `sample`) carry version 0 as in Qdrant's `query_scroll`; ordered ones get `order_value`.
 */
import type { Collection } from '../collection.js';
import { toScoredPoint, type RecordOptions } from '../read.js';
import type { ScoredEntry } from './types.js';

type Obj = Record<string, unknown>;

/** The wire form of one entry, or undefined when the point no longer exists. */
export function scoredPoint(c: Collection, e: ScoredEntry, options: RecordOptions): Obj | undefined {
  const view = c.view(e.offset);
  if (view === undefined) return undefined;
  const sp = toScoredPoint(view, e.score, options);
  if (e.fromScroll === true) sp['version'] = 0;
  if (e.orderValue !== undefined) sp['order_value'] = e.orderValue;
  return sp;
}

/** The wire form of `entries`, in order. */
export function scoredPoints(c: Collection, entries: readonly ScoredEntry[], options: RecordOptions): Obj[] {
  const out: Obj[] = [];
  for (const e of entries) {
    const sp = scoredPoint(c, e, options);
    if (sp !== undefined) out.push(sp);
  }
  return out;
}
