import type { Range } from '../filter/types.js';

/** Qdrant `Range::check_range`: every given bound holds (bigints and numbers compare exactly). */
export function inRange(range: Range, v: number | bigint): boolean {
  return (
    (range.lt === null || v < range.lt) &&
    (range.gt === null || v > range.gt) &&
    (range.lte === null || v <= range.lte) &&
    (range.gte === null || v >= range.gte)
  );
}
