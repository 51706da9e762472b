/**
 * The table of contents: every collection and alias of this node, loaded from the store at start and
 * changed durably. Methods that act on one collection take the name resolved by `authorize()` (the
 * pass), never a raw path segment, so aliases are resolved once, where access is decided.
 */
import { randomUUID } from 'node:crypto';
import { AppError, badInput } from '../errors.js';
import type { Store } from '../storage/kv/store.js';
import { Collection, type CollectionLog } from '../collection/collection.js';
import type { CollectionDescriptor } from '../collection/descriptor.js';
import type { CollectionConfig, CollectionDefaults } from '../collection/config.js';
import type { ConfigOperation } from '../collection/config-change.js';
import type { DescriptorOperation } from '../collection/operation.js';
import type { PointId } from '../storage/point-id.js';
import type { ShardKey } from '../collection/types.js';
import { activeStrictMode, checkCreateIndexStrict } from '../collection/strict-mode.js';
import type { CollectionPass, GlobalPass } from '../auth/authorize.js';
// snapshots (issue 7)
import type { KvKey } from '../storage/kv/store.js';
import type { EncodedPoint } from '../collection/point-codec.js';
import type { CollectionSnapshotSource, PeerShards, PointBatchWriter, ReplacementDescriptor } from './snapshots/toc-contract.js';
import { join } from 'node:path';
import { removePath } from '../storage/fs.js';
import type { MetadataCoordinator } from './metadata-coordinator.js';
import type { PointOperation } from '../collection/operation.js';
import { RateLimits } from './rate-limits.js';
import { admitRead, admitWrite, type ReadRequest, type WriteRequest } from './strict-admission.js';

const COLLECTION_PREFIX = 'collection:';
const ALIASES_KEY = 'aliases';
/** Snapshots (issue 7): marks a points table that no descriptor references. */
const SNAPSHOT_PENDING_PREFIX = 'snapshot-pending:';

