/**
 * One collection: its configuration, its points in memory (ids, vectors, payloads, payload indexes)
 * and the update pipeline that keeps memory and the durable store in step.
 *
 * Update pipeline (one at a time per collection, in arrival order):
 *   stage   — the operation is applied to an overlay of the current state; any bad input throws here,
 *             before anything is written, so a rejected request changes nothing;
 *   persist — the overlay's changes go to the store in one transaction, awaited until durable;
 *   apply   — only then is memory updated, so readers never see a write that could still be lost.
 */
import { AppError } from '../errors.js';
import { DenseVectorStore } from '../index/vector-store.js';
import { type Store, type KvTable } from '../storage/kv/store.js';
import { IdTracker } from '../storage/id-tracker.js';
import { type PointId, type PointKey, pointKey, pointIdFromKey } from '../storage/point-id.js';
import { encodePoint, decodePoint, type EncodedPoint } from './point-codec.js';
import { vectorSchema, type VectorSchema } from './config.js';
import type { JsonObject } from '../json.js';
import type { NamedVectors, VectorValue } from './vectors.js';
import type { Payload, PointView, ShardKey, UpdateResult } from './types.js';
import type { Filter } from '../index/filter/types.js';
import { matches } from '../index/filter/evaluate.js';
import { FieldIndexes } from '../index/payload/field-indexes.js';
import { setPayload, overwritePayload, deletePayloadKeys } from '../index/payload/payload-ops.js';
import { facet } from '../index/payload/facet.js';
import { planFilter, type FilterPlan } from '../index/filter/plan.js';
import { join } from 'node:path';
import { VectorIndexes, type BuildProgress, type IndexSettings } from './vector-indexes.js';
import type { HnswIndex } from '../index/hnsw/hnsw-index.js';

export type PointSelector =
  | { readonly kind: 'ids'; readonly ids: readonly PointId[] }
  | { readonly kind: 'filter'; readonly filter: Filter };

export type UpdateMode = 'upsert' | 'insert_only' | 'update_only';

export interface PointInput {
  readonly id: PointId;
  readonly vectors: NamedVectors;
  readonly payload: Payload | null;
}

export type PointOperation =
  | { readonly type: 'upsert'; readonly points: readonly PointInput[]; readonly updateFilter?: Filter; readonly mode: UpdateMode; readonly shardKey?: ShardKey }
  | { readonly type: 'delete'; readonly selector: PointSelector }
  | { readonly type: 'update_vectors'; readonly points: ReadonlyArray<{ id: PointId; vectors: NamedVectors }>; readonly updateFilter?: Filter }
  | { readonly type: 'delete_vectors'; readonly selector: PointSelector; readonly names: readonly string[] }
  | { readonly type: 'set_payload'; readonly selector: PointSelector; readonly payload: Payload; readonly key?: string }
  | { readonly type: 'overwrite_payload'; readonly selector: PointSelector; readonly payload: Payload }
  | { readonly type: 'delete_payload'; readonly selector: PointSelector; readonly keys: readonly string[] }
  | { readonly type: 'clear_payload'; readonly selector: PointSelector };

/** A point as staged by the pipeline: `null` in the overlay means deleted. */
interface StagedPoint {
  offset: number;
  vectors: NamedVectors;
  payload: Payload | null;
  shardKey: ShardKey | undefined;
}

/** The persistent descriptor of a collection, kept in the store's meta table. */
export interface CollectionDescriptor {
  readonly uuid: string;
  readonly config: JsonObject;
  readonly payloadIndexes: ReadonlyArray<{ field: string; schema: unknown }>;
  readonly shardKeys: readonly ShardKey[];
  readonly createdAt: string;
}

/** Where a collection reports problems it recovers from by itself (a corrupt index image, a failed save). */
export interface CollectionLog {
  warn(message: string): void;
  /** Progress of long background work (index builds). */
  info?(message: string): void;
}

export class Collection {
  readonly uuid: string;
  private descriptor: CollectionDescriptor;
  private schemaCache: VectorSchema;
  private readonly store: Store;
  private readonly points: KvTable<EncodedPoint>;
  private readonly metaKey: string;

