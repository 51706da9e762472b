/**
 * A segment owns a collection's points in memory: ids (external id ↔ dense offset), vectors (dense
 * rows in `DenseVectorStore`s, sparse and multivectors by offset), payloads, versions, shard keys,
 * payload-field indexes and the vector indexes.
 *
 * Reads go through a narrow interface (`SegmentReader`): view a point, scan a scope, nearest
 * neighbours, score, facet. It holds no closures over request state and keeps vectors and graphs in
 * typed arrays (SharedArrayBuffer / WASM memory in the parallel build), so a worker given the same
 * memory can run the same reads. Writes (`put`, `remove`, schema changes) are called only by the
 * collection's update pipeline, after the change is durable.
 */
import { join } from 'node:path';
import { DenseVectorStore } from '../../index/vector-store.js';
import { IdTracker } from '../../storage/id-tracker.js';
import { type PointId, type PointKey, pointKey, pointIdFromKey } from '../../storage/point-id.js';
import type { Filter } from '../../index/filter/types.js';
import { matches } from '../../index/filter/evaluate.js';
import { FieldIndexes } from '../../index/payload/field-indexes.js';
import { facet } from '../../index/payload/facet.js';
import { planFilter, type FilterPlan } from '../../index/filter/plan.js';
import type { HnswIndex } from '../../index/hnsw/hnsw-index.js';
import type { VectorSchema } from '../config.js';
import type { NamedVectors, QueryVector, VectorValue } from '../vectors.js';
import type { ScoredOffset } from '../../index/vector-index.js';
import { nearestAsyncIn, nearestIn, type NearestOptions } from './nearest.js';
import { SegmentPointView } from './point-view.js';
import type { Payload, PointView, ShardKey } from '../types.js';
import { VectorIndexes, type IndexSettings, type BuildProgress, type ImageCipher } from '../vector-indexes.js';
import { isUnrestricted, type Scope } from './scope.js';
import { WriteGate } from '../../index/write-gate.js';

/** A point's stored content, as the pipeline stages and the segment keeps it. */
export interface StoredPoint {
  offset: number;
  vectors: NamedVectors;
  payload: Payload | null;
  shardKey: ShardKey | undefined;
}

/** What the segment needs from its collection. */
export interface SegmentHost {
  /** The collection's last applied operation id (stored with index images). */
  lastOperationId(): number;
  readonly log: { warn(message: string): void };
  /** Encryption at rest of index images. */
  readonly cipher?: ImageCipher | undefined;
}

/** The read interface of a segment: what queries, scrolls, counts and facets use. */
export interface SegmentReader {
  readonly size: number;
  offsetOf(id: PointId): number | undefined;
  idAt(offset: number): PointId | undefined;
  view(offset: number): PointView | undefined;
  payloadAt(offset: number): Payload | null;
  shardKeyAt(offset: number): ShardKey | undefined;
  hasVectorAt(offset: number, name: string): boolean;
  denseStore(name: string): DenseVectorStore | undefined;
  otherVectors(name: string): ReadonlyMap<number, VectorValue> | undefined;
  vectorIndex(name: string): HnswIndex | undefined;
  matches(filter: Filter, offset: number): boolean;
  inScope(offset: number, scope: Scope): boolean;
  scan(scope: Scope): Iterable<number>;
  filterPlan(filter: Filter): FilterPlan;
  facet(key: string, limit: number, scope: Scope): { hits: Array<{ value: unknown; count: number }> };
  /** The best `k` points for `q` on vector `using`, best first (`nearest.ts`). */
  nearest(using: string, q: QueryVector, k: number, opts?: NearestOptions): ScoredOffset[];
  /** `nearest`, on a search worker when the pool has one (`nearest.ts`). */
  nearestAsync(using: string, q: QueryVector, k: number, opts?: NearestOptions): Promise<ScoredOffset[]>;
}

export class Segment implements SegmentReader {
  private readonly ids = new IdTracker();
  private nextOffset = 0;
  private readonly dense = new Map<string, DenseVectorStore>();
  private readonly other = new Map<string, Map<number, VectorValue>>();
  private readonly payloads: Array<Payload | null | undefined> = [];
  private readonly versions: number[] = [];
  private readonly shardKeysByOffset: Array<ShardKey | undefined> = [];
  readonly fieldIndexes = new FieldIndexes();
  private readonly indexes: VectorIndexes;
  private schema: VectorSchema;
  /**
   * The publication protocol with search workers (index/write-gate.ts): every change to vector rows, graphs
   * and index membership happens inside one of its write sections.
   */
  readonly gate = new WriteGate();

