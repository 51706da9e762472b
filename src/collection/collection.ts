/**
 * One collection: its descriptor (configuration, payload indexes, shard keys), its segment (the points
 * in memory, `segment/segment.ts`) and the update pipeline that keeps the segment and the durable store
 * in step. Writes are `PointOperation` values (`operation.ts`).
 *
 * Update pipeline (one at a time per collection, in arrival order):
 *   stage   — the operation is applied to an overlay of the current state; any bad input throws here,
 *             before anything is written, so a rejected request changes nothing;
 *   persist — the overlay's changes go to the store in one transaction, awaited until durable;
 *   apply   — only then is memory updated, so readers never see a write that could still be lost.
 */
import { AppError, badInput } from '../errors.js';
import { type Store, type KvTable } from '../storage/kv/store.js';
import { type PointId, type PointKey, pointKey, pointIdFromKey } from '../storage/point-id.js';
import { encodePoint, decodePoint, type EncodedPoint } from './point-codec.js';
import { isCustomSharding, vectorSchema, type VectorSchema } from './config.js';
import type { JsonObject } from '../json.js';
import type { Payload, PointView, ShardKey, UpdateResult } from './types.js';
import { shardKeysOf, type PointOperation, type PointSelector } from './operation.js';
import type { Filter } from '../index/filter/types.js';
import { matches } from '../index/filter/evaluate.js';
import type { FieldIndexes } from '../index/payload/field-indexes.js';
import { setPayload, overwritePayload, deletePayloadKeys } from '../index/payload/payload-ops.js';
import type { FilterPlan } from '../index/filter/plan.js';
import { join } from 'node:path';
import type { BuildProgress, IndexSettings } from './vector-indexes.js';
import type { HnswIndex } from '../index/hnsw/hnsw-index.js';
import type { DenseVectorStore } from '../index/vector-store.js';
import type { VectorValue } from './vectors.js';
import { Segment, type StoredPoint } from './segment/segment.js';
import type { Scope } from './segment/scope.js';
import { andFilters } from './query/filters.js';
import { outsideTenant, VisibleEntries } from './tenant.js';

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
  /** The points. Reads go through its `SegmentReader` methods; only the pipeline below writes. */
  readonly segment: Segment;
  private opSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Row-level security: the only points this object shows and writes, on a view made by {@link confine};
   * `undefined` on the collection itself.
   */
  private readonly tenant: Filter | undefined = undefined;

  private constructor(store: Store, descriptor: CollectionDescriptor, log: CollectionLog) {
    this.store = store;
    this.uuid = descriptor.uuid;
    this.descriptor = descriptor;
    this.schemaCache = vectorSchema(descriptor.config);
    this.points = store.table<EncodedPoint>(Collection.pointsTable(descriptor.uuid));
    this.metaKey = `collection-state:${descriptor.uuid}`;
    this.segment = new Segment(join(store.path, 'indexes', descriptor.uuid), this.schemaCache, { lastOperationId: () => this.opSeq, log, cipher: store.key });
  }

  static pointsTable(uuid: string): string {
    return `points:${uuid}`;
  }

  /** Loads a collection's points from the store into memory. */
  static load(store: Store, descriptor: CollectionDescriptor, log: CollectionLog = { warn: () => undefined }): Collection {
    const c = new Collection(store, descriptor, log);
    for (const p of descriptor.payloadIndexes) c.segment.fieldIndexes.create(p.field, p.schema);
    for (const { key, value } of c.points.entries()) {
      const d = decodePoint(value);
      c.segment.put(pointKey(key as PointId), { offset: d.offset, vectors: d.vectors, payload: d.payload, shardKey: d.shardKey }, d.version);
    }
    const state = store.meta.get(c.metaKey) as { opSeq?: number } | undefined;
    c.opSeq = state?.opSeq ?? 0;
    c.segment.setSchema(c.schemaCache, c.indexSettings());
    return c;
  }

  /** One HNSW per dense single-vector name, with the collection's current parameters. */
  private indexSettings(): Map<string, IndexSettings> {
    const settings = new Map<string, IndexSettings>();
    const threshold = (this.descriptor.config['optimizer_config'] as Record<string, unknown> | undefined)?.['indexing_threshold'];
    for (const [name, spec] of this.schemaCache.dense) {
      if (!spec.multivector) settings.set(name, { spec, indexingThresholdKb: typeof threshold === 'number' ? threshold : null });
    }
    return settings;
  }

  /** Resolves when no background index build is running. */
  indexingIdle(): Promise<void> {
    return this.segment.indexingIdle();
  }

  /** Waits for pending updates and index builds to stop, then saves index images. */
  async close(): Promise<void> {
    await this.queue;
    await this.segment.close();
  }

  /**
   * The collection is being deleted or replaced: waits for pending updates, stops a running index build at
   * the end of its current slice (without saving it) and removes the index images.
   */
  async discard(): Promise<void> {
    await this.queue;
    await this.segment.discard();
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

  /** Points this object shows (a confined view: the tenant's). */
  get pointsCount(): number {
    if (this.tenant === undefined) return this.segment.size;
    let n = 0;
    for (const _ of this.scan({})) n++;
    return n;
  }

  /** Every point stored, whatever the view (for limits that bound the collection, such as strict mode's). */
  get storedPointsCount(): number {
    return this.segment.size;
  }

  // ---------------------------------------------------------------- row-level security (tenant tokens)

  /**
   * This collection as a tenant token sees it: only the points matching `tenant` exist. Reads resolve their scope
   * within it ({@link scopeOf}, which rides the filtered-search planner like any filter); a point outside reads as
   * absent; a write may touch only points inside and must leave every point it writes inside, or it is refused
   * whole (403). The view shares all state with the collection: a Proxy forwards every field read and write to it,
   * and only `tenant` differs.
   */
  confine(tenant: Filter): Collection {
    const outer = this.tenant;
    const combined = outer === undefined ? tenant : andFilters(outer, tenant)!;
    return new Proxy(this, {
      get: (target, prop, receiver) => (prop === 'tenant' ? combined : Reflect.get(target, prop, receiver) as unknown),
      set: (target, prop, value) => Reflect.set(target, prop, value),
    });
  }

  /** The scope a read covers on this object: `scope`, within the tenant on a confined view. */
  scopeOf(scope: Scope): Scope {
    return this.tenant === undefined ? scope : { filter: andFilters(scope.filter, this.tenant), shardKeys: scope.shardKeys };
  }

  /** True when the live point at `offset` is shown by this object. */
  private visible(offset: number): boolean {
    return this.tenant === undefined || this.segment.matches(this.tenant, offset);
  }

  /** The staged point, or null when absent or (on a confined view) outside the tenant. */
  private readVisible(key: PointKey, overlay: Map<PointKey, StoredPoint | null>): StoredPoint | null {
    const p = this.readStaged(key, overlay);
    return p === null || this.tenant === undefined || matches(this.tenant, stagedView(key, p), this.segment.fieldIndexes) ? p : null;
  }

  /**
   * A confined write may only have touched points that were inside the tenant (or absent) and must leave every
   * point it writes inside. @throws AppError(FORBIDDEN), nothing written
   */
  private checkTenant(overlay: ReadonlyMap<PointKey, StoredPoint | null>): void {
    const tenant = this.tenant;
    if (tenant === undefined) return;
    for (const [key, staged] of overlay) {
      const before = this.segment.offsetOfKey(key);
      if (before !== undefined && !this.segment.matches(tenant, before)) throw outsideTenant();
      if (staged !== null && !matches(tenant, stagedView(key, staged), this.segment.fieldIndexes)) throw outsideTenant();
    }
  }

  /** Number of stored vectors of every kind. */
  get vectorsCount(): number {
    return this.segment.vectorsCount;
  }

  /** True while vectors wait for a background index build (reported as status `yellow`). */
  get optimizing(): boolean {
    return this.segment.optimizing;
  }

  /** The background index build running now, if any. */
  get indexBuild(): Readonly<BuildProgress> | undefined {
    return this.segment.buildProgress;
  }

  /** Vectors held by a vector index (HNSW); exact-scan-only vectors are not counted, as in Qdrant. */
  get indexedVectorsCount(): number {
    return this.segment.indexedVectorsCount;
  }

  get lastOperationId(): number {
    return this.opSeq;
  }

  get fieldIndexes(): FieldIndexes {
    return this.segment.fieldIndexes;
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
      const removed = [...this.segment.vectorNames()].filter((n) => !nextSchema.dense.has(n) && !nextSchema.sparse.has(n));
      const rewrites: Array<[PointKey, StoredPoint]> = [];
      if (removed.length > 0) {
        for (const offset of this.segment.liveOffsets()) {
          const p = this.segment.read(offset);
          if (removed.some((n) => p.vectors.has(n))) {
            for (const n of removed) p.vectors.delete(n);
            rewrites.push([this.segment.keyAt(offset)!, p]);
          }
        }
      }
      await this.store.commit(() => {
        metaPut(next);
        for (const [key, p] of rewrites) {
          this.points.put(pointIdFromKey(key), encodePoint(p.offset, p.vectors, p.payload, this.segment.versionAt(p.offset), p.shardKey));
        }
      });
      const indexesChanged = next.payloadIndexes !== this.descriptor.payloadIndexes;
      this.descriptor = next;
      this.schemaCache = nextSchema;
      this.segment.setSchema(nextSchema, this.indexSettings());
      if (indexesChanged) this.segment.setFieldIndexes(new Map(next.payloadIndexes.map((p) => [p.field, p.schema])));
    });
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
   *   stage   — each operation is applied to an overlay of the segment; bad input throws here;
   *   persist — the overlay goes to the store in one transaction, awaited until durable;
   *   apply   — only then does the segment change.
   * @throws AppError for bad input (nothing changes) or storage failure (nothing changes).
   */
  update(ops: readonly PointOperation[], wait: boolean): Promise<UpdateResult> {
    return this.serial(async () => {
      this.checkShardKeys(ops);
      const overlay = new Map<PointKey, StoredPoint | null>();
      for (const op of ops) this.stage(op, overlay);
      this.checkTenant(overlay);
      const opId = this.opSeq + 1;
      await this.persist(overlay, opId);
      this.opSeq = opId;
      this.apply(overlay, opId);
      // Both promises are kept apart in the wire status; here the write is durable and applied.
      return { operationId: opId, status: wait ? 'completed' : 'acknowledged' };
    });
  }

  private persist(overlay: ReadonlyMap<PointKey, StoredPoint | null>, opId: number): Promise<void> {
    return this.store.commit(() => {
      for (const [key, staged] of overlay) {
        const id = pointIdFromKey(key);
        if (staged === null) this.points.remove(id);
        else this.points.put(id, encodePoint(staged.offset, staged.vectors, staged.payload, opId, staged.shardKey));
      }
      this.store.meta.put(this.metaKey, { opSeq: opId });
    });
  }

  private apply(overlay: ReadonlyMap<PointKey, StoredPoint | null>, opId: number): void {
    for (const [key, staged] of overlay) {
      if (staged === null) this.segment.remove(key);
      else this.segment.put(key, staged, opId);
    }
    this.segment.scheduleIndexing();
  }

  /** Shard keys a write names must exist; a custom-sharded collection with keys needs one on every upsert. */
  private checkShardKeys(ops: readonly PointOperation[]): void {
    for (const k of shardKeysOf(ops)) if (!this.descriptor.shardKeys.includes(k)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(k)]);
    if (isCustomSharding(this.descriptor.config) && this.descriptor.shardKeys.length > 0) {
      for (const op of ops) if (op.type === 'upsert' && op.shardKey === undefined) throw badInput('Shard key is required for upsert into a collection with custom sharding');
    }
  }

  private readStaged(key: PointKey, overlay: Map<PointKey, StoredPoint | null>): StoredPoint | null {
    if (overlay.has(key)) return overlay.get(key) ?? null;
    const offset = this.segment.offsetOfKey(key);
    return offset === undefined ? null : this.segment.read(offset);
  }

  /** Keys selected by `selector` in the staged state (the segment overlaid by earlier operations of the batch). */
  private selectKeys(selector: PointSelector, overlay: Map<PointKey, StoredPoint | null>): PointKey[] {
    if (selector.kind === 'ids') {
      return selector.ids.map(pointKey).filter((k) => this.readVisible(k, overlay) !== null);
    }
    const filter = andFilters(selector.filter, this.tenant)!;
    const out: PointKey[] = [];
    for (const offset of this.segment.scan({ filter })) {
      const key = this.segment.keyAt(offset)!;
      if (!overlay.has(key)) out.push(key);
    }
    for (const [key, staged] of overlay) {
      if (staged !== null && matches(filter, stagedView(key, staged), this.segment.fieldIndexes)) out.push(key);
    }
    return out;
  }

  private stage(op: PointOperation, overlay: Map<PointKey, StoredPoint | null>): void {
    switch (op.type) {
      case 'upsert': {
        for (const p of op.points) {
          const key = pointKey(p.id);
          // A point outside the tenant is there for insert_only (skipped) and absent for update_only (skipped too);
          // any other upsert onto it, whatever its update_filter, is refused by checkTenant.
          const existing = this.readStaged(key, overlay);
          const foreign = existing !== null && this.readVisible(key, overlay) === null;
          if (existing !== null && op.mode === 'insert_only') continue;
          if ((existing === null || foreign) && op.mode === 'update_only') continue;
          if (existing !== null && !foreign && op.updateFilter !== undefined && !matches(op.updateFilter, stagedView(key, existing), this.segment.fieldIndexes)) continue;
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
          const existing = this.readVisible(key, overlay);
          if (existing === null) throw new AppError('POINT_NOT_FOUND', [String(p.id)]);
          if (op.updateFilter !== undefined && !matches(op.updateFilter, stagedView(key, existing), this.segment.fieldIndexes)) continue;
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

  private stagePayload(selector: PointSelector, overlay: Map<PointKey, StoredPoint | null>, f: (p: Payload | null) => Payload | null): void {
    if (selector.kind === 'ids') {
      for (const id of selector.ids) {
        if (this.readVisible(pointKey(id), overlay) === null) throw new AppError('POINT_NOT_FOUND', [String(id)]);
      }
    }
    for (const key of this.selectKeys(selector, overlay)) {
      const existing = this.readStaged(key, overlay)!;
      overlay.set(key, { ...existing, payload: f(existing.payload) });
    }
  }

  private reserveOffset(overlay: Map<PointKey, StoredPoint | null>, key: PointKey): number {
    const prior = overlay.get(key);
    if (prior) return prior.offset;
    return this.segment.reserveOffset();
  }

  // ---------------------------------------------------------------- reads (the segment's, for callers holding a collection)

  /** Live offsets inside `scope`. */
  scan(scope: Scope): Iterable<number> {
    return this.segment.scan(this.scopeOf(scope));
  }

  /** Live offsets, optionally restricted to points carrying one of `shardKeys`. */
  liveOffsets(shardKeys?: readonly ShardKey[]): Iterable<number> {
    return this.scan({ shardKeys });
  }

  inScope(offset: number, scope: Scope): boolean {
    return this.segment.inScope(offset, this.scopeOf(scope));
  }

  /** The offset of point `id`; undefined when absent or not shown by this object. */
  offsetOf(id: PointId): number | undefined {
    const offset = this.segment.offsetOf(id);
    return offset === undefined || this.visible(offset) ? offset : undefined;
  }

  idAt(offset: number): PointId | undefined {
    return this.segment.idAt(offset);
  }

  shardKeyAt(offset: number): ShardKey | undefined {
    return this.segment.shardKeyAt(offset);
  }

  payloadAt(offset: number): Payload | null {
    return this.segment.payloadAt(offset);
  }

  hasVectorAt(offset: number, name: string): boolean {
    return this.segment.hasVectorAt(offset, name);
  }

  denseStore(name: string): DenseVectorStore | undefined {
    return this.segment.denseStore(name);
  }

  /** Sparse and multi vectors by offset (on a confined view, the tenant's only). */
  otherVectors(name: string): ReadonlyMap<number, VectorValue> | undefined {
    const all = this.segment.otherVectors(name);
    return all === undefined || this.tenant === undefined ? all : new VisibleEntries(all, (o) => this.visible(o));
  }

  /** The HNSW index of dense vector `name`, if it has one. */
  vectorIndex(name: string): HnswIndex | undefined {
    return this.segment.vectorIndex(name);
  }

  matchesOffset(filter: Filter, offset: number): boolean {
    return this.segment.matches(filter, offset);
  }

  /** The planner's view of `filter`: candidate offsets from payload indexes (a superset) and a cardinality estimate. */
  filterPlan(filter: Filter): FilterPlan {
    return this.segment.filterPlan(filter);
  }

  /** Qdrant's facet: value counts of an indexed field over the points inside `scope`. */
  facet(key: string, limit: number, scope: Scope): { hits: Array<{ value: unknown; count: number }> } {
    return this.segment.facet(key, limit, this.scopeOf(scope));
  }

  /** The point at `offset`; undefined when absent or not shown by this object. */
  view(offset: number): PointView | undefined {
    return this.visible(offset) ? this.segment.view(offset) : undefined;
  }

  /** Point ids in storage order (integers ascending, then UUIDs), starting at `from`. */
  *idsInOrder(from?: PointId): IterableIterator<PointId> {
    for (const key of this.points.keys(from)) yield key as PointId;
  }
}

function stagedView(key: PointKey, p: StoredPoint): { id: PointId; payload: Payload | undefined; hasVector(name: string): boolean } {
  return { id: pointIdFromKey(key), payload: p.payload ?? undefined, hasVector: (name: string) => p.vectors.has(name) };
}
