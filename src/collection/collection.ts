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
import { indexingThresholdKb, isCustomSharding, vectorSchema, type CollectionConfig, type VectorSchema } from './config.js';
import { applyDescriptorOperation, type CollectionDescriptor } from './descriptor.js';
import type { Payload, ShardKey, UpdateResult } from './types.js';
import { shardKeysOf, upsertsByShardKey, type DescriptorOperation, type PointInput, type PointOperation, type PointSelector } from './operation.js';
import { matches } from '../index/filter/evaluate.js';
import type { FieldIndexes } from '../index/payload/field-indexes.js';
import { setPayload, overwritePayload, deletePayloadKeys } from '../index/payload/payload-ops.js';
import { join } from 'node:path';
import type { BuildProgress, IndexSettings } from './vector-indexes.js';
import { Segment, type SegmentReader, type StoredPoint } from './segment/segment.js';
import { StagedOverlay } from './staged-overlay.js';
import { CommitGroups, type GroupMember } from './commit-groups.js';
import type { Filter } from '../index/filter/types.js';
import { andFilters } from './query/filters.js';
import { ConfinedSegment, outsideTenant } from './tenant.js';
import type { RateGate } from './rate-gate.js';

/** One `update()` call waiting for its commit group. */
interface UpdateRequest {
  readonly ops: readonly PointOperation[];
  readonly wait: boolean;
  /** The tenant filter of the view the update came through (`Collection.confine`). */
  readonly tenant: Filter | undefined;
}

/**
 * Which points a write may reach: in distributed mode, those of the shard whose log is applied (`owns`, filter
 * selectors only); through a tenant's view, those matching the tenant filter (`tenant`).
 */
interface Reach {
  readonly owns?: ((id: PointId) => boolean) | undefined;
  readonly tenant?: Filter | undefined;
  /** The staged state the write stages over (the commit group's earlier members); absent: the segment's. */
  readonly before?: StagedOverlay | undefined;
}

/**
 * A commit group takes updates while they add up to at most this many points (at least one update): 4 writers of
 * 1,000-point batches share one fsync, and one group's staging and applying stay a few tens of ms of work.
 */
const GROUP_MAX_POINTS = 4096;
/** Staging a group yields to the event loop between updates once it has run this long. */
const YIELD_AFTER_MS = 10;
/** Points encoded for the store between two yields to the event loop. */
const ENCODE_SLICE = 512;

