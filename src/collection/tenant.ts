/**
 * Row-level security (tenant tokens): helpers of `Collection.confine`, the view of a collection a tenant token
 * reads and writes through. The view resolves every read's scope within the tenant filter (`Collection.scopeOf`)
 * and checks every write's result against it; this module holds the pieces that need no collection state.
 */
import { AppError } from '../errors.js';

/** The one refusal of a write that would leave the tenant (or take over a point outside it). */
export function outsideTenant(): AppError {
  return new AppError('FORBIDDEN', ['Points written with this token must match its tenant filter']);
}

/** `map` showing only the entries whose key passes `visible` (the stored vectors of a confined collection). */
export class VisibleEntries<V> implements ReadonlyMap<number, V> {
  constructor(
    private readonly map: ReadonlyMap<number, V>,
    private readonly visible: (offset: number) => boolean,
  ) {}

  get size(): number {
    let n = 0;
    for (const _ of this.keys()) n++;
    return n;
  }

  get(offset: number): V | undefined {
    return this.visible(offset) ? this.map.get(offset) : undefined;
  }

  has(offset: number): boolean {
    return this.visible(offset) && this.map.has(offset);
  }

  *entries(): MapIterator<[number, V]> {
    for (const entry of this.map.entries()) if (this.visible(entry[0])) yield entry;
  }

  *keys(): MapIterator<number> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<V> {
    for (const [, v] of this.entries()) yield v;
  }

  [Symbol.iterator](): MapIterator<[number, V]> {
    return this.entries();
  }

  forEach(fn: (value: V, key: number, map: ReadonlyMap<number, V>) => void): void {
    for (const [k, v] of this.entries()) fn(v, k, this);
  }
}