  constructor(indexDir: string, schema: VectorSchema, host: SegmentHost) {
    this.schema = schema;
    this.indexes = new VectorIndexes(join(indexDir), {
      offsetsWithVector: (name) => this.offsetsWithVector(name),
      versionAt: (offset) => this.versions[offset] ?? 0,
      lastOperationId: () => host.lastOperationId(),
      log: host.log,
      cipher: host.cipher,
    }, this.gate);
    this.ensureStores();
  }

  // ---------------------------------------------------------------- counts and state

  /** Number of live points. */
  get size(): number {
    return this.ids.size;
  }

  /** Number of stored vectors of every kind. */
  get vectorsCount(): number {
    let n = 0;
    for (const s of this.dense.values()) n += s.count;
    for (const m of this.other.values()) n += m.size;
    return n;
  }

  /** Vectors held by a vector index (HNSW); exact-scan-only vectors are not counted, as in Qdrant. */
  get indexedVectorsCount(): number {
    return this.indexes.indexedCount;
  }

  /** True while vectors wait for a background index build. */
  get optimizing(): boolean {
    return this.indexes.optimizing;
  }

  // ---------------------------------------------------------------- reads

  *liveOffsets(): IterableIterator<number> {
    yield* this.ids.offsets();
  }

  offsetOf(id: PointId): number | undefined {
    return this.ids.offsetOf(pointKey(id));
  }

  /** The offset of a point by storage key (the pipeline's view). */
  offsetOfKey(key: PointKey): number | undefined {
    return this.ids.offsetOf(key);
  }

  keyAt(offset: number): PointKey | undefined {
    return this.ids.keyAt(offset);
  }

  idAt(offset: number): PointId | undefined {
    const k = this.ids.keyAt(offset);
    return k === undefined ? undefined : pointIdFromKey(k);
  }

  shardKeyAt(offset: number): ShardKey | undefined {
    return this.shardKeysByOffset[offset];
  }

  payloadAt(offset: number): Payload | null {
    return this.payloads[offset] ?? null;
  }

  versionAt(offset: number): number {
    return this.versions[offset] ?? 0;
  }

  hasVectorAt(offset: number, name: string): boolean {
    const s = this.dense.get(name);
    if (s !== undefined) return s.has(offset);
    return this.other.get(name)?.has(offset) ?? false;
  }

  denseStore(name: string): DenseVectorStore | undefined {
    return this.dense.get(name);
  }

  otherVectors(name: string): ReadonlyMap<number, VectorValue> | undefined {
    return this.other.get(name);
  }

  /** The HNSW index of dense vector `name`, if it has one. */
  vectorIndex(name: string): HnswIndex | undefined {
    return this.indexes.get(name);
  }

  /** True when a search with Qdrant's `indexed_only` leaves out the vectors of `name` not yet in the graph. */
  skipsUnindexed(name: string): boolean {
    return this.indexes.skipsUnindexed(name);
  }

  /** Names of every vector store (dense, sparse and multi). */
  *vectorNames(): Iterable<string> {
    yield* this.dense.keys();
    yield* this.other.keys();
  }

  view(offset: number): PointView | undefined {
    const key = this.ids.keyAt(offset);
    if (key === undefined) return undefined;
    return new SegmentPointView(this, pointIdFromKey(key), offset, this.payloads[offset] ?? null, this.versions[offset] ?? 0, this.shardKeysByOffset[offset]);
  }

  /** A copy of the point at `offset` (dense rows copied out of the stores). */
  read(offset: number): StoredPoint {
    const vectors: NamedVectors = new Map();
    for (const [name, store] of this.dense) {
      const v = store.get(offset);
      if (v !== undefined) vectors.set(name, { kind: 'dense', data: v.slice() });
    }
    for (const [name, m] of this.other) {
      const v = m.get(offset);
      if (v !== undefined) vectors.set(name, v);
    }
    return { offset, vectors, payload: this.payloads[offset] ?? null, shardKey: this.shardKeysByOffset[offset] };
  }