/** The points an update writes, as far as its operations say (a filter selection counts as one). */
function operationsWeight(ops: readonly PointOperation[]): number {
  let n = 0;
  for (const op of ops) n += op.type === 'upsert' || op.type === 'update_vectors' ? op.points.length : op.selector.kind === 'ids' ? op.selector.ids.length : 1;
  return n;
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
  /** The points; only the pipeline below writes them. Readers get the narrow `SegmentReader` (`segment`). */
  private readonly seg: Segment;
  private opSeq = 0;
  private queue: Promise<unknown> = Promise.resolve();
  /**
   * Row-level security: the only points this object shows and writes, on a view made by {@link confine};
   * `undefined` on the collection itself.
   */
  private readonly tenant: Filter | undefined = undefined;
  /** Where strict mode's read and write rates are charged (set by the service that loads the collection). */
  rateGate: RateGate | undefined = undefined;

  private constructor(store: Store, descriptor: CollectionDescriptor, log: CollectionLog) {
    this.store = store;
    this.uuid = descriptor.uuid;
    this.descriptor = descriptor;
    this.schemaCache = vectorSchema(descriptor.config);
    this.points = store.table<EncodedPoint>(Collection.pointsTable(descriptor.uuid));
    this.metaKey = `collection-state:${descriptor.uuid}`;
    this.seg = new Segment(join(store.path, 'indexes', descriptor.uuid), this.schemaCache, { lastOperationId: () => this.opSeq, log, cipher: store.key });
  }

  static pointsTable(uuid: string): string {
    return `points:${uuid}`;
  }

  /** Loads a collection's points from the store into memory. */
  static load(store: Store, descriptor: CollectionDescriptor, log: CollectionLog = { warn: () => undefined }): Collection {
    const c = new Collection(store, descriptor, log);
    for (const p of descriptor.payloadIndexes) c.seg.fieldIndexes.create(p.field, p.schema);
    for (const { key, value } of c.points.entries()) {
      const d = decodePoint(value);
      c.seg.put(pointKey(key as PointId), { offset: d.offset, vectors: d.vectors, payload: d.payload, shardKey: d.shardKey }, d.version);
    }
    const state = store.meta.get(c.metaKey) as { opSeq?: number } | undefined;
    c.opSeq = state?.opSeq ?? 0;
    c.seg.setSchema(c.schemaCache, c.indexSettings());
    return c;
  }

  /** One HNSW per dense single-vector name, with the collection's current parameters. */
  private indexSettings(): Map<string, IndexSettings> {
    const settings = new Map<string, IndexSettings>();
    const threshold = indexingThresholdKb(this.descriptor.config);
    for (const [name, spec] of this.schemaCache.dense) {
      if (!spec.multivector) settings.set(name, { spec, indexingThresholdKb: threshold });
    }
    return settings;
  }

  /** Resolves when no background index build is running. */
  indexingIdle(): Promise<void> {
    return this.seg.indexingIdle();
  }

  /** Waits for pending updates and index builds to stop, then saves index images. */
  async close(): Promise<void> {
    await this.queue;
    await this.seg.close();
  }

  /**
   * The collection is being deleted or replaced: waits for pending updates, stops a running index build at
   * the end of its current slice (without saving it) and removes the index images.
   */
  async discard(): Promise<void> {
    await this.queue;
    await this.seg.discard();
  }

  /**
   * The segment's read interface: view a point, scan a scope, nearest neighbours, facet. Every read of the
   * collection's points goes through it; filter and shard-key scope are resolved there, once.
   */
  get segment(): SegmentReader {
    return this.tenant === undefined ? this.seg : new ConfinedSegment(this.seg, this.tenant);
  }

  /**
   * This collection as a tenant token sees it: only the points matching `tenant` exist. Its `segment` resolves
   * every read within the filter ({@link ConfinedSegment}); a write may touch only points inside and must leave
   * every point it writes inside, or it is refused whole (403, nothing written). The view shares all state with the
   * collection: a Proxy forwards every field read and write to it, and only `tenant` differs.
   */
  confine(tenant: Filter): Collection {
    const combined = this.tenant === undefined ? tenant : andFilters(this.tenant, tenant)!;
    return new Proxy(this, {
      get: (target, prop, receiver) => (prop === 'tenant' ? combined : Reflect.get(target, prop, receiver) as unknown),
      set: (target, prop, value) => Reflect.set(target, prop, value),
    });
  }

  get config(): CollectionConfig {
    return this.descriptor.config;
  }

  get schema(): VectorSchema {
    return this.schemaCache;
  }

  get info(): CollectionDescriptor {
    return this.descriptor;
  }

  /** Points this object shows (on a confined view: the tenant's). */
  get pointsCount(): number {
    return this.segment.size;
  }

  /** Every point stored, whatever the view (for limits that bound the collection, such as strict mode's). */
  get storedPointsCount(): number {
    return this.seg.size;
  }

  /** Number of stored vectors of every kind. */
  get vectorsCount(): number {
    return this.seg.vectorsCount;
  }

  /** True while vectors wait for a background index build (reported as status `yellow`). */
  get optimizing(): boolean {
    return this.seg.optimizing;
  }

  /** The background index build running now, if any. */
  get indexBuild(): Readonly<BuildProgress> | undefined {
    return this.seg.buildProgress;
  }

  /** Vectors held by a vector index (HNSW); exact-scan-only vectors are not counted, as in Qdrant. */
  get indexedVectorsCount(): number {
    return this.seg.indexedVectorsCount;
  }

  get lastOperationId(): number {
    return this.opSeq;
  }

  get fieldIndexes(): FieldIndexes {
    return this.seg.fieldIndexes;
  }

  // ---------------------------------------------------------------- configuration changes

  /**
   * Changes the descriptor (configuration, payload indexes, shard keys) through the update pipeline:
   *   stage   — `op` is validated and applied to a copy of the descriptor; bad input throws here;
   *   persist — `save` (the descriptor's store record) and the points that lose a removed vector name are
   *             written in one transaction, awaited until durable;
   *   apply   — only then do the descriptor, the vector stores and the payload indexes follow.
   */
  configure(op: DescriptorOperation, save: (d: CollectionDescriptor) => void): Promise<void> {
    return this.serial(async () => {
      if (op.type === 'create_field_index') this.seg.fieldIndexes.validateSchema(op.field, op.schema);
      await this.reconfigure(applyDescriptorOperation(this.descriptor, op), save);
    });
  }

  /**
   * Distributed mode (issue 19): takes the descriptor the cluster's metadata holds (already validated by the node
   * that changed it), persisted and applied as {@link configure} does.
   */
  adoptDescriptor(next: CollectionDescriptor, save: (d: CollectionDescriptor) => void): Promise<void> {
    return this.serial(() => this.reconfigure(next, save));
  }

  private async reconfigure(next: CollectionDescriptor, save: (d: CollectionDescriptor) => void): Promise<void> {
    {
      const nextSchema = vectorSchema(next.config);
      const removed = [...this.seg.vectorNames()].filter((n) => !nextSchema.dense.has(n) && !nextSchema.sparse.has(n));
      const rewrites: Array<[PointKey, StoredPoint]> = [];
      if (removed.length > 0) {
        for (const offset of this.seg.liveOffsets()) {
          const p = this.seg.read(offset);
          if (removed.some((n) => p.vectors.has(n))) {
            for (const n of removed) p.vectors.delete(n);
            rewrites.push([this.seg.keyAt(offset)!, p]);
          }
        }
      }
      await this.store.commit(() => {
        save(next);
        for (const [key, p] of rewrites) {
          this.points.put(pointIdFromKey(key), encodePoint(p.offset, p.vectors, p.payload, this.seg.versionAt(p.offset), p.shardKey));
        }
      });
      const indexesChanged = next.payloadIndexes !== this.descriptor.payloadIndexes;
      this.descriptor = next;
      this.schemaCache = nextSchema;
      this.seg.setSchema(nextSchema, this.indexSettings());
      if (indexesChanged) this.seg.setFieldIndexes(new Map(next.payloadIndexes.map((p) => [p.field, p.schema])));
    }
  }

  /** Runs `commit` (store writes) as one durable transaction after every earlier update of this collection. */
  commitAfterUpdates(commit: () => void): Promise<void> {
    return this.serial(() => this.store.commit(commit));
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
   * In distributed mode (`replicateWith`) the operations go to the cluster's log instead; they reach this
   * segment through {@link applyReplicated}.
   * Concurrent updates are committed in groups (`commit-groups.ts`): one transaction and one fsync per group,
   * each update still all-or-nothing, acknowledged only once durable, and rejected alone if it fails to stage.
   * @throws AppError for bad input (nothing changes) or storage failure (nothing changes).
   */
  update(ops: readonly PointOperation[], wait: boolean): Promise<UpdateResult> {
    if (this.replicator !== undefined) {
      // A tenant's write is checked against the tenant here (a prompt 403), and replicated with its tenant filter:
      // each replica applies it confined, in the state at its log position (another write may come in between).
      if (this.tenant !== undefined) this.check(ops);
      return this.replicator(ops, wait, this.tenant);
    }
    return this.groups.submit({ ops, wait, tenant: this.tenant });
  }

  private groupsCommitted = 0;
  private updatesCommitted = 0;

  /** Commit groups (transactions) and the updates they committed since the collection was loaded. */
  get commitStats(): { groups: number; updates: number } {
    return { groups: this.groupsCommitted, updates: this.updatesCommitted };
  }

  private readonly groups = new CommitGroups<UpdateRequest, UpdateResult>({
    schedule: (step) => this.serial(step),
    run: (members) => this.commitGroup(members),
    weight: (r) => operationsWeight(r.ops),
    maxWeight: GROUP_MAX_POINTS,
  });

  /** Stages each member over the ones before it, persists the group in one transaction, then applies it. */
  private async commitGroup(members: ReadonlyArray<GroupMember<UpdateRequest, UpdateResult>>): Promise<void> {
    const group = new StagedOverlay();
    const versions = new Map<PointKey, number>();
    const staged: Array<{ member: GroupMember<UpdateRequest, UpdateResult>; opId: number }> = [];
    let opId = this.opSeq;
    let lastYield = performance.now();
    for (const member of members) {
      // A long group lets other requests (reads, health checks) in between its members.
      if (performance.now() - lastYield > YIELD_AFTER_MS) {
        await new Promise((resolve) => setImmediate(resolve));
        lastYield = performance.now();
      }
      const own = new StagedOverlay(group);
      try {
        this.checkShardKeys(member.item.ops);
        const reach = { tenant: member.item.tenant, before: group };
        for (const op of member.item.ops) this.stage(op, own, reach);
        this.checkTenant(own, reach);
      } catch (e) {
        member.reject(e);
        continue;
      }
      opId++;
      for (const [key, p] of own.ownEntries()) {
        group.set(key, p);
        versions.set(key, opId);
      }
      staged.push({ member, opId });
    }
    if (staged.length === 0) return;
    try {
      await this.persist(group, versions, opId);
    } catch (e) {
      for (const s of staged) s.member.reject(e);
      return;
    }
    this.opSeq = opId;
    this.groupsCommitted++;
    this.updatesCommitted += staged.length;
    this.apply(group, versions);
    // Both promises are kept apart in the wire status; here every write of the group is durable and applied.
    for (const s of staged) s.member.resolve({ operationId: s.opId, status: s.member.item.wait ? 'completed' : 'acknowledged' });
  }

  // ================================================================ distributed mode (issue 19) — begin
  private replicator: Replicator | undefined;

  /**
   * Distributed mode: `update()` hands writes to `replicator` (the cluster's log) instead of applying them here,
   * with the tenant filter of the view they came through (to replicate with them: {@link ReplicaScope.tenant}).
   */
  replicateWith(replicator: Replicator): void {
    this.replicator = replicator;
  }

  /**
   * Applies operations read from a shard's replicated log, in log order, through the same pipeline as `update()`.
   * Filter selectors select only points `owns` accepts (the shard's own points), so each shard's log stays
   * independent of the others'. `inCommit` runs inside the persist transaction (the applied log position is
   * stored atomically with the data). A tenant's write (`scope.tenant`) is applied confined to the tenant, as
   * `update()` applies it through a tenant's view: deterministic, since every replica is in the same state here.
   * @throws AppError for operations that fail staging (nothing changes), AppError(FORBIDDEN) for a tenant's write
   *   that would leave the tenant in this state; the caller records them as applied.
   */
  applyReplicated(ops: readonly PointOperation[], scope: ReplicaScope): Promise<number> {
    return this.serial(async () => {
      // Shard keys were checked where the write was received: this node's metadata may not have the key yet (or
      // may have deleted it already), and every replica must apply the log alike whatever its metadata says.
      const overlay = new StagedOverlay();
      const reach = { owns: scope.owns, tenant: scope.tenant };
      for (const op of ops) this.stage(op, overlay, reach);
      this.checkTenant(overlay, reach);
      const opId = this.opSeq + 1;
      await this.persist(overlay, new Map(), opId, scope.inCommit);
      this.opSeq = opId;
      this.apply(overlay, new Map());
      return opId;
    });
  }

  /**
   * The points `owns` accepts, as upserts (one per shard key), read after every earlier update: a shard replica's
   * state for a catch-up snapshot (`cluster/shard-replica.ts`).
   */
  replicaPoints(owns: (id: PointId) => boolean): Promise<PointOperation[]> {
    return this.serial(() => {
      const points: Array<PointInput & { shardKey: ShardKey | undefined }> = [];
      for (const offset of this.seg.scan({})) {
        const id = pointIdFromKey(this.seg.keyAt(offset)!);
        if (!owns(id)) continue;
        const p = this.seg.read(offset);
        points.push({ id, vectors: new Map(p.vectors), payload: p.payload, shardKey: p.shardKey });
      }
      return Promise.resolve(upsertsByShardKey(points));
    });
  }

  /**
   * Replaces every point `scope.owns` accepts by the result of `ops` (a {@link replicaPoints} snapshot) in one
   * transaction, with `scope.inCommit` inside it: a replica restored from a snapshot is the old state or the new,
   * never a mix, and its applied log position moves with the data.
   */
  replaceReplica(ops: readonly PointOperation[], scope: ReplicaScope): Promise<void> {
    return this.serial(async () => {
      const overlay = new StagedOverlay();
      for (const offset of this.seg.scan({})) {
        const key = this.seg.keyAt(offset)!;
        if (scope.owns(pointIdFromKey(key))) overlay.set(key, null);
      }
      for (const op of ops) this.stage(op, overlay, { owns: scope.owns });
      const opId = this.opSeq + 1;
      await this.persist(overlay, new Map(), opId, scope.inCommit);
      this.opSeq = opId;
      this.apply(overlay, new Map());
    });
  }

  /** Stages `ops` on a throwaway overlay: throws what `update()` would throw, changes nothing. */
  check(ops: readonly PointOperation[]): void {
    this.checkShardKeys(ops);
    const overlay = new StagedOverlay();
    const reach = { tenant: this.tenant, before: new StagedOverlay() };
    for (const op of ops) this.stage(op, overlay, reach, true);
    this.checkTenant(overlay, reach);
  }
  // ================================================================ distributed mode (issue 19) — end

  /** Encodes the group's points (yielding to the event loop between slices), then writes them in one transaction. */
  private async persist(overlay: StagedOverlay, versions: ReadonlyMap<PointKey, number>, opId: number, inCommit?: () => void): Promise<void> {
    const writes: Array<[PointId, EncodedPoint | null]> = [];
    for (const [key, staged] of overlay) {
      if (writes.length % ENCODE_SLICE === ENCODE_SLICE - 1) await new Promise((resolve) => setImmediate(resolve));
      writes.push([pointIdFromKey(key), staged === null ? null : encodePoint(staged.offset, staged.vectors, staged.payload, versions.get(key) ?? opId, staged.shardKey)]);
    }
    await this.store.commit(() => {
      inCommit?.();
      for (const [id, encoded] of writes) {
        if (encoded === null) this.points.remove(id);
        else this.points.put(id, encoded);
      }
      this.store.meta.put(this.metaKey, { opSeq: opId });
    });
  }

  private apply(overlay: StagedOverlay, versions: ReadonlyMap<PointKey, number>): void {
    for (const [key, staged] of overlay) {
      if (staged === null) this.seg.remove(key);
      else this.seg.put(key, staged, versions.get(key) ?? this.opSeq);
    }
    this.seg.scheduleIndexing();
  }

  /** Shard keys a write names must exist; a custom-sharded collection with keys needs one on every upsert. */
  private checkShardKeys(ops: readonly PointOperation[]): void {
    for (const k of shardKeysOf(ops)) if (!this.descriptor.shardKeys.includes(k)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(k)]);
    if (isCustomSharding(this.descriptor.config) && this.descriptor.shardKeys.length > 0) {
      for (const op of ops) if (op.type === 'upsert' && op.shardKey === undefined) throw badInput('Shard key is required for upsert into a collection with custom sharding');
    }
  }

  private readStaged(key: PointKey, overlay: StagedOverlay): StoredPoint | null {
    if (overlay.has(key)) return overlay.get(key) ?? null;
    const offset = this.seg.offsetOfKey(key);
    return offset === undefined ? null : this.seg.read(offset);
  }

  /**
   * True when a write confined to `reach.tenant` may see point `key`: it was absent or inside the tenant before the
   * write (what the write itself stages is checked once it is staged whole, by {@link checkTenant}).
   */
  private visibleBefore(key: PointKey, reach: Reach): boolean {
    if (reach.tenant === undefined) return true;
    const before = this.readStaged(key, reach.before ?? new StagedOverlay());
    return before === null || matches(reach.tenant, stagedView(key, before), this.seg.fieldIndexes);
  }

  /**
   * True when the write staging into `overlay` may see point `key`: it was absent or inside the tenant before, or
   * the write itself staged it (an upsert that takes over a point outside is refused by {@link checkTenant} once
   * the write is staged whole, so its other errors come first, as they would on the tenant's points alone).
   */
  private visibleTo(key: PointKey, overlay: StagedOverlay, reach: Reach): boolean {
    return overlay.stagedHere(key) || this.visibleBefore(key, reach);
  }

  /** The staged point, or null when absent or outside the tenant `reach` confines a write to. */
  private readVisible(key: PointKey, overlay: StagedOverlay, reach: Reach): StoredPoint | null {
    const p = this.readStaged(key, overlay);
    return p !== null && this.visibleTo(key, overlay, reach) ? p : null;
  }

  /**
   * A confined write (`reach.tenant`) may only have touched points that were inside the tenant (or absent) in the
   * state it staged over (`before`) and must leave every point it writes inside.
   * @throws AppError(FORBIDDEN), nothing written
   */
  private checkTenant(staged: StagedOverlay, reach: Reach): void {
    const tenant = reach.tenant;
    if (tenant === undefined) return;
    for (const [key, after] of staged.ownEntries()) {
      if (!this.visibleBefore(key, reach) || (after !== null && !matches(tenant, stagedView(key, after), this.seg.fieldIndexes))) throw outsideTenant();
    }
  }

  /** Keys selected by `selector` in the staged state (the segment overlaid by earlier operations of the batch). */
  private selectKeys(selector: PointSelector, overlay: StagedOverlay, reach: Reach): PointKey[] {
    if (selector.kind === 'ids') {
      return selector.ids.map(pointKey).filter((k) => this.readVisible(k, overlay, reach) !== null);
    }
    const filter = andFilters(selector.filter, reach.tenant)!;
    const out: PointKey[] = [];
    for (const offset of this.seg.scan({ filter })) {
      const key = this.seg.keyAt(offset)!;
      if (!overlay.has(key)) out.push(key);
    }
    // A staged point is selected as it stands now, if this write may see it at all.
    for (const [key, staged] of overlay) {
      if (staged !== null && matches(selector.filter, stagedView(key, staged), this.seg.fieldIndexes) && this.visibleTo(key, overlay, reach)) out.push(key);
    }
    const owns = reach.owns;
    return owns === undefined ? out : out.filter((key) => owns(pointIdFromKey(key)));
  }

  private stage(op: PointOperation, overlay: StagedOverlay, reach: Reach, dryRun = false): void {
    switch (op.type) {
      case 'upsert': {
        for (const p of op.points) {
          const key = pointKey(p.id);
          // A point outside the tenant is there for insert_only (skipped) and absent for update_only (skipped too);
          // any other upsert onto it, whatever its update_filter, takes it over and is refused by checkTenant.
          const existing = this.readStaged(key, overlay);
          const foreign = existing !== null && !this.visibleTo(key, overlay, reach);
          if (existing !== null && op.mode === 'insert_only') continue;
          if ((existing === null || foreign) && op.mode === 'update_only') continue;
          if (existing !== null && !foreign && op.updateFilter !== undefined && !matches(op.updateFilter, stagedView(key, existing), this.seg.fieldIndexes)) continue;
          overlay.set(key, {
            offset: existing?.offset ?? (dryRun ? -1 : this.reserveOffset(overlay, key)),
            vectors: new Map(p.vectors),
            payload: p.payload,
            shardKey: op.shardKey,
          });
        }
        return;
      }
      case 'delete':
        for (const key of this.selectKeys(op.selector, overlay, reach)) overlay.set(key, null);
        return;
      case 'update_vectors': {
        for (const p of op.points) {
          const key = pointKey(p.id);
          const existing = this.readVisible(key, overlay, reach);
          if (existing === null) throw new AppError('POINT_NOT_FOUND', [String(p.id)]);
          if (op.updateFilter !== undefined && !matches(op.updateFilter, stagedView(key, existing), this.seg.fieldIndexes)) continue;
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
        for (const key of this.selectKeys(op.selector, overlay, reach)) {
          const existing = this.readStaged(key, overlay)!;
          const vectors = new Map(existing.vectors);
          for (const n of op.names) vectors.delete(n);
          overlay.set(key, { ...existing, vectors });
        }
        return;
      }
      case 'set_payload':
        this.stagePayload(op.selector, overlay, (p) => setPayload(p, op.payload, op.key), reach);
        return;
      case 'overwrite_payload':
        this.stagePayload(op.selector, overlay, () => overwritePayload(op.payload), reach);
        return;
      case 'delete_payload':
        this.stagePayload(op.selector, overlay, (p) => deletePayloadKeys(p, op.keys), reach);
        return;
      case 'clear_payload':
        this.stagePayload(op.selector, overlay, () => null, reach);
        return;
    }
  }

  private stagePayload(selector: PointSelector, overlay: StagedOverlay, f: (p: Payload | null) => Payload | null, reach: Reach): void {
    if (selector.kind === 'ids') {
      for (const id of selector.ids) {
        if (this.readVisible(pointKey(id), overlay, reach) === null) throw new AppError('POINT_NOT_FOUND', [String(id)]);
      }
    }
    for (const key of this.selectKeys(selector, overlay, reach)) {
      const existing = this.readStaged(key, overlay)!;
      overlay.set(key, { ...existing, payload: f(existing.payload) });
    }
  }

  private reserveOffset(overlay: StagedOverlay, key: PointKey): number {
    const prior = overlay.get(key);
    if (prior) return prior.offset;
    // Deleted earlier in this batch or group and upserted again: the delete never reaches the segment, so the point
    // is replaced where it is (a fresh offset would leave the old one live under the same key).
    return this.seg.offsetOfKey(key) ?? this.seg.reserveOffset();
  }

  // ---------------------------------------------------------------- reads

  /** Point ids in storage order (integers ascending, then UUIDs), starting at `from`. */
  *idsInOrder(from?: PointId): IterableIterator<PointId> {
    for (const key of this.points.keys(from)) yield key as PointId;
  }
}

/** Distributed mode: which points a replicated log's filter operations may select, and what to store with its data. */
export interface ReplicaScope {
  readonly owns: (id: PointId) => boolean;
  readonly inCommit: () => void;
  /** The tenant filter the write was made under (a tenant token's), applied as on a tenant's view. */
  readonly tenant?: Filter | undefined;
}

/** What distributed mode replaces `update()` with (`replicateWith`). */
export type Replicator = (ops: readonly PointOperation[], wait: boolean, tenant: Filter | undefined) => Promise<UpdateResult>;

function stagedView(key: PointKey, p: StoredPoint): { id: PointId; payload: Payload | undefined; hasVector(name: string): boolean } {
  return { id: pointIdFromKey(key), payload: p.payload ?? undefined, hasVector: (name: string) => p.vectors.has(name) };
}
