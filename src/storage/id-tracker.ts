import { type PointKey } from './point-id.js';

/**
 * Maps external point ids (canonical keys) to dense internal offsets, so vector stores and
 * indexes work on integers. Offsets are never reused while the collection is open: a deleted
 * point's offset stays a tombstone, which keeps persisted graph indexes valid.
 */
export class IdTracker {
  private readonly byKey = new Map<PointKey, number>();
  private keys: Array<PointKey | undefined> = [];

  get size(): number {
    return this.byKey.size;
  }

  /** One past the highest offset ever assigned. */
  get capacity(): number {
    return this.keys.length;
  }

  offsetOf(key: PointKey): number | undefined {
    return this.byKey.get(key);
  }

  keyAt(offset: number): PointKey | undefined {
    return this.keys[offset];
  }

  /** Registers `key` at a known offset (used when loading from storage). */
  restore(key: PointKey, offset: number): void {
    this.byKey.set(key, offset);
    while (this.keys.length <= offset) this.keys.push(undefined);
    this.keys[offset] = key;
  }

  /** Returns the offset of `key`, assigning the next free one for a new key. */
  assign(key: PointKey): number {
    const existing = this.byKey.get(key);
    if (existing !== undefined) return existing;
    const offset = this.keys.length;
    this.keys.push(key);
    this.byKey.set(key, offset);
    return offset;
  }

  remove(key: PointKey): number | undefined {
    const offset = this.byKey.get(key);
    if (offset === undefined) return undefined;
    this.byKey.delete(key);
    this.keys[offset] = undefined;
    return offset;
  }

  /** Live offsets in ascending order. */
  *offsets(): IterableIterator<number> {
    for (let i = 0; i < this.keys.length; i++) if (this.keys[i] !== undefined) yield i;
  }
}