/** Qdrant's collection name rule: 1..255 characters, none of `<>:"/\|?*` or NUL. */
export function validateCollectionName(name: string, what = 'collection name'): void {
  if (name.length === 0 || name.length > 255) throw badInput(`Validation error in path parameters: ${what} must be 1 to 255 characters long`);
  // `.` and `..` would name the snapshots directory itself or its parent.
  if (name === '.' || name === '..') throw badInput(`Validation error in path parameters: ${what} \`${name}\` is reserved`);
  if (/[<>:"/\\|?*\0]/.test(name)) throw badInput(`Validation error in path parameters: ${what} \`${name}\` contains a forbidden character (< > : " / \\ | ? * or NUL)`);
}

export type AliasAction =
  | { readonly create_alias: { collection_name: string; alias_name: string } }
  | { readonly delete_alias: { alias_name: string } }
  | { readonly rename_alias: { old_alias_name: string; new_alias_name: string } };

/** The collection's messages, prefixed with its name. */
function collectionLog(log: CollectionLog, name: string): CollectionLog {
  return { warn: (m) => log.warn(`collection ${name}: ${m}`), info: (m) => log.info?.(`collection ${name}: ${m}`) };
}

export class TableOfContent {
  private readonly collections = new Map<string, Collection>();
  private aliases = new Map<string, string>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Strict mode's per-collection read/write token buckets. */
  private readonly rates: RateLimits;

  private constructor(
    private readonly store: Store,
    private readonly defaults: CollectionDefaults,
    private readonly log: CollectionLog,
    now: (() => number) | undefined,
  ) {
    this.rates = new RateLimits(now);
  }

  /** Loads a collection from the store, charging its strict-mode rates to this node's buckets. */
  private open(descriptor: CollectionDescriptor, name: string): Collection {
    const c = Collection.load(this.store, descriptor, collectionLog(this.log, name));
    c.rateGate = this.rates;
    return c;
  }

  /** The node's defaults for new collections (`storage.*` of the config file). */
  get collectionDefaults(): CollectionDefaults {
    return this.defaults;
  }

  /** Loads every collection and alias from `store`. `now` (milliseconds) is the rate limiters' clock; tests step it. */
  static load(store: Store, defaults: CollectionDefaults, log: CollectionLog = { warn: () => undefined }, now?: () => number): TableOfContent {
    const toc = new TableOfContent(store, defaults, log, now);
    for (const { key, value } of store.meta.entries(COLLECTION_PREFIX)) {
      if (typeof key !== 'string' || !key.startsWith(COLLECTION_PREFIX)) break;
      const name = key.slice(COLLECTION_PREFIX.length);
      toc.collections.set(name, toc.open(value as CollectionDescriptor, name));
    }
    const aliases = store.meta.get(ALIASES_KEY) as Record<string, string> | undefined;
    toc.aliases = new Map(Object.entries(aliases ?? {}));
    return toc;
  }

  /** Serialises structural changes (create / delete / aliases) with each other. */
  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  /** Lets updates finish, stops index builds at the end of their current slice and saves index images (shutdown). */
  async close(): Promise<void> {
    await this.queue;
    for (const c of this.collections.values()) await c.close();
  }

  // ---------------------------------------------------------------- lookups

  /** The collection name `name` designates: itself, or the collection an alias points to. */
  resolve(name: string): string {
    return this.collections.has(name) ? name : (this.aliases.get(name) ?? name);
  }

  exists(name: string): boolean {
    return this.collections.has(this.resolve(name));
  }

  /**
   * The collection a pass was minted for; for a tenant token, the collection confined to the tenant's points
   * (`Collection.confine`), so that every read and write of the request stays inside them.
   * @throws AppError(COLLECTION_NOT_FOUND), naming the collection as the client named it.
   */
  get(pass: CollectionPass): Collection {
    const c = this.collections.get(pass.collection);
    if (c === undefined) throw new AppError('COLLECTION_NOT_FOUND', [pass.requested]);
    return pass.tenant === undefined ? c : c.confine(pass.tenant);
  }

  /**
   * The collection of a point read (retrieve, scroll, count, facet, search, query, matrix), admitted by strict
   * mode: the request's `timeout` and batch size checked. The engine's read entry points then check the request's
   * content and charge the collection's read rate (its `rateGate`, set when the collection is loaded here).
   * @throws AppError(BAD_REQUEST) for a strict-mode refusal, RateLimitedError when the read rate is exhausted.
   */
  forRead(pass: CollectionPass, request: ReadRequest = {}): Collection {
    const c = this.get(pass);
    // Distributed mode: a node holding only some shards answers a read only for a caller that reads the others
    // from their holders (`service/fanned-reads.ts`), never silently from part of the collection.
    if (this.coordinator !== undefined && !this.shardReads.has(pass) && !this.coordinator.holdsAllShards(pass.collection)) {
      throw new AppError('UNAVAILABLE', [`this node holds only some shards of collection ${pass.requested}, and this read does not fan out to the nodes holding the others: send it to a node holding every shard`]);
    }
    admitRead(c, request);
    return c;
  }

  /**
   * Marks a read pass whose caller combines this node's shards with those other nodes hold (distributed mode with
   * a shard placement): `forRead` then answers from the shards held here.
   */
  readHeldShards(pass: CollectionPass): void {
    this.shardReads.add(pass);
  }

  private readonly shardReads = new WeakSet<CollectionPass>();

  /**
   * The collection of a point write and the operations `build` makes on it, admitted by strict mode (timeout, batch
   * size, collection size limits, vector sizes, filters) and charged to the collection's write rate; the caller
   * applies them (`Collection.update`). Every transport's point writes come through here.
   */
  async forWrite(
    pass: CollectionPass,
    request: WriteRequest,
    build: (c: Collection) => readonly PointOperation[] | Promise<readonly PointOperation[]>,
  ): Promise<{ c: Collection; ops: readonly PointOperation[] }> {
    const c = this.get(pass);
    const ops = await build(c);
    admitWrite(this.rates, c, ops, request);
    return { c, ops };
  }

  /**
   * A collection by name WITHOUT an access check: only for the server's own reads (metrics, JWT
   * `value_exists` validation), never with a name from a request that was not authorized.
   */
  uncheckedCollection(name: string, _reason: string): Collection | undefined {
    return this.collections.get(this.resolve(name));
  }

  collectionNames(): string[] {
    return [...this.collections.keys()].sort();
  }

  allAliases(): Array<{ alias_name: string; collection_name: string }> {
    return [...this.aliases.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([alias_name, collection_name]) => ({ alias_name, collection_name }));
  }

  aliasesOf(collection: string): Array<{ alias_name: string; collection_name: string }> {
    return this.allAliases().filter((a) => a.collection_name === collection);
  }

  // ---------------------------------------------------------------- collections

  /**
   * Creates a collection (`PUT /collections/{name}`).
   * @throws AppError(COLLECTION_EXISTS) when the name is taken by a collection or an alias.
   */
  create(_pass: GlobalPass, name: string, config: CollectionConfig): Promise<boolean> {
    validateCollectionName(name);
    if (this.coordinator !== undefined) {
      if (this.aliases.has(name)) throw badInput(`Wrong input: Alias with name \`${name}\` already exists`);
      return this.coordinator.createCollection(name, config);
    }
    return this.serial(async () => {
      if (this.collections.has(name)) throw new AppError('COLLECTION_EXISTS', [name]);
      if (this.aliases.has(name)) throw badInput(`Wrong input: Alias with name \`${name}\` already exists`);
      const descriptor: CollectionDescriptor = { uuid: randomUUID(), config, payloadIndexes: [], shardKeys: [], createdAt: new Date().toISOString() };
      await this.store.commit(() => this.store.meta.put(COLLECTION_PREFIX + name, descriptor));
      this.collections.set(name, this.open(descriptor, name));
      return true;
    });
  }

  private readonly deleteHooks: Array<(name: string) => void> = [];

  /** Runs `hook(name)` when a collection is deleted, before its metadata goes (the snapshot service's cleanup). */
  onDelete(hook: (name: string) => void): void {
    this.deleteHooks.push(hook);
  }

  /** Deletes a collection and the aliases pointing to it; false when it does not exist. */
  delete(_pass: GlobalPass, requested: string): Promise<boolean> {
    const name = this.resolve(requested);
    if (this.coordinator !== undefined) return this.coordinator.deleteCollection(name);
    return this.serial(async () => {
      const c = this.collections.get(name);
      if (c === undefined) return false;
      // First, so that a crash in between leaves a collection without snapshots, never snapshots without owner.
      for (const hook of this.deleteHooks) hook(name);
      const aliases = new Map([...this.aliases].filter(([, target]) => target !== name));
      await this.store.commit(() => {
        this.store.meta.remove(COLLECTION_PREFIX + name);
        this.store.meta.remove(`collection-state:${c.uuid}`);
        this.store.meta.put(ALIASES_KEY, Object.fromEntries(aliases));
      });
      this.collections.delete(name);
      this.aliases = aliases;
      this.rates.forget(c.uuid);
      await c.discard();
      await this.store.dropTable(Collection.pointsTable(c.uuid));
      return true;
    });
  }

  /**
   * Applies a descriptor change (data: validated, persisted, applied by the collection's update pipeline); in
   * distributed mode the change goes to the cluster's metadata and comes back through `replicaCollection`.
   */
  private changeDescriptor(pass: CollectionPass, op: DescriptorOperation): Promise<void> {
    const c = this.get(pass);
    if (this.coordinator === undefined) return c.configure(op, (d) => this.store.meta.put(COLLECTION_PREFIX + pass.collection, d));
    if (op.type === 'create_field_index') c.fieldIndexes.validateSchema(op.field, op.schema);
    return this.coordinator.changeDescriptor(pass.collection, op);
  }

  /** Changes a collection's configuration (`PATCH /collections/{name}`, adding or removing a vector name). */
  changeConfig(pass: CollectionPass, op: ConfigOperation): Promise<void> {
    return this.changeDescriptor(pass, op);
  }

  deleteVectorName(pass: CollectionPass, vectorName: string): Promise<void> {
    return this.changeDescriptor(pass, { type: 'delete_vector_name', name: vectorName });
  }

  /** Creates or replaces the payload index on `field` (`schema`: Qdrant's `PayloadFieldSchema`, checked by the collection). */
  createPayloadIndex(pass: CollectionPass, field: string, schema: unknown): Promise<void> {
    const c = this.get(pass);
    checkCreateIndexStrict(activeStrictMode(c.config), c.fieldIndexes.size);
    return this.changeDescriptor(pass, { type: 'create_field_index', field, schema });
  }

  deletePayloadIndex(pass: CollectionPass, field: string): Promise<void> {
    return this.changeDescriptor(pass, { type: 'delete_field_index', field });
  }

  // ---------------------------------------------------------------- shard keys

  /** Creates a shard key owning `shardsNumber` shards (default: the collection's `shard_number`). */
  createShardKey(pass: CollectionPass, key: ShardKey, shardsNumber?: number): Promise<void> {
    return this.changeDescriptor(pass, { type: 'create_shard_key', key, shardsNumber });
  }

  async deleteShardKey(pass: CollectionPass, key: ShardKey): Promise<void> {
    const c = this.get(pass);
    if (!c.info.shardKeys.includes(key)) throw new AppError('SHARD_KEY_NOT_FOUND', [String(key)]);
    // In distributed mode the key's points are those of the replica once it applied everything stored; their
    // deletion goes through the shard logs like any write.
    await this.coordinator?.readBarrier(pass.collection);
    // Points of the shard go with it, as in Qdrant, where the shard's data is dropped.
    const ids: PointId[] = [];
    for (const o of c.segment.scan({ shardKeys: [key] })) ids.push(c.segment.idAt(o)!);
    if (ids.length > 0) await c.update([{ type: 'delete', selector: { kind: 'ids', ids } }], true);
    await this.changeDescriptor(pass, { type: 'delete_shard_key', key });
  }

  // ---------------------------------------------------------------- aliases

  /** Applies alias actions atomically: all of them or none. */
  updateAliases(_pass: GlobalPass, actions: readonly AliasAction[]): Promise<void> {
    if (this.coordinator !== undefined) return this.coordinator.changeAliases((current) => this.nextAliases(current, actions));
    return this.serial(async () => {
      const next = this.nextAliases(this.aliases, actions);
      await this.store.commit(() => this.store.meta.put(ALIASES_KEY, Object.fromEntries(next)));
      this.aliases = next;
    });
  }

  /** The alias map after `actions`, or an error for the first action that cannot apply. */
  private nextAliases(current: ReadonlyMap<string, string>, actions: readonly AliasAction[]): Map<string, string> {
    const next = new Map(current);
    for (const a of actions) {
      if ('create_alias' in a) {
        const { collection_name, alias_name } = a.create_alias;
        validateCollectionName(alias_name, 'alias name');
        if (!this.collections.has(collection_name)) throw new AppError('COLLECTION_NOT_FOUND', [collection_name]);
        if (this.collections.has(alias_name)) throw new AppError('ALIAS_IS_COLLECTION', [alias_name]);
        next.set(alias_name, collection_name);
      } else if ('delete_alias' in a) {
        if (!next.delete(a.delete_alias.alias_name)) throw new AppError('ALIAS_NOT_FOUND', [a.delete_alias.alias_name]);
      } else {
        const { old_alias_name, new_alias_name } = a.rename_alias;
        const target = next.get(old_alias_name);
        if (target === undefined) throw new AppError('ALIAS_NOT_FOUND', [old_alias_name]);
        validateCollectionName(new_alias_name, 'alias name');
        if (this.collections.has(new_alias_name)) throw new AppError('ALIAS_IS_COLLECTION', [new_alias_name]);
        next.delete(old_alias_name);
        next.set(new_alias_name, target);
      }
    }
    return next;
  }

  // ================================================================ distributed mode (issue 19) — begin
  // `src/cluster/` attaches a coordinator: the public structural methods above hand their change to it, and it
  // converges this node onto the cluster's metadata through the `replica*` methods below (no pass: the change
  // was authorized on the node that made it, and every node applies the same metadata).
  private coordinator: MetadataCoordinator | undefined;

  attachCoordinator(coordinator: MetadataCoordinator): void {
    this.coordinator = coordinator;
  }

  /**
   * Makes this node's collection `name` match `descriptor`: created, replaced (another uuid) or changed.
   * `prepare` runs on a newly loaded collection before any request can reach it (it attaches the replicator).
   */
  replicaCollection(name: string, descriptor: CollectionDescriptor, prepare: (c: Collection) => void): Promise<Collection> {
    return this.serial(async () => {
      const existing = this.collections.get(name);
      if (existing !== undefined && existing.uuid !== descriptor.uuid) await this.dropLocal(name, existing);
      const current = this.collections.get(name);
      if (current === undefined) {
        await this.store.commit(() => this.store.meta.put(COLLECTION_PREFIX + name, descriptor));
        const loaded = this.open(descriptor, name);
        prepare(loaded);
        this.collections.set(name, loaded);
        return loaded;
      }
      if (JSON.stringify(current.info) !== JSON.stringify(descriptor)) {
        await current.adoptDescriptor(descriptor, (d) => this.store.meta.put(COLLECTION_PREFIX + name, d));
      }
      return current;
    });
  }

  /** Removes this node's copy of collection `name` (deleted in the cluster). */
  replicaDeletion(name: string): Promise<void> {
    return this.serial(async () => {
      const c = this.collections.get(name);
      if (c !== undefined) await this.dropLocal(name, c);
    });
  }

  /** Replaces the alias map by the cluster's. */
  replicaAliases(aliases: ReadonlyMap<string, string>): Promise<void> {
    return this.serial(async () => {
      await this.store.commit(() => this.store.meta.put(ALIASES_KEY, Object.fromEntries(aliases)));
      this.aliases = new Map(aliases);
    });
  }

  private async dropLocal(name: string, c: Collection): Promise<void> {
    for (const hook of this.deleteHooks) hook(name);
    await this.store.commit(() => {
      this.store.meta.remove(COLLECTION_PREFIX + name);
      this.store.meta.remove(`collection-state:${c.uuid}`);
    });
    this.collections.delete(name);
    this.rates.forget(c.uuid);
    await c.discard();
    await this.store.dropTable(Collection.pointsTable(c.uuid));
  }
  // ================================================================ distributed mode (issue 19) — end

  // ================================================================ snapshots (issue 7) — begin
  // Used by src/service/snapshots. A consistent read of one collection, and the atomic replacement of a collection
  // by a recovered one. Meta key `snapshot-pending:<uuid>` marks a points table no descriptor references (yet, or
  // any more): one being filled by a recovery, or one replaced by it. `dropSnapshotLeftovers()` (startup) drops them.

  /** Uuids of points tables being filled by a recovery right now (never dropped as leftovers). */
  private readonly snapshotBuilds = new Set<string>();

  /**
   * A consistent read of one collection for a snapshot: descriptor, operation counter and stored points, all from
   * the LMDB read snapshot this synchronous call opens. Writes that commit while the caller iterates (at any pace)
   * are neither seen nor blocked. In distributed mode a node holding only some shards of the collection answers
   * only with `peers` (the other shards, read from their holders: see {@link completeSnapshotSource}).
   * @throws AppError(COLLECTION_NOT_FOUND); AppError(UNAVAILABLE) on a node holding only some shards, without `peers`
   */
  snapshotSource(pass: CollectionPass, peers?: PeerShards): CollectionSnapshotSource {
    const c = this.get(pass);
    if (this.coordinator !== undefined && peers === undefined && !this.coordinator.holdsAllShards(pass.collection)) {
      throw new AppError('UNAVAILABLE', [`this node holds only some shards of collection ${pass.requested}: a shard snapshot (or a shard recovery, which keeps the other shards) must go through a node holding every shard`]);
    }
    const stored = this.store.meta.get(COLLECTION_PREFIX + pass.collection) as CollectionDescriptor | undefined;
    const descriptor = stored !== undefined && stored.uuid === c.uuid ? stored : c.info;
    const state = this.store.meta.get(`collection-state:${descriptor.uuid}`) as { opSeq?: number } | undefined;
    const points = this.openPoints(descriptor.uuid, peers === undefined ? undefined : (key) => peers.holdsPoint(key as PointId));
    return { name: pass.collection, descriptor, opSeq: state?.opSeq ?? 0, points, ...(peers === undefined ? {} : { peers }) };
  }

  /**
   * A snapshot of the whole collection (collection and full snapshots). In distributed mode it is taken once this
   * node's replicas applied everything the cluster stored for the collection, and the shards this node does not
   * hold are read from their holders (each after the same wait, from one read snapshot of its own).
   * @throws AppError(COLLECTION_NOT_FOUND); AppError(UNAVAILABLE) when a replica does not catch up in time or a
   *   shard has no live holder
   */
  async completeSnapshotSource(pass: CollectionPass): Promise<CollectionSnapshotSource> {
    if (this.coordinator === undefined) return this.snapshotSource(pass);
    this.get(pass);
    await this.coordinator.readBarrier(pass.collection);
    return this.snapshotSource(pass, this.coordinator.peerShards(pass.collection));
  }

  /**
   * The stored points of the collection with cluster uuid `uuid`, from the LMDB read snapshot this call opens; for
   * a peer taking a snapshot (distributed mode). No pass: the request came over the cluster's NATS from the node
   * that authorized and audited it. The caller closes the iterator (`return()`) when it stops early.
   */
  replicaSnapshotPoints(uuid: string): Iterator<{ key: KvKey; value: EncodedPoint }> {
    return this.openPoints(uuid);
  }

  /**
   * The points of table `uuid` (those `keep` accepts) in key order, from a read snapshot opened now; closing the
   * iterator early releases it.
   */
  private openPoints(uuid: string, keep?: (key: KvKey) => boolean): Iterator<{ key: KvKey; value: EncodedPoint }> {
    const it = this.store.table<EncodedPoint>(Collection.pointsTable(uuid)).entries()[Symbol.iterator]();
    // The first step opens the range's read snapshot now, in the same turn as the caller's other reads.
    const first = it.next();
    function* points(): Generator<{ key: KvKey; value: EncodedPoint }> {
      try {
        for (let n = first; n.done !== true; n = it.next()) if (keep === undefined || keep(n.value.key)) yield n.value;
      } finally {
        it.return?.();
      }
    }
    const gen = points();
    // A generator closed before its first step would not run its `finally`: the range is released here then.
    return {
      next: () => gen.next(),
      return: () => {
        it.return?.();
        return gen.return(undefined);
      },
    };
  }

  /**
   * Replaces collection `requested` (an alias is resolved; a missing collection is created) by one built from a
   * snapshot, atomically:
   * 1. `fill` writes the points into a fresh table under a new uuid, marked pending (a crash leaves nothing
   *    visible; startup drops it); the new collection is loaded (and validated) from it;
   * 2. one commit points `collection:<name>` at the new descriptor, run inside the old collection's update queue so
   *    that no write interleaves with the swap; then the in-memory collection is swapped;
   * 3. the old table is dropped once the writes already queued on it are done.
   * Readers see the old collection or the new one, never a mix. Any failure before the swap leaves the old
   * collection untouched and drops the new table.
   * @throws AppError(BAD_INPUT) for an invalid name or descriptor; whatever `fill` throws; storage errors.
   */
  async replaceCollection(_pass: GlobalPass, requested: string, next: ReplacementDescriptor, fill: (write: PointBatchWriter) => Promise<void>): Promise<void> {
    validateCollectionName(requested);
    // Distributed mode: the recovered points go to every node through the object store (`src/cluster/`).
    if (this.coordinator !== undefined) return this.coordinator.replaceCollection(this.resolve(requested), next, fill);
    const uuid = randomUUID();
    const pendingKey = SNAPSHOT_PENDING_PREFIX + uuid;
    const descriptor: CollectionDescriptor = {
      uuid,
      config: next.config,
      payloadIndexes: next.payloadIndexes,
      shardKeys: next.shardKeys,
      ...(next.shardIds === undefined ? {} : { shardIds: next.shardIds }),
      createdAt: next.createdAt,
    };
    this.snapshotBuilds.add(uuid);
    try {
      let loaded: Collection;
      try {
        await this.store.commit(() => this.store.meta.put(pendingKey, { collection: requested, since: new Date().toISOString() }));
        const table = this.store.table<EncodedPoint>(Collection.pointsTable(uuid));
        await fill((batch) =>
          this.store.commit(() => {
            for (const [id, p] of batch) table.put(id, p);
          }),
        );
        await this.store.commit(() => this.store.meta.put(`collection-state:${uuid}`, { opSeq: next.opSeq }));
        loaded = this.open(descriptor, requested);
      } catch (e) {
        await this.dropSnapshotTable(uuid).catch(() => undefined);
        throw e;
      }
      await this.serial(async () => {
        const name = this.resolve(requested);
        const old = this.collections.get(name);
        const swap = (): void => {
          this.store.meta.put(COLLECTION_PREFIX + name, descriptor);
          this.store.meta.remove(pendingKey);
          if (old !== undefined) this.store.meta.put(SNAPSHOT_PENDING_PREFIX + old.uuid, { collection: name, since: new Date().toISOString(), replaced: true });
        };
        try {
          if (old === undefined) await this.store.commit(swap);
          else await old.commitAfterUpdates(swap);
        } catch (e) {
          await loaded.discard().catch(() => undefined);
          await this.dropSnapshotTable(uuid).catch(() => undefined);
          throw e;
        }
        this.collections.set(name, loaded);
        if (old !== undefined) {
          // Writes queued on the old collection before the swap finish first (discard waits for them), its index
          // build stops at the end of the current slice; then it goes.
          this.rates.forget(old.uuid);
          await old.discard().catch(() => undefined);
          await this.dropSnapshotTable(old.uuid).catch(() => undefined);
        }
      });
    } finally {
      this.snapshotBuilds.delete(uuid);
    }
  }

  /**
   * Drops the points tables left by recoveries a crash interrupted (and tables a recovery replaced but had not
   * dropped yet). Call once at startup, after `load`.
   * @returns how many tables were dropped.
   */
  async dropSnapshotLeftovers(): Promise<number> {
    const live = new Set([...this.collections.values()].map((c) => c.uuid));
    const pending: string[] = [];
    for (const key of this.store.meta.keys(SNAPSHOT_PENDING_PREFIX)) {
      if (typeof key !== 'string' || !key.startsWith(SNAPSHOT_PENDING_PREFIX)) break;
      pending.push(key.slice(SNAPSHOT_PENDING_PREFIX.length));
    }
    let dropped = 0;
    for (const uuid of pending) {
      if (this.snapshotBuilds.has(uuid)) continue;
      if (live.has(uuid)) {
        await this.store.commit(() => this.store.meta.remove(SNAPSHOT_PENDING_PREFIX + uuid));
        continue;
      }
      await this.dropSnapshotTable(uuid);
      dropped++;
    }
    return dropped;
  }

  /** Uuids with a pending (unreferenced) points table; for tests and diagnostics. */
  snapshotLeftovers(): string[] {
    const out: string[] = [];
    for (const key of this.store.meta.keys(SNAPSHOT_PENDING_PREFIX)) {
      if (typeof key !== 'string' || !key.startsWith(SNAPSHOT_PENDING_PREFIX)) break;
      out.push(key.slice(SNAPSHOT_PENDING_PREFIX.length));
    }
    return out;
  }

  private async dropSnapshotTable(uuid: string): Promise<void> {
    // Index images of a collection that was loaded but never (or no longer) served: see Collection's index dir.
    removePath(join(this.store.path, 'indexes', uuid));
    await this.store.dropTable(Collection.pointsTable(uuid));
    await this.store.commit(() => {
      this.store.meta.remove(SNAPSHOT_PENDING_PREFIX + uuid);
      this.store.meta.remove(`collection-state:${uuid}`);
    });
  }
  // ================================================================ snapshots (issue 7) — end
}
