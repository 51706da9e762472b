/**
 * Row-level security (tenant tokens): helpers of `Collection.confine`, the view of a collection a tenant token
 * reads and writes through. The view's segment ({@link ConfinedSegment}) resolves every read's scope within the
 * tenant filter, and the write pipeline checks every staged change against it; this module holds the pieces that
 * need no collection state.
 */
import { AppError } from '../errors.js';
import type { Filter } from '../index/filter/types.js';
import type { FilterPlan } from '../index/filter/plan.js';
import type { HnswIndex } from '../index/hnsw/hnsw-index.js';
import type { ScoredOffset } from '../index/vector-index.js';
import type { DenseVectorStore } from '../index/vector-store.js';
import type { PointId } from '../storage/point-id.js';
import { andFilters } from './query/filters.js';
import type { SegmentReader } from './segment/segment.js';
import type { NearestOptions } from './segment/nearest.js';
import type { Scope } from './segment/scope.js';
import type { Payload, PointView, ShardKey } from './types.js';
import type { QueryVector, VectorValue } from './vectors.js';

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

/**
 * A segment as a tenant token sees it: only the points matching `tenant` exist. Every scope (scan, counts, facets,
 * nearest neighbours) is resolved within the tenant filter, which rides the filtered-search planner like any other
 * filter; a point outside reads as absent, and stored sparse/multi vectors (IDF statistics too) show only the
 * tenant's. Dense rows and graphs are reached only through offsets these reads hand out.
 */
export class ConfinedSegment implements SegmentReader {
  constructor(
    private readonly inner: SegmentReader,
    readonly tenant: Filter,
  ) {}

  /** `scope` within the tenant. */
  private within<S extends Scope>(scope: S): S {
    return { ...scope, filter: andFilters(scope.filter, this.tenant) };
  }

  /** True when the live point at `offset` is the tenant's. */
  private visible(offset: number): boolean {
    return this.inner.matches(this.tenant, offset);
  }

  get size(): number {
    let n = 0;
    for (const _ of this.scan({})) n++;
    return n;
  }

  offsetOf(id: PointId): number | undefined {
    const offset = this.inner.offsetOf(id);
    return offset === undefined || this.visible(offset) ? offset : undefined;
  }

  idAt(offset: number): PointId | undefined {
    return this.visible(offset) ? this.inner.idAt(offset) : undefined;
  }

  view(offset: number): PointView | undefined {
    return this.visible(offset) ? this.inner.view(offset) : undefined;
  }

  payloadAt(offset: number): Payload | null {
    return this.visible(offset) ? this.inner.payloadAt(offset) : null;
  }

  shardKeyAt(offset: number): ShardKey | undefined {
    return this.visible(offset) ? this.inner.shardKeyAt(offset) : undefined;
  }

  hasVectorAt(offset: number, name: string): boolean {
    return this.visible(offset) && this.inner.hasVectorAt(offset, name);
  }

  denseStore(name: string): DenseVectorStore | undefined {
    return this.inner.denseStore(name);
  }

  otherVectors(name: string): ReadonlyMap<number, VectorValue> | undefined {
    const all = this.inner.otherVectors(name);
    return all === undefined ? undefined : new VisibleEntries(all, (o) => this.visible(o));
  }

  vectorIndex(name: string): HnswIndex | undefined {
    return this.inner.vectorIndex(name);
  }

  matches(filter: Filter, offset: number): boolean {
    return this.visible(offset) && this.inner.matches(filter, offset);
  }

  inScope(offset: number, scope: Scope): boolean {
    return this.inner.inScope(offset, this.within(scope));
  }

  scan(scope: Scope): Iterable<number> {
    return this.inner.scan(this.within(scope));
  }

  filterPlan(filter: Filter): FilterPlan {
    return this.inner.filterPlan(andFilters(filter, this.tenant)!);
  }

  facet(key: string, limit: number, scope: Scope): { hits: Array<{ value: unknown; count: number }> } {
    return this.inner.facet(key, limit, this.within(scope));
  }

  nearest(using: string, q: QueryVector, k: number, opts: NearestOptions = {}): ScoredOffset[] {
    return this.inner.nearest(using, q, k, this.within(opts));
  }

  nearestAsync(using: string, q: QueryVector, k: number, opts: NearestOptions = {}): Promise<ScoredOffset[]> {
    return this.inner.nearestAsync(using, q, k, this.within(opts));
  }
}
