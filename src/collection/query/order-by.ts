/**
 * `order_by` as a query stage: points ordered by a payload field that has a range-capable index,
 * each reported with its `order_value`, as Qdrant's ordered scroll (lib/segment/src/data_types/
 * order_by.rs, local_shard/scroll.rs `internal_scroll_by_field`).
 *
 * Qdrant walks the index in value order and merges (value, id) pairs, so a scroll returns a point
 * with several values once per distinct value at or past `start_from` (tests/openapi/test_order_by.py
 * `test_multi_values_appear_multiple_times`). The query API (`query: {order_by}`) reports each point
 * once, at its smallest value (asc) or largest (desc). Datetime values order by their
 * timestamp in microseconds (`OrderValue::Int(dt.timestamp())`). Ties go by point id. Scroll-sourced
 * points are reported with score 1.0 and version 0, as `query_scroll` does.
 */
import { badInput } from '../../errors.js';
import { valuesAt } from '../../index/json-path.js';
import { parseDatetime } from '../../index/payload/datetime-value.js';
import { comparePointIds, type PointId } from '../../storage/point-id.js';
import type { Collection } from '../collection.js';
import type { OrderBySpec, ScoredEntry } from './types.js';

/** The distinct values a point is ordered by that lie at or past `start_from`. */
function orderValues(c: Collection, offset: number, spec: OrderBySpec): OrderValue[] {
  const out: OrderValue[] = [];
  for (const v of valuesAt(c.segment.payloadAt(offset), spec.key)) {
    const n = typeof v === 'number' || typeof v === 'bigint' ? v : typeof v === 'string' ? parseDatetime(v) : null;
    if (n === null || (typeof n === 'number' && !Number.isFinite(n))) continue;
    if (spec.startFrom !== undefined && (spec.direction === 'asc' ? n < spec.startFrom : n > spec.startFrom)) continue;
    if (!out.includes(n)) out.push(n);
  }
  return out;
}

/** An order value: a number, or an exact integer beyond ±(2^53−1) (bigints and numbers compare exactly). */
type OrderValue = number | bigint;

function compareValues(a: OrderValue, b: OrderValue): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function best(values: readonly OrderValue[], direction: OrderBySpec['direction']): OrderValue {
  let out = values[0] as OrderValue;
  for (const v of values) if (direction === 'asc' ? v < out : v > out) out = v;
  return out;
}

/** Checks that `key` can be ordered by. @throws AppError(bad_input) like Qdrant when no range index exists. */
export function checkOrderBy(c: Collection, spec: OrderBySpec): void {
  if (!c.fieldIndexes.supportsOrderBy(spec.key)) {
    throw badInput(
      `No range index for \`order_by\` key: \`${spec.key}\`. Please create one to use \`order_by\`. Check https://qdrant.tech/documentation/concepts/indexing/#payload-index to see which payload schemas support Range conditions`,
    );
  }
}

/**
 * The first `limit` of `candidates` in `spec` order.
 * @param perValue - a point appears once per distinct value (scroll), else once at its best value (query)
 */
export function orderCandidates(c: Collection, spec: OrderBySpec, candidates: Iterable<number>, limit: number, perValue = false): ScoredEntry[] {
  checkOrderBy(c, spec);
  const rows: Array<{ offset: number; value: OrderValue; id: PointId }> = [];
  for (const offset of candidates) {
    const values = orderValues(c, offset, spec);
    const id = c.segment.idAt(offset);
    if (values.length === 0 || id === undefined) continue;
    if (perValue) for (const value of values) rows.push({ offset, value, id });
    else rows.push({ offset, value: best(values, spec.direction), id });
  }
  const sign = spec.direction === 'asc' ? 1 : -1;
  rows.sort((a, b) => sign * compareValues(a.value, b.value) || sign * comparePointIds(a.id, b.id));
  return rows.slice(0, limit).map((r) => ({ offset: r.offset, score: 1, orderValue: r.value, fromScroll: true }));
}
