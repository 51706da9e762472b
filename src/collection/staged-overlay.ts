/**
 * Staged point changes, layered: an operation batch stages into its own layer over the layer of the batches
 * staged before it in the same commit group, which lies over the segment. A batch that fails while staging is
 * dropped with its layer, so it leaves no trace in the group; a batch that stages whole is folded into the group.
 */
import type { PointKey } from '../storage/point-id.js';
import type { StoredPoint } from './segment/segment.js';

export class StagedOverlay {
  private readonly own = new Map<PointKey, StoredPoint | null>();

  constructor(private readonly base?: StagedOverlay) {}

  /** True when this layer or one below staged `key` (`null` = deleted). */
  has(key: PointKey): boolean {
    return this.own.has(key) || (this.base?.has(key) ?? false);
  }

  /** The staged state of `key`: a point, `null` (deleted) or `undefined` (not staged, read the segment). */
  get(key: PointKey): StoredPoint | null | undefined {
    return this.own.has(key) ? this.own.get(key) : this.base?.get(key);
  }

  /** True when this layer itself (not one below) staged `key`. */
  stagedHere(key: PointKey): boolean {
    return this.own.has(key);
  }

  set(key: PointKey, point: StoredPoint | null): void {
    this.own.set(key, point);
  }

  /** Number of keys this layer itself staged. */
  get size(): number {
    return this.own.size;
  }

  /** Every staged key with its topmost state. */
  *[Symbol.iterator](): IterableIterator<[PointKey, StoredPoint | null]> {
    yield* this.own;
    if (this.base === undefined) return;
    for (const entry of this.base) if (!this.own.has(entry[0])) yield entry;
  }

  /** This layer's own entries (not the layers below). */
  ownEntries(): IterableIterator<[PointKey, StoredPoint | null]> {
    return this.own.entries();
  }
}
