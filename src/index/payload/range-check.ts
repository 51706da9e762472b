import type { Range } from '../filter/types.js';

/** Qdrant `Range::check_range`: every given bound holds. */
export function inRange(range: Range, v: number): boolean {
  return (
    (range.lt === null || v < range.lt) &&
    (range.gt === null || v > range.gt) &&
    (range.lte === null || v <= range.lte) &&
    (range.gte === null || v >= range.gte)
  );
}