  private readonly ids = new IdTracker();
  private nextOffset = 0;
  private readonly dense = new Map<string, DenseVectorStore>();
  private readonly other = new Map<string, Map<number, VectorValue>>();
  private payloads: Array<Payload | null | undefined> = [];
  /**
   * The point `matchesOffset` evaluates, reused: a filtered search calls it once per candidate (1,000 times for a
   * 1% filter on 100k points), and a fresh view with its own `hasVector` closure per call was most of that cost.
   * `id` is decoded only when a `has_id` condition asks. `matches` is synchronous, so one view suffices.
   */
  private readonly offsetView = ((c: Collection) => ({
    offset: 0,
    key: '' as PointKey,
    payload: undefined as Payload | undefined,
    get id(): PointId {
      return pointIdFromKey(this.key);
    },
    hasVector(name: string): boolean {
      return c.hasVectorAt(this.offset, name);
    },
  }))(this);
  private versions: number[] = [];
  private shardKeysByOffset: Array<ShardKey | undefined> = [];
  readonly fieldIndexes = new FieldIndexes();
  private opSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly indexes: VectorIndexes;

  private constructor(store: Store, descriptor: CollectionDescriptor, log: CollectionLog) {
    this.store = store;
    this.uuid = descriptor.uuid;
    this.descriptor = descriptor;
    this.schemaCache = vectorSchema(descriptor.config);
    this.points = store.table<EncodedPoint>(Collection.pointsTable(descriptor.uuid));
    this.metaKey = `collection-state:${descriptor.uuid}`;
    this.indexes = new VectorIndexes(join(store.path, 'indexes', descriptor.uuid), {
      offsetsWithVector: (name) => this.offsetsWithVector(name),
      versionAt: (offset) => this.versions[offset] ?? 0,
      lastOperationId: () => this.opSeq,
      log,
    });
  }

  static pointsTable(uuid: string): string {
    return `points:${uuid}`;
  }

  /** Loads a collection's points from the store into memory. */
  static load(store: Store, descriptor: CollectionDescriptor, log: CollectionLog = { warn: () => undefined }): Collection {
    const c = new Collection(store, descriptor, log);
    for (const p of descriptor.payloadIndexes) c.fieldIndexes.create(p.field, p.schema);
    c.resetStores();
    for (const { key, value } of c.points.entries()) {
      const d = decodePoint(value);
      const k = pointKey(key as PointId);
      c.ids.restore(k, d.offset);
      c.writeMemory(d.offset, { offset: d.offset, vectors: d.vectors, payload: d.payload, shardKey: d.shardKey }, d.version);
      if (d.offset >= c.nextOffset) c.nextOffset = d.offset + 1;
    }
    const state = store.meta.get(c.metaKey) as { opSeq?: number } | undefined;
    c.opSeq = state?.opSeq ?? 0;
    c.syncIndexes();
    return c;
  }

  private *offsetsWithVector(name: string): IterableIterator<number> {
    const store = this.dense.get(name);
    if (store === undefined) return;
    for (const offset of this.ids.offsets()) if (store.has(offset)) yield offset;
  }

  /** One HNSW per dense single-vector name, with the collection's current parameters. */
  private syncIndexes(): void {
    const settings = new Map<string, IndexSettings>();
    const threshold = (this.descriptor.config['optimizer_config'] as Record<string, unknown> | undefined)?.['indexing_threshold'];
    for (const [name, spec] of this.schemaCache.dense) {
      if (!spec.multivector) settings.set(name, { spec, indexingThresholdKb: typeof threshold === 'number' ? threshold : null });
    }
    this.indexes.sync(this.dense, settings);
  }

  /** The HNSW index of dense vector `name`, if it has one. */
  vectorIndex(name: string): HnswIndex | undefined {
    return this.indexes.get(name);
  }

  /** Resolves when no background index build is running. */
  indexingIdle(): Promise<void> {
    return this.indexes.idle();
  }

  /** Waits for pending updates and index builds to stop, then saves index images. */
  async close(): Promise<void> {
    await this.queue;
    await this.indexes.close();
  }

  /**
   * The collection is being deleted or replaced: waits for pending updates, stops a running index build at
   * the end of its current slice (without saving it) and removes the index images.
   */
  async discard(): Promise<void> {
    await this.queue;
    await this.indexes.discard();
  }

  get config(): JsonObject {
    return this.descriptor.config;
  }

  get schema(): VectorSchema {
    return this.schemaCache;
  }

  get info(): CollectionDescriptor {
    return this.descriptor;
  }

  get pointsCount(): number {
    return this.ids.size;
  }

  /** Number of stored dense vectors (what an index would hold). */
  get vectorsCount(): number {
    let n = 0;
    for (const s of this.dense.values()) n += s.count;
    for (const m of this.other.values()) n += m.size;
    return n;
  }

  /** True while vectors wait for a background index build (reported as status `yellow`). */
  get optimizing(): boolean {
    return this.indexes.optimizing;
  }