  /** True when `filter` matches the live point at `offset`. */
  matches(filter: Filter, offset: number): boolean {
    const key = this.ids.keyAt(offset);
    if (key === undefined) return false;
    const view = this.offsetView;
    view.offset = offset;
    view.key = key;
    view.payload = this.payloads[offset] ?? undefined;
    return matches(filter, view, this.fieldIndexes);
  }

  /**
   * The point `matches` evaluates, reused: a filtered search calls it once per candidate (1,000 times for a 1%
   * filter on 100k points), and a fresh view with its own `hasVector` closure per call was most of that cost.
   * `id` is decoded only when a `has_id` condition asks. `matches` is synchronous, so one view suffices.
   */
  private readonly offsetView = ((segment: Segment) => ({
    offset: 0,
    key: '' as PointKey,
    payload: undefined as Payload | undefined,
    get id(): PointId {
      return pointIdFromKey(this.key);
    },
    hasVector(name: string): boolean {
      return segment.hasVectorAt(this.offset, name);
    },
  }))(this);

  /** True when the live point at `offset` is inside `scope` (shard keys, then the filter). */
  inScope(offset: number, scope: Scope): boolean {
    if (this.ids.keyAt(offset) === undefined) return false;
    if (scope.shardKeys !== undefined && !scope.shardKeys.includes(this.shardKeysByOffset[offset] as ShardKey)) return false;
    return scope.filter === undefined || this.matches(scope.filter, offset);
  }

  /**
   * Offsets of the points inside `scope`. Payload indexes narrow the candidates of a filter; every
   * candidate is still checked exactly.
   */
  *scan(scope: Scope): IterableIterator<number> {
    if (isUnrestricted(scope)) {
      yield* this.ids.offsets();
      return;
    }
    const source = scope.filter === undefined ? this.ids.offsets() : (this.filterPlan(scope.filter).candidates ?? this.ids.offsets());
    for (const offset of source) if (this.inScope(offset, scope)) yield offset;
  }

  /** The planner's view of `filter`: candidate offsets from payload indexes (a superset) and a cardinality estimate. */
  filterPlan(filter: Filter): FilterPlan {
    return planFilter(filter, this.fieldIndexes, this.ids.size, { resolveId: (id) => this.offsetOf(id) });
  }

  /** Qdrant's facet: value counts of an indexed field over the points inside `scope`. */
  facet(key: string, limit: number, scope: Scope): { hits: Array<{ value: unknown; count: number }> } {
    return facet(this.fieldIndexes, { key, limit }, isUnrestricted(scope) ? null : [...this.scan(scope)]);
  }

  /** The best `k` points for `q` on vector `using` inside the options' scope, best first, scored as Qdrant reports them. */
  nearest(using: string, q: QueryVector, k: number, opts?: NearestOptions): ScoredOffset[] {
    return nearestIn(this, using, q, k, opts);
  }

  nearestAsync(using: string, q: QueryVector, k: number, opts?: NearestOptions): Promise<ScoredOffset[]> {
    return nearestAsyncIn(this, using, q, k, opts);
  }

  /** The vector schema the stores follow. */
  get vectorSchema(): VectorSchema {
    return this.schema;
  }

  private *offsetsWithVector(name: string): IterableIterator<number> {
    const store = this.dense.get(name);
    if (store === undefined) return;
    for (const offset of this.ids.offsets()) if (store.has(offset)) yield offset;
  }

  // ---------------------------------------------------------------- writes (update pipeline only)

  /** A fresh offset for a new point. */
  reserveOffset(): number {
    return this.nextOffset++;
  }

  /** Stores `p` under `key` with `version` (insert or replace). */
  put(key: PointKey, p: StoredPoint, version: number): void {
    this.gate.write(() => this.putNow(key, p, version));
  }

