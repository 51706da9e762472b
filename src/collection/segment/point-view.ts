/**
 * A live point of a segment as reads see it. Its vectors are copied out of the stores only when asked for: most
 * results are sent without them. A class (one shape, the getter on the prototype) rather than an object literal
 * with its own getter and closure per point, which cost ~1 µs per result on the search path.
 */
import type { PointId } from '../../storage/point-id.js';
import type { NamedVectors } from '../vectors.js';
import type { Payload, PointView, ShardKey } from '../types.js';

/** Where the view's vectors come from (the segment: copies of the stored rows). */
export interface VectorSource {
  read(offset: number): { readonly vectors: NamedVectors };
}

export class SegmentPointView implements PointView {
  /** Not an own enumerable property: spreading or printing a view never reaches the segment. */
  readonly #source: VectorSource;
  #vectors: NamedVectors | undefined;

  constructor(
    source: VectorSource,
    readonly id: PointId,
    readonly offset: number,
    readonly payload: Payload | null,
    readonly version: number,
    readonly shardKey: ShardKey | undefined,
  ) {
    this.#source = source;
  }

  get vectors(): NamedVectors {
    return (this.#vectors ??= this.#source.read(this.offset).vectors);
  }
}