  /** The background index build running now, if any. */
  get indexBuild(): Readonly<BuildProgress> | undefined {
    return this.indexes.buildProgress;
  }

  /** Vectors held by a vector index (HNSW); exact-scan-only vectors are not counted, as in Qdrant. */
  get indexedVectorsCount(): number {
    return this.indexes.indexedCount;
  }

  get lastOperationId(): number {
    return this.opSeq;
  }

  // ---------------------------------------------------------------- configuration changes

  /**
   * Replaces the descriptor (config, payload indexes, shard keys) durably. Vector stores follow the new
   * schema: removed vector names are dropped from every point.
   */
  async updateDescriptor(change: (d: CollectionDescriptor) => CollectionDescriptor, metaPut: (d: CollectionDescriptor) => void): Promise<void> {
    await this.serial(async () => {
      const next = change(this.descriptor);
      const nextSchema = vectorSchema(next.config);
      const removed = [...this.allVectorNames()].filter((n) => !nextSchema.dense.has(n) && !nextSchema.sparse.has(n));
      const rewrites: Array<[PointKey, StagedPoint]> = [];
      if (removed.length > 0) {
        for (const offset of this.ids.offsets()) {
          const p = this.readMemory(offset);
          if (removed.some((n) => p.vectors.has(n))) {
            for (const n of removed) p.vectors.delete(n);
            rewrites.push([this.ids.keyAt(offset)!, p]);
          }
        }
      }
      await this.store.commit(() => {
        metaPut(next);
        for (const [key, p] of rewrites) {
          this.points.put(pointIdFromKey(key), encodePoint(p.offset, p.vectors, p.payload, this.versions[p.offset] ?? 0, p.shardKey));
        }
      });
      const indexesChanged = next.payloadIndexes !== this.descriptor.payloadIndexes;
      this.descriptor = next;
      this.schemaCache = nextSchema;
      if (removed.length > 0) {
        for (const n of removed) {
          this.dense.delete(n);
          this.other.delete(n);
        }
      }
      this.ensureStores();
      this.syncIndexes();
      if (indexesChanged) this.rebuildFieldIndexes();
    });
  }

  private rebuildFieldIndexes(): void {
    const wanted = new Map(this.descriptor.payloadIndexes.map((p) => [p.field, p.schema]));
    for (const field of this.fieldIndexes.fields()) if (!wanted.has(field)) this.fieldIndexes.drop(field);
    for (const [field, schema] of wanted) {
      // create() refills from the points given; it is a no-op for an identical existing index.
      this.fieldIndexes.create(field, schema, this.livePayloads());
    }
  }

  private *livePayloads(): IterableIterator<[number, Payload]> {
    for (const offset of this.ids.offsets()) {
      const p = this.payloads[offset];
      if (p) yield [offset, p];
    }
  }

  private *allVectorNames(): Iterable<string> {
    yield* this.dense.keys();
    yield* this.other.keys();
  }

  private resetStores(): void {
    this.dense.clear();
    this.other.clear();
    this.ensureStores();
  }

  private ensureStores(): void {
    for (const [name, spec] of this.schemaCache.dense) {
      if (spec.multivector) {
        if (!this.other.has(name)) this.other.set(name, new Map());
      } else {
        const s = this.dense.get(name);
        if (s === undefined || s.dim !== spec.size) this.dense.set(name, new DenseVectorStore(spec.size));
      }
    }
    for (const name of this.schemaCache.sparse.keys()) if (!this.other.has(name)) this.other.set(name, new Map());
  }

  // ---------------------------------------------------------------- updates

  /** Runs `fn` after every earlier update of this collection has finished. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /**
   * Applies point operations atomically: all of them or none.
   * @throws AppError for bad input (nothing changes) or storage failure (nothing changes).
   */
  update(ops: readonly PointOperation[], wait: boolean): Promise<UpdateResult> {
    return this.serial(async () => {
      const overlay = new Map<PointKey, StagedPoint | null>();
      for (const op of ops) this.stage(op, overlay);
      const opId = this.opSeq + 1;
      await this.store.commit(() => {
        for (const [key, staged] of overlay) {
          const id = pointIdFromKey(key);
          if (staged === null) this.points.remove(id);
          else this.points.put(id, encodePoint(staged.offset, staged.vectors, staged.payload, opId, staged.shardKey));
        }
        this.store.meta.put(this.metaKey, { opSeq: opId });
      });
      this.opSeq = opId;
      for (const [key, staged] of overlay) {
        if (staged === null) this.removeMemory(key);
        else {
          this.ids.restore(key, staged.offset);
          this.writeMemory(staged.offset, staged, opId);
        }
      }
      this.indexes.schedule();
      // Both promises are kept apart in the wire status; here the write is durable and applied.
      return { operation_id: opId, status: wait ? 'completed' : 'acknowledged' };
    });
  }