  private putNow(key: PointKey, p: StoredPoint, version: number): void {
    this.ids.restore(key, p.offset);
    if (p.offset >= this.nextOffset) this.nextOffset = p.offset + 1;
    const oldPayload = this.payloads[p.offset];
    if (oldPayload !== undefined) this.fieldIndexes.removePoint(p.offset);
    for (const [name, store] of this.dense) {
      const v = p.vectors.get(name);
      if (v?.kind === 'dense') {
        // The same vector upserted again (a payload update by upsert) leaves the graph as it is.
        if (store.holds(p.offset, v.data)) continue;
        store.set(p.offset, v.data);
        this.indexes.changed(name, p.offset, true);
      } else if (store.has(p.offset)) {
        store.delete(p.offset);
        this.indexes.changed(name, p.offset, false);
      }
    }
    for (const [name, m] of this.other) {
      const v = p.vectors.get(name);
      if (v !== undefined) m.set(p.offset, v);
      else m.delete(p.offset);
    }
    this.payloads[p.offset] = p.payload;
    this.versions[p.offset] = version;
    this.shardKeysByOffset[p.offset] = p.shardKey;
    if (p.payload) this.fieldIndexes.addPoint(p.offset, p.payload);
  }

  /** Removes the point stored under `key`, if any. */
  remove(key: PointKey): void {
    this.gate.write(() => this.removeNow(key));
  }

  private removeNow(key: PointKey): void {
    const offset = this.ids.remove(key);
    if (offset === undefined) return;
    if (this.payloads[offset] !== undefined) this.fieldIndexes.removePoint(offset);
    for (const [name, store] of this.dense) {
      if (store.has(offset)) {
        store.delete(offset);
        this.indexes.changed(name, offset, false);
      }
    }
    for (const m of this.other.values()) m.delete(offset);
    this.payloads[offset] = undefined;
    this.shardKeysByOffset[offset] = undefined;
  }

  /** Follows a new vector schema: stores of removed names are dropped, new ones created, indexes synced. */
  setSchema(schema: VectorSchema, indexSettings: ReadonlyMap<string, IndexSettings>): void {
    this.gate.write(() => this.setSchemaNow(schema, indexSettings));
  }

  private setSchemaNow(schema: VectorSchema, indexSettings: ReadonlyMap<string, IndexSettings>): void {
    this.schema = schema;
    for (const n of [...this.vectorNames()]) {
      if (!schema.dense.has(n) && !schema.sparse.has(n)) {
        this.dense.delete(n);
        this.other.delete(n);
      }
    }
    this.ensureStores();
    this.indexes.sync(this.dense, indexSettings);
  }

  /** Makes the payload-field indexes exactly `wanted` (field → schema), refilling new ones. */
  setFieldIndexes(wanted: ReadonlyMap<string, unknown>): void {
    for (const field of this.fieldIndexes.fields()) if (!wanted.has(field)) this.fieldIndexes.drop(field);
    for (const [field, schema] of wanted) {
      // create() refills from the points given; it is a no-op for an identical existing index.
      this.fieldIndexes.create(field, schema, this.livePayloads());
    }
  }

  /** Lets the vector indexes pick up queued changes in the background. */
  scheduleIndexing(): void {
    this.indexes.schedule();
  }

  /** Resolves when no background index build is running. */
  indexingIdle(): Promise<void> {
    return this.indexes.idle();
  }

  /** Waits for index builds to stop, then saves index images. */
  close(): Promise<void> {
    return this.indexes.close();
  }

  /**
   * The collection is being deleted or replaced: stops a running index build at the end of its current slice
   * (without saving it) and removes the index images.
   */
  discard(): Promise<void> {
    return this.indexes.discard();
  }

  /** The background index build running now, if any. */
  get buildProgress(): Readonly<BuildProgress> | undefined {
    return this.indexes.buildProgress;
  }

  private *livePayloads(): IterableIterator<[number, Payload]> {
    for (const offset of this.ids.offsets()) {
      const p = this.payloads[offset];
      if (p) yield [offset, p];
    }
  }

  private ensureStores(): void {
    for (const [name, spec] of this.schema.dense) {
      if (spec.multivector) {
        if (!this.other.has(name)) this.other.set(name, new Map());
      } else {
        const s = this.dense.get(name);
        if (s === undefined || s.dim !== spec.size) this.dense.set(name, new DenseVectorStore(spec.size));
      }
    }
    for (const name of this.schema.sparse.keys()) if (!this.other.has(name)) this.other.set(name, new Map());
  }
}