  private readStaged(key: PointKey, overlay: Map<PointKey, StagedPoint | null>): StagedPoint | null {
    if (overlay.has(key)) return overlay.get(key) ?? null;
    const offset = this.ids.offsetOf(key);
    return offset === undefined ? null : this.readMemory(offset);
  }

  /** Keys selected by `selector` in the staged state (memory overlaid by earlier operations of the batch). */
  private selectKeys(selector: PointSelector, overlay: Map<PointKey, StagedPoint | null>, shardKey?: ShardKey): PointKey[] {
    if (selector.kind === 'ids') {
      return selector.ids.map(pointKey).filter((k) => this.readStaged(k, overlay) !== null);
    }
    const out: PointKey[] = [];
    for (const offset of this.ids.offsets()) {
      const key = this.ids.keyAt(offset)!;
      if (overlay.has(key)) continue;
      if (shardKey !== undefined && this.shardKeysByOffset[offset] !== shardKey) continue;
      if (this.matchesOffset(selector.filter, offset)) out.push(key);
    }
    for (const [key, staged] of overlay) {
      if (staged !== null && matches(selector.filter, stagedView(key, staged), this.fieldIndexes)) out.push(key);
    }
    return out;
  }

  private stage(op: PointOperation, overlay: Map<PointKey, StagedPoint | null>): void {
    switch (op.type) {
      case 'upsert': {
        for (const p of op.points) {
          const key = pointKey(p.id);
          const existing = this.readStaged(key, overlay);
          if (existing !== null && op.mode === 'insert_only') continue;
          if (existing === null && op.mode === 'update_only') continue;
          if (existing !== null && op.updateFilter !== undefined && !matches(op.updateFilter, stagedView(key, existing), this.fieldIndexes)) continue;
          overlay.set(key, {
            offset: existing?.offset ?? this.reserveOffset(overlay, key),
            vectors: new Map(p.vectors),
            payload: p.payload,
            shardKey: op.shardKey,
          });
        }
        return;
      }
      case 'delete':
        for (const key of this.selectKeys(op.selector, overlay)) overlay.set(key, null);
        return;
      case 'update_vectors': {
        for (const p of op.points) {
          const key = pointKey(p.id);
          const existing = this.readStaged(key, overlay);
          if (existing === null) throw new AppError('POINT_NOT_FOUND', [String(p.id)]);
          if (op.updateFilter !== undefined && !matches(op.updateFilter, stagedView(key, existing), this.fieldIndexes)) continue;
          const vectors = new Map(existing.vectors);
          for (const [n, v] of p.vectors) vectors.set(n, v);
          overlay.set(key, { ...existing, vectors });
        }
        return;
      }
      case 'delete_vectors': {
        for (const n of op.names) {
          if (!this.schemaCache.dense.has(n) && !this.schemaCache.sparse.has(n)) throw new AppError('VECTOR_NAME_NOT_FOUND', [n]);
        }
        for (const key of this.selectKeys(op.selector, overlay)) {
          const existing = this.readStaged(key, overlay)!;
          const vectors = new Map(existing.vectors);
          for (const n of op.names) vectors.delete(n);
          overlay.set(key, { ...existing, vectors });
        }
        return;
      }
      case 'set_payload':
        this.stagePayload(op.selector, overlay, (p) => setPayload(p, op.payload, op.key));
        return;
      case 'overwrite_payload':
        this.stagePayload(op.selector, overlay, () => overwritePayload(op.payload));
        return;
      case 'delete_payload':
        this.stagePayload(op.selector, overlay, (p) => deletePayloadKeys(p, op.keys));
        return;
      case 'clear_payload':
        this.stagePayload(op.selector, overlay, () => null);
        return;
    }
  }

  private stagePayload(selector: PointSelector, overlay: Map<PointKey, StagedPoint | null>, f: (p: Payload | null) => Payload | null): void {
    if (selector.kind === 'ids') {
      for (const id of selector.ids) {
        if (this.readStaged(pointKey(id), overlay) === null) throw new AppError('POINT_NOT_FOUND', [String(id)]);
      }
    }
    for (const key of this.selectKeys(selector, overlay)) {
      const existing = this.readStaged(key, overlay)!;
      overlay.set(key, { ...existing, payload: f(existing.payload) });
    }
  }

  private reserveOffset(overlay: Map<PointKey, StagedPoint | null>, key: PointKey): number {
    const prior = overlay.get(key);
    if (prior) return prior.offset;
    return this.nextOffset++;
  }

  private readMemory(offset: number): StagedPoint {
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

  private writeMemory(offset: number, p: StagedPoint, version: number): void {
    const oldPayload = this.payloads[offset];
    if (oldPayload !== undefined) this.fieldIndexes.removePoint(offset);
    for (const [name, store] of this.dense) {
      const v = p.vectors.get(name);
      if (v?.kind === 'dense') {
        store.set(offset, v.data);
        this.indexes.changed(name, offset, true);
      } else if (store.has(offset)) {
        store.delete(offset);
        this.indexes.changed(name, offset, false);
      }
    }
    for (const [name, m] of this.other) {
      const v = p.vectors.get(name);
      if (v !== undefined) m.set(offset, v);
      else m.delete(offset);
    }
    this.payloads[offset] = p.payload;
    this.versions[offset] = version;
    this.shardKeysByOffset[offset] = p.shardKey;
    if (p.payload) this.fieldIndexes.addPoint(offset, p.payload);
  }

  private removeMemory(key: PointKey): void {
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

  // ---------------------------------------------------------------- reads

  /** Live offsets, optionally restricted to points carrying one of `shardKeys`. */
  *liveOffsets(shardKeys?: readonly ShardKey[]): IterableIterator<number> {
    for (const offset of this.ids.offsets()) {
      if (shardKeys !== undefined && !shardKeys.includes(this.shardKeysByOffset[offset] as ShardKey)) continue;
      yield offset;
    }
  }

  offsetOf(id: PointId): number | undefined {
    return this.ids.offsetOf(pointKey(id));
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

  matchesOffset(filter: Filter, offset: number): boolean {
    const key = this.ids.keyAt(offset);
    if (key === undefined) return false;
    const view = this.offsetView;
    view.offset = offset;
    view.key = key;
    view.payload = this.payloads[offset] ?? undefined;
    return matches(filter, view, this.fieldIndexes);
  }

  /**
   * Offsets that may match `filter`, from payload indexes when they can answer (a superset: callers
   * still run `matchesOffset`), else every live offset.
   */
  candidateOffsets(filter: Filter): Iterable<number> {
    return this.filterPlan(filter).candidates ?? this.ids.offsets();
  }

  /** The planner's view of `filter`: candidate offsets from payload indexes (a superset) and a cardinality estimate. */
  filterPlan(filter: Filter): FilterPlan {
    return planFilter(filter, this.fieldIndexes, this.ids.size, { resolveId: (id) => this.offsetOf(id) });
  }

  /** Qdrant's facet: value counts of an indexed field over the points matching `filter`. */
  facet(key: string, limit: number, filter: Filter | undefined, shardKeys: readonly ShardKey[] | undefined): { hits: Array<{ value: unknown; count: number }> } {
    let allowed: number[] | null = null;
    if (filter !== undefined || shardKeys !== undefined) {
      allowed = [];
      const source = filter === undefined ? this.ids.offsets() : this.candidateOffsets(filter);
      for (const offset of source) {
        if (this.ids.keyAt(offset) === undefined) continue;
        if (shardKeys !== undefined && !shardKeys.includes(this.shardKeysByOffset[offset] as ShardKey)) continue;
        if (filter !== undefined && !this.matchesOffset(filter, offset)) continue;
        allowed.push(offset);
      }
    }
    return facet(this.fieldIndexes, { key, limit }, allowed);
  }

  view(offset: number): PointView | undefined {
    const key = this.ids.keyAt(offset);
    if (key === undefined) return undefined;
    // Vectors are copied out only when asked for: most results are sent without them.
    let vectors: NamedVectors | undefined;
    const readVectors = (): NamedVectors => (vectors ??= this.readMemory(offset).vectors);
    return {
      id: pointIdFromKey(key),
      offset,
      payload: this.payloads[offset] ?? null,
      get vectors() {
        return readVectors();
      },
      version: this.versions[offset] ?? 0,
      shardKey: this.shardKeysByOffset[offset],
    };
  }

  /** Point ids in storage order (integers ascending, then UUIDs), starting at `from`. */
  *idsInOrder(from?: PointId): IterableIterator<PointId> {
    for (const key of this.points.keys(from)) yield key as PointId;
  }
}

function stagedView(key: PointKey, p: StagedPoint): { id: PointId; payload: Payload | undefined; hasVector(name: string): boolean } {
  return { id: pointIdFromKey(key), payload: p.payload ?? undefined, hasVector: (name: string) => p.vectors.has(name) };
}
