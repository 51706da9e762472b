/**
 * This node's membership in a distributed deployment (`cluster.enabled`). It
 * - keeps the table of contents converged on the metadata bucket (`metadata.ts`): collections, descriptors,
 *   aliases; structural changes made here go to the bucket with compare-and-set (`MetadataCoordinator`);
 * - sends every point write to its shards' JetStream streams and answers once JetStream stored it
 *   (`acknowledged`), or, with `wait=true`, once each part is applied by this node's replica of its shard or, for a
 *   shard held elsewhere, by a holder that answered (`completed`);
 * - runs one `ShardReplica` per shard it holds (`placement.ts`: a collection created with a replication factor
 *   below the live node count has each shard on `replication_factor` nodes; otherwise every node holds every
 *   shard); a `wait=true` write of a shard held elsewhere waits for a holder's "applied" answer over NATS;
 * - answers point reads over the shards it holds for other nodes, and fans reads out to the holders of the
 *   shards it does not hold (`gather`, `peer-requests.ts`);
 * - publishes a heartbeat to the nodes bucket and reports peers, shards and lag (`ClusterView`).
 */
import { createHash, randomUUID } from 'node:crypto';
import { RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type KV, type NatsConnection, type StreamConfig, type Subscription } from 'nats';
import { AppError, isAppError, reviveAppError } from '../errors.js';
import type { Config } from '../config/schema.js';
import type { JsonObject } from '../json.js';
import type { Store } from '../storage/kv/store.js';
import type { Collection } from '../collection/collection.js';
import type { CollectionDescriptor } from '../collection/descriptor.js';
import { isCustomSharding, type CollectionConfig } from '../collection/config.js';
import type { DescriptorOperation, PointOperation } from '../collection/operation.js';
import type { Filter } from '../index/filter/types.js';
import { applyDescriptorOperation } from '../collection/descriptor.js';
import type { UpdateResult } from '../collection/types.js';
import type { TableOfContent } from '../service/table-of-content.js';
import type { MetadataCoordinator } from '../service/metadata-coordinator.js';
import type { PointBatchWriter, ReplacementDescriptor } from '../service/snapshots/toc-contract.js';
import { shardOperations } from './recovered-shards.js';
import type { ClusterView } from '../service/cluster-view.js';
import { connectNats } from './nats-connection.js';
import { clusterNames, type ClusterNames } from './names.js';
import { ClusterMetadata, type CollectionEntry, type MetadataListener } from './metadata.js';
import { ShardReplica } from './shard-replica.js';
import { encodeShardMessage } from './shard-message.js';
import { ShardSnapshots } from './shard-snapshots.js';
import { Compactor, type CompactionTarget } from './compactor.js';
import { routeOperations, shardHashOf } from './shard-router.js';
import { holdsShard, placeShards, placementLoad, type Placement } from './placement.js';
import { askPeer, PeerUnreachable, servePeer, STRUCTURED_CODEC } from './peer-requests.js';
import type { PeerRead, PeerReadScope } from '../service/cluster-view.js';
import { ensureStream, withReplicaFallback } from './replicas.js';
import { openPages, SnapshotPageServer, type ShardPointsRequest } from './snapshot-transfer.js';
import type { PeerShards } from '../service/snapshots/toc-contract.js';
import { encodePointLine } from '../service/snapshots/point-lines.js';
import type { PointId } from '../storage/point-id.js';

export interface ClusterLog {
  info(message: string): void;
  warn(message: string): void;
}

/** A collection this node replicates: its metadata entry and one replica per shard it holds. */
interface Replicated {
  readonly name: string;
  readonly collection: Collection;
  entry: CollectionEntry;
  /** Indexed by shard; undefined for a shard other nodes hold. */
  readonly replicas: Array<ShardReplica | undefined>;
}

/** The request of a `wait=true` write to a holder of a shard: answer once sequence `seq` is applied. */
interface AppliedRequest {
  readonly uuid: string;
  readonly shard: number;
  readonly seq: number;
}

/** A read sent to this node: the read, and the shards to answer for. */
interface ReadRequest {
  readonly read: PeerRead;
  readonly uuid: string;
  readonly scope: PeerReadScope;
}

/** What a node publishes in the nodes bucket every few seconds and after each metadata change. */
interface Heartbeat {
  readonly node_id: string;
  readonly peer_id: number;
  readonly at: string;
  /** The metadata revision the node applied. */
  readonly revision?: number;
  /** Per collection, the stream sequence applied for each shard (null for a shard the node does not hold). */
  readonly applied: Record<string, Array<number | null>>;
}

const NODE_ID_KEY = 'cluster-node-id';
const DUPLICATE_WINDOW_NS = 120_000_000_000;
const MEMBER_PREFIX = 'cluster-member:';
const HEARTBEAT_MS = 2_000;
const HEARTBEAT_TTL_MS = 15_000;
/** JetStream holds at most 5 replicas of a stream; KV buckets take an odd count. */
const KV_REPLICAS = [5, 3, 1];
/** Largest page of a shard sent for another node's snapshot (below NATS max_payload, 1 MiB by default). */
const SNAPSHOT_PAGE_BYTES = 512 * 1024;
/** Room left in a NATS message for the page's framing and the message's own headers. */
const SNAPSHOT_PAGE_HEADROOM = 4096;
/** Snapshot transfers a node serves at once, and how long one may wait for its next page request. */
const SNAPSHOT_TRANSFERS = 8;
const SNAPSHOT_IDLE_MS = 60_000;

/** Qdrant's peer ids are integers: a stable 48-bit number from the node id. */
export function peerIdOf(nodeId: string): number {
  return parseInt(createHash('sha256').update(nodeId).digest('hex').slice(0, 12), 16);
}

async function nodeIdOf(config: Config, store: Store): Promise<string> {
  if (config.cluster.node_id !== null) return config.cluster.node_id;
  const stored = store.meta.get(NODE_ID_KEY);
  if (typeof stored === 'string') return stored;
  const id = randomUUID();
  await store.commit(() => store.meta.put(NODE_ID_KEY, id));
  return id;
}


export class ClusterNode implements MetadataCoordinator, MetadataListener, ClusterView {
  private readonly byName = new Map<string, Replicated>();
  private heartbeat: NodeJS.Timeout | undefined;
  private compaction: NodeJS.Timeout | undefined;
  private readonly compactor: Compactor;
  /** Last heartbeat of every node seen, with the time this node received it. */
  private readonly peers = new Map<string, Heartbeat>();
  private stopPeers: (() => void) | undefined;
  private readonly peerId: number;
  private readonly served: Subscription[] = [];
  private pageServer: SnapshotPageServer | undefined;
  /** Rotates the choice among a shard's holders from one fanned-out read to the next. */
  private spread = 0;

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly metadata: ClusterMetadata,
    private readonly nodes: KV,
    private readonly snapshots: ShardSnapshots,
    /** Most stream replicas this NATS cluster holds (min(5, JetStream servers), odd). */
    private readonly capacity: number,
    private readonly names: ClusterNames,
    readonly nodeId: string,
    private readonly toc: TableOfContent,
    private readonly store: Store,
    private readonly timeoutMs: number,
    private readonly log: ClusterLog,
    private readonly compactionSettings: Config['cluster']['compaction'],
  ) {
    this.peerId = peerIdOf(nodeId);
    this.compactor = new Compactor(jsm, snapshots, compactionSettings, log);
  }

  /**
   * Connects to NATS, binds (or creates) the deployment's buckets, attaches to the table of contents and
   * converges it on the cluster's metadata before resolving: the node serves nothing stale.
   */
  static async join(config: Config, toc: TableOfContent, store: Store, log: ClusterLog): Promise<ClusterNode> {
    const settings = config.cluster;
    const nodeId = await nodeIdOf(config, store);
    const timeoutMs = settings.timeout_ms;
    const nc = await connectNats(settings.nats, nodeId, timeoutMs);
    try {
      const jsm = await nc.jetstreamManager({ timeout: timeoutMs });
      const js = nc.jetstream({ timeout: timeoutMs });
      const names = clusterNames(settings.deployment);
      let kv: KV | undefined;
      await withReplicaFallback(KV_REPLICAS, async (replicas) => {
        kv = await js.views.kv(names.metadataBucket, { history: 1, replicas });
      });
      const capacity = (await jsm.streams.info(`KV_${names.metadataBucket}`)).config.num_replicas;
      const nodes = await js.views.kv(names.nodesBucket, { history: 1, replicas: capacity, ttl: HEARTBEAT_TTL_MS });
      const snapshots = new ShardSnapshots(await js.views.os(names.snapshotsBucket, { replicas: capacity, storage: StorageType.File }));
      const metadata = new ClusterMetadata(kv!, timeoutMs);
      const node = new ClusterNode(nc, js, jsm, metadata, nodes, snapshots, capacity, names, nodeId, toc, store, timeoutMs, log, settings.compaction);
      toc.attachCoordinator(node);
      for (const name of toc.collectionNames()) node.attachWriter(toc.uncheckedCollection(name, 'cluster join')!);
      await node.watchPeers();
      node.serveApplied();
      node.serveSnapshotPages();
      await metadata.watch(node, log);
      node.startHeartbeat();
      node.startCompaction();
      log.info(`cluster: node ${nodeId} joined deployment ${settings.deployment} (${nc.getServer()}, stream replicas up to ${capacity})`);
      return node;
    } catch (e) {
      await nc.close();
      throw e;
    }
  }

  async close(): Promise<void> {
    clearInterval(this.heartbeat);
    clearInterval(this.compaction);
    this.stopPeers?.();
    for (const sub of this.served) sub.unsubscribe();
    this.pageServer?.close();
    await this.metadata.close();
    for (const r of this.byName.values()) for (const s of r.replicas) await s?.stop();
    await this.nodes.delete(`n.${this.nodeId}`).catch(() => undefined);
    await this.nc.drain().catch(() => undefined);
  }

  // ---------------------------------------------------------------- writes

  private attachWriter(c: Collection): void {
    c.replicateWith((ops, wait, tenant) => this.write(c, ops, wait, tenant));
  }

  private replicatedOf(c: Collection): Replicated {
    for (const r of this.byName.values()) if (r.collection === c) return r;
    throw new AppError('UNAVAILABLE', ['this collection is not (or no longer) part of the cluster; writes are refused on this node']);
  }

  private async write(c: Collection, ops: readonly PointOperation[], wait: boolean, tenant: Filter | undefined): Promise<UpdateResult> {
    const r = this.replicatedOf(c);
    const routed = routeOperations(ops, r.entry.shards, shardHashOf(r.entry));
    // Bad input is answered before anything is replicated (the same check runs again where it is applied). A node
    // holding only some shards checks their parts: the points of the others are not here (their holders check those
    // parts when they apply them, and a wait=true writer gets their refusal through the holder's answer).
    if (r.replicas.every((s) => s !== undefined)) c.check(ops);
    else for (const [shard, part] of routed) if (r.replicas[shard] !== undefined) c.check(part);
    // Every part is encoded and its size checked before any is published.
    const limit = this.nc.info?.max_payload ?? 1024 * 1024;
    const parts = [...routed].map(([shard, part]) => {
      // A tenant's write carries its filter: every replica applies it confined (Collection.applyReplicated).
      const data = encodeShardMessage(part, tenant);
      if (data.byteLength > limit) {
        throw new AppError('PAYLOAD_TOO_LARGE', [`this write's part for shard ${shard} is ${data.byteLength} bytes; NATS max_payload is ${limit}: split the batch`]);
      }
      return { shard, data };
    });
    const published = await Promise.all(parts.map(async ({ shard, data }) => ({ shard, seq: await this.publish(r.entry.descriptor.uuid, shard, data) })));
    if (wait) {
      const outcomes = await Promise.all(published.map(({ shard, seq }) => this.waitApplied(r, shard, seq)));
      const failed = outcomes.find((o) => o !== undefined);
      if (failed !== undefined) throw failed;
    }
    const operationId = published.reduce((max, p) => Math.max(max, p.seq), 0);
    return { operationId, status: wait ? 'completed' : 'acknowledged' };
  }

  /**
   * Waits until sequence `seq` of `shard` is applied: by this node's replica when it holds the shard, otherwise by
   * a live holder, asked over NATS (another holder when one does not answer). Resolves with the error staging
   * threw for the operation, if any (the same on every replica).
   */
  private async waitApplied(r: Replicated, shard: number, seq: number): Promise<AppError | undefined> {
    const local = r.replicas[shard];
    if (local !== undefined) return local.waitApplied(seq, this.timeoutMs);
    const request: AppliedRequest = { uuid: r.entry.descriptor.uuid, shard, seq };
    const deadline = Date.now() + this.timeoutMs;
    const failures: string[] = [];
    for (const holder of this.liveHolders(r.entry, shard)) {
      const left = deadline - Date.now();
      if (left <= 0) break;
      try {
        const answer = (await askPeer(this.nc, this.names.peerSubject(holder.peer_id, 'applied'), request, left)) as { code: string; message: string } | null;
        return answer === null ? undefined : reviveAppError(answer.code, answer.message);
      } catch (e) {
        if (!(e instanceof PeerUnreachable) && !(isAppError(e) && e.kind === 'unavailable')) throw e;
        failures.push(`${holder.node_id}: ${e.message}`);
      }
    }
    throw new AppError('UNAVAILABLE', [`the write to shard ${shard} is stored, but no holder of the shard confirmed applying it (${failures.join('; ') || 'no live holder'})`]);
  }

  /** Answers "applied sequence S of shard X?" for the shards this node holds (`waitApplied` of other nodes). */
  private serveApplied(): void {
    this.served.push(
      servePeer(this.nc, this.names.peerSubject(this.peerId, 'applied'), async (raw) => {
        const req = raw as AppliedRequest;
        const replica = [...this.byName.values()].find((r) => r.entry.descriptor.uuid === req.uuid)?.replicas[req.shard];
        if (replica === undefined) throw new AppError('UNAVAILABLE', [`node ${this.nodeId} does not hold shard ${req.shard} of collection ${req.uuid}`]);
        const outcome = await replica.waitApplied(req.seq, this.timeoutMs);
        return outcome === undefined ? null : { code: outcome.code, message: outcome.message };
      }, this.log),
    );
  }

  /** Publishes one shard's part of a write; resolves with its stream sequence once JetStream stored it. */
  private async publish(uuid: string, shard: number, data: Uint8Array): Promise<number> {
    // Retried under one message id until the deadline: JetStream's duplicate window stores it once even when an
    // acknowledgement was lost (a stream leader change, a reconnect).
    const msgID = randomUUID();
    const deadline = Date.now() + this.timeoutMs;
    let last: unknown;
    while (Date.now() < deadline) {
      try {
        const ack = await this.js.publish(this.names.subject(uuid, shard), data, { msgID, expect: { streamName: this.names.stream(uuid, shard) }, timeout: Math.max(500, Math.min(2_000, deadline - Date.now())) });
        return ack.seq;
      } catch (e) {
        last = e;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    throw new AppError('UNAVAILABLE', [`JetStream did not acknowledge the write to shard ${shard} within ${this.timeoutMs} ms: ${last instanceof Error ? last.message : String(last)}`]);
  }

  // ---------------------------------------------------------------- metadata changes made here

  async createCollection(name: string, config: CollectionConfig): Promise<boolean> {
    const shards = config.params.shard_number ?? 1;
    const factor = config.params.replication_factor ?? 1;
    const descriptor: CollectionDescriptor = { uuid: randomUUID(), config, payloadIndexes: [], shardKeys: [], createdAt: new Date().toISOString() };
    const entry: CollectionEntry = { descriptor, shards, replicas: Math.max(1, Math.min(factor, this.capacity)), ...this.placementFor(config, shards, factor) };
    // The streams first (under the new uuid), so that every node finds them when it sees the entry.
    for (let shard = 0; shard < shards; shard++) await ensureStream(this.jsm, this.streamConfig(entry, shard));
    let revision: number;
    try {
      revision = await this.metadata.create(name, entry);
    } catch (e) {
      await this.deleteStreams(name, entry);
      throw e;
    }
    await this.awaitPeers(revision);
    return true;
  }

  /**
   * Snapshot recovery onto the cluster: a new collection (new uuid, so new streams) whose shards start from seed
   * snapshots. Each shard's stream gets an empty first operation (the barrier every replica starts after), then
   * the shard's recovered points go to the object store as its snapshot at that sequence, then the metadata entry
   * (marked `seeded`) replaces the collection's with compare-and-set. Every node drops its old replica, restores
   * each shard's snapshot and consumes what follows; this node answers once it holds the recovered points.
   */
  async replaceCollection(name: string, next: ReplacementDescriptor, fill: (write: PointBatchWriter) => Promise<void>): Promise<void> {
    const shards = next.config.params.shard_number ?? 1;
    const factor = next.config.params.replication_factor ?? 1;
    const descriptor: CollectionDescriptor = { uuid: randomUUID(), config: next.config, payloadIndexes: next.payloadIndexes, shardKeys: next.shardKeys, createdAt: next.createdAt };
    const entry: CollectionEntry = { descriptor, shards, replicas: Math.max(1, Math.min(factor, this.capacity)), seeded: true, ...this.placementFor(next.config, shards, factor) };
    const parts = await shardOperations(fill, shards, shardHashOf(entry));
    let replaced: Awaited<ReturnType<ClusterMetadata['replace']>>;
    try {
      for (let shard = 0; shard < shards; shard++) {
        await ensureStream(this.jsm, this.streamConfig(entry, shard));
        const barrier = await this.publish(descriptor.uuid, shard, encodeShardMessage([]));
        await this.snapshots.put(descriptor.uuid, shard, barrier, parts[shard]!);
      }
      replaced = await this.metadata.replace(name, entry);
    } catch (e) {
      await this.deleteStreams(name, entry);
      throw e;
    }
    await this.awaitPeers(replaced.revision);
    await this.readBarrier(name);
    if (replaced.previous !== undefined) await this.deleteStreams(name, replaced.previous);
  }

  /**
   * The placement of a new collection (`placement.ts`): none (every node, present and future, holds every shard)
   * when the replication factor reaches the live node count or the collection uses custom sharding, otherwise
   * `factor` live nodes per shard, least loaded first.
   */
  private placementFor(config: CollectionConfig, shards: number, factor: number): { placement?: Placement } {
    const live = [...new Set([this.nodeId, ...this.liveNodes().map((n) => n.node_id)])];
    // Custom sharding keeps every shard on every node: deleting a shard key deletes its points from one replica's view.
    if (factor >= live.length || isCustomSharding(config)) return {};
    const load = placementLoad([...this.byName.values()].flatMap((r) => (r.entry.placement === undefined ? [] : [r.entry.placement])));
    return { placement: placeShards(shards, factor, live, load) };
  }

  async deleteCollection(name: string): Promise<boolean> {
    await this.metadata.changeAliases((aliases) => new Map([...aliases].filter(([, target]) => target !== name)));
    const entry = await this.metadata.delete(name);
    if (entry === undefined) return false;
    await this.awaitPeers(entry.revision);
    await this.deleteStreams(name, entry);
    return true;
  }

  private async deleteStreams(name: string, entry: CollectionEntry): Promise<void> {
    for (let shard = 0; shard < entry.shards; shard++) {
      await this.jsm.streams.delete(this.names.stream(entry.descriptor.uuid, shard)).catch((e: unknown) => this.log.warn(`cluster: stream of collection ${name} not removed: ${String(e)}`));
    }
    await this.snapshots.remove(entry.descriptor.uuid, entry.shards).catch((e: unknown) => this.log.warn(`cluster: snapshots of collection ${name} not removed: ${String(e)}`));
  }

  private streamConfig(entry: CollectionEntry, shard: number): Partial<StreamConfig> & { name: string } {
    return {
      name: this.names.stream(entry.descriptor.uuid, shard),
      subjects: [this.names.subject(entry.descriptor.uuid, shard)],
      num_replicas: entry.replicas,
      storage: StorageType.File,
      retention: RetentionPolicy.Limits,
      duplicate_window: DUPLICATE_WINDOW_NS,
    };
  }

  /**
   * Waits until every live node (heartbeat) applied metadata `revision`, as Qdrant waits for a change to reach
   * its peers: a collection created through one node is then usable through every node. A node that does not
   * follow within the timeout converges later; the change stands.
   */
  private async awaitPeers(revision: number): Promise<void> {
    const deadline = Date.now() + this.timeoutMs;
    while (Date.now() < deadline) {
      const behind = (this.liveNodes()).filter((n) => (n.revision ?? 0) < revision);
      if (behind.length === 0) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    this.log.warn(`cluster: metadata revision ${revision} not yet applied by every live node after ${this.timeoutMs} ms; they converge later`);
  }

  /**
   * Changes a collection's descriptor, and (as for creation) waits until every live node applied it: a shard key
   * created through one node is then usable through every node.
   */
  async changeDescriptor(name: string, op: DescriptorOperation): Promise<void> {
    await this.awaitPeers(await this.metadata.changeDescriptor(name, (d) => applyDescriptorOperation(d, op)));
  }

  changeAliases(change: (aliases: ReadonlyMap<string, string>) => Map<string, string>): Promise<void> {
    return this.metadata.changeAliases(change);
  }

  // ---------------------------------------------------------------- metadata changes from the bucket

  async collection(name: string, entry: CollectionEntry): Promise<void> {
    const current = this.byName.get(name);
    if (current !== undefined && current.entry.descriptor.uuid !== entry.descriptor.uuid) await this.stopReplicas(name);
    // Normally made by the node that created the collection; made here if that node failed in between.
    for (let shard = 0; shard < entry.shards; shard++) await ensureStream(this.jsm, this.streamConfig(entry, shard));
    await this.store.commit(() => this.store.meta.put(MEMBER_PREFIX + entry.descriptor.uuid, name));
    const c = await this.toc.replicaCollection(name, entry.descriptor, (loaded) => this.attachWriter(loaded));
    const running = this.byName.get(name);
    if (running !== undefined) {
      running.entry = entry;
      return;
    }
    const hash = shardHashOf(entry);
    const replicas = Array.from({ length: entry.shards }, (_, shard) =>
      holdsShard(entry.placement, shard, this.nodeId)
        ? new ShardReplica({ js: this.js, jsm: this.jsm, snapshots: this.snapshots, seeded: entry.seeded === true, store: this.store, collection: c, stream: this.names.stream(entry.descriptor.uuid, shard), shard, shards: entry.shards, hash, log: this.log })
        : undefined,
    );
    this.byName.set(name, { name, collection: c, entry, replicas });
    for (const r of replicas) r?.start();
  }

  async deleted(name: string): Promise<void> {
    await this.stopReplicas(name);
    const c = this.toc.uncheckedCollection(name, 'cluster deletion');
    if (c !== undefined) await this.store.commit(() => this.store.meta.remove(MEMBER_PREFIX + c.uuid));
    await this.toc.replicaDeletion(name);
  }

  aliases(aliases: ReadonlyMap<string, string>): Promise<void> {
    return this.toc.replicaAliases(aliases);
  }

  async initialized(names: ReadonlySet<string>): Promise<void> {
    for (const name of this.toc.collectionNames()) {
      if (names.has(name)) continue;
      const c = this.toc.uncheckedCollection(name, 'cluster convergence')!;
      if (this.store.meta.get(MEMBER_PREFIX + c.uuid) !== undefined) {
        // Deleted in the cluster while this node was away.
        await this.deleted(name);
      } else {
        this.log.warn(`cluster: collection ${name} exists only on this node (created before distributed mode): it is served read-only and not replicated; recreate it in the cluster`);
      }
    }
  }

  private async stopReplicas(name: string): Promise<void> {
    const r = this.byName.get(name);
    if (r === undefined) return;
    this.byName.delete(name);
    for (const s of r.replicas) await s?.stop();
  }

  // ---------------------------------------------------------------- reporting

  applied(): void {
    if (this.heartbeat !== undefined) this.beat();
  }

  private beat(): void {
    const applied: Record<string, Array<number | null>> = {};
    for (const r of this.byName.values()) applied[r.name] = r.replicas.map((s) => s?.applied ?? null);
    const value: Heartbeat = { node_id: this.nodeId, peer_id: this.peerId, at: new Date().toISOString(), revision: this.metadata.revision, applied };
    this.nodes.put(`n.${this.nodeId}`, new TextEncoder().encode(JSON.stringify(value))).catch((e: unknown) => this.log.warn(`cluster: heartbeat not published: ${String(e)}`));
  }

  /** A shard is compacted by its live holder with the lowest node id (`compactor.ts`). */
  private startCompaction(): void {
    if (this.compactionSettings.every_operations === 0) return;
    this.compaction = setInterval(() => {
      const targets = this.compactionTargets();
      if (targets.length > 0) void this.compactor.check(targets);
    }, this.compactionSettings.check_interval_ms);
    this.compaction.unref();
  }

  private compactionTargets(): CompactionTarget[] {
    const live = this.liveNodes();
    return [...this.byName.values()].flatMap((r) =>
      r.replicas.flatMap((replica, shard) => {
        if (replica === undefined) return [];
        const holders = live.filter((n) => holdsShard(r.entry.placement, shard, n.node_id));
        if ((holders[0]?.node_id ?? this.nodeId) !== this.nodeId) return [];
        // Nodes that report this shard (a node that has not started it yet restores the snapshot if it must).
        const applied = holders.map((n) => n.applied[r.name]?.[shard]).filter((a): a is number => typeof a === 'number');
        return [{ uuid: r.entry.descriptor.uuid, shard, stream: this.names.stream(r.entry.descriptor.uuid, shard), replica, liveApplied: Math.min(replica.applied, ...applied) }];
      }),
    );
  }

  private startHeartbeat(): void {
    this.heartbeat = setInterval(() => this.beat(), HEARTBEAT_MS);
    this.heartbeat.unref();
    this.beat();
  }

  /** Follows the nodes bucket; a node is live while its last heartbeat is younger than the bucket's TTL. */
  private async watchPeers(): Promise<void> {
    const iter = await this.nodes.watch({ key: '>' });
    this.stopPeers = () => iter.stop();
    void (async () => {
      for await (const e of iter) {
        if (e.operation === 'PUT') {
          const beat = e.json<Heartbeat>();
          this.peers.set(beat.node_id, { ...beat, at: new Date().toISOString() });
        } else {
          this.peers.delete(e.key.slice(2));
        }
      }
    })();
  }

  private liveNodes(): Heartbeat[] {
    const oldest = Date.now() - HEARTBEAT_TTL_MS;
    return [...this.peers.values()].filter((n) => Date.parse(n.at) >= oldest).sort((a, b) => (a.node_id < b.node_id ? -1 : 1));
  }

  /** The live nodes holding `shard` of a collection, in node id order. */
  private liveHolders(entry: CollectionEntry, shard: number): Heartbeat[] {
    return this.liveNodes().filter((n) => holdsShard(entry.placement, shard, n.node_id));
  }

  /** Replication state of the shards this node holds. */
  private async shardState(r: Replicated): Promise<JsonObject[]> {
    const held = r.replicas.flatMap((s, shard) => (s === undefined ? [] : [{ s, shard }]));
    return Promise.all(
      held.map(async ({ s, shard }) => {
        const stream = this.names.stream(r.entry.descriptor.uuid, shard);
        const info = await this.jsm.streams.info(stream).catch(() => undefined);
        const last = info?.state.last_seq ?? null;
        const first = info?.state.first_seq ?? null;
        return {
          shard_id: shard,
          stream,
          stream_replicas: r.entry.replicas,
          stream_leader: info?.cluster?.leader ?? null,
          stream_peers: (info?.cluster?.replicas ?? []).map((p) => ({ name: p.name, current: p.current, lag: p.lag ?? 0 })),
          first_sequence: first,
          last_sequence: last,
          applied_sequence: s.applied,
          lag: last === null ? null : Math.max(0, last - s.applied),
        };
      }),
    );
  }

  /** Per shard, the nodes holding it, with their peer ids and what they last reported applying. */
  private placementState(r: Replicated): JsonObject[] {
    const live = new Map(this.liveNodes().map((n) => [n.node_id, n]));
    return Array.from({ length: r.entry.shards }, (_, shard) => {
      const holders = r.entry.placement?.[shard] ?? [...live.keys()];
      return {
        shard_id: shard,
        holders: holders.map((id) => {
          const beat = live.get(id);
          return { node_id: id, peer_id: peerIdOf(id), live: beat !== undefined, applied_sequence: beat?.applied[r.name]?.[shard] ?? null };
        }),
      };
    });
  }

  async status(): Promise<JsonObject> {
    const nodes = this.liveNodes();
    const peers: JsonObject = {};
    for (const n of nodes) peers[String(n.peer_id)] = { uri: `nats://${this.names.nodesBucket}/${n.node_id}` };
    const collections: JsonObject = {};
    for (const r of this.byName.values()) {
      collections[r.name] = { placement: r.entry.placement === undefined ? 'every_node' : 'placed', shards: await this.shardState(r), shard_holders: this.placementState(r) };
    }
    return {
      status: 'enabled',
      peer_id: this.peerId,
      peers,
      raft_info: { term: 0, commit: this.metadata.revision, pending_operations: 0, leader: null, role: 'Follower', is_voter: false },
      consensus_thread_status: { consensus_thread_status: 'working', last_update: new Date().toISOString() },
      message_send_failures: {},
      quiver: {
        node_id: this.nodeId,
        nats: { connected_server: this.nc.getServer(), stream_replica_capacity: this.capacity },
        metadata_revision: this.metadata.revision,
        nodes: nodes.map((n) => ({ node_id: n.node_id, peer_id: n.peer_id, last_heartbeat: n.at, metadata_revision: n.revision ?? 0, applied: n.applied })),
        collections,
      },
    };
  }

  /**
   * Qdrant's collection cluster info: a local shard per shard this node holds (with its point count and
   * replication state), a remote shard per other holder (`Active` while it heartbeats, `Dead` otherwise).
   */
  async collectionInfo(name: string): Promise<JsonObject> {
    const r = this.byName.get(name);
    if (r === undefined) throw new AppError('COLLECTION_NOT_FOUND', [name]);
    const counts = new Array<number>(r.entry.shards).fill(0);
    const seg = r.collection.segment;
    const hash = shardHashOf(r.entry);
    for (const offset of seg.scan({})) counts[hash(seg.idAt(offset)!, r.entry.shards)]! += 1;
    const state = new Map((await this.shardState(r)).map((s) => [s['shard_id'] as number, s]));
    const live = new Map(this.liveNodes().map((n) => [n.node_id, n]));
    const remote = Array.from({ length: r.entry.shards }, (_, shard) => {
      const holders = r.entry.placement?.[shard] ?? [...live.keys()];
      return holders.filter((id) => id !== this.nodeId).map((id) => ({ shard_id: shard, peer_id: peerIdOf(id), state: live.has(id) ? 'Active' : 'Dead' }));
    }).flat();
    return {
      peer_id: this.peerId,
      shard_count: r.entry.shards,
      local_shards: r.replicas.flatMap((s, shard_id) => (s === undefined ? [] : [{ shard_id, points_count: counts[shard_id]!, state: 'Active', replication: state.get(shard_id)! }])),
      remote_shards: remote,
      shard_transfers: [],
    };
  }

  async readBarrier(name: string): Promise<void> {
    const r = this.byName.get(name);
    if (r !== undefined) await this.barrier(r, r.replicas.map((_, shard) => shard));
  }

  /** Resolves once this node's replicas of `shards` (those it holds) applied everything their streams held now. */
  private async barrier(r: Replicated, shards: readonly number[]): Promise<void> {
    await Promise.all(
      shards.map(async (shard) => {
        const s = r.replicas[shard];
        if (s === undefined) return;
        let last: number;
        try {
          last = (await this.jsm.streams.info(this.names.stream(r.entry.descriptor.uuid, shard))).state.last_seq;
        } catch (e) {
          throw new AppError('UNAVAILABLE', [`JetStream did not report the last operation of shard ${shard} (to wait until this node applied it): ${e instanceof Error ? e.message : String(e)}`]);
        }
        await s.waitApplied(last, this.timeoutMs);
      }),
    );
  }

  // ---------------------------------------------------------------- fanned-out reads

  holdsAllShards(name: string): boolean {
    return this.remoteShards(name).length === 0;
  }

  remoteShards(name: string): readonly number[] {
    const r = this.byName.get(name);
    if (r === undefined || r.entry.placement === undefined) return [];
    return r.replicas.flatMap((s, shard) => (s === undefined ? [shard] : []));
  }

  async gather(read: PeerRead, shards: readonly number[]): Promise<unknown[]> {
    const r = this.byName.get(read.collection);
    if (r === undefined) throw new AppError('COLLECTION_NOT_FOUND', [read.collection]);
    const tried = new Map<number, Set<string>>(shards.map((s) => [s, new Set<string>()]));
    const failures = new Map<number, string[]>(shards.map((s) => [s, []]));
    const results: unknown[] = [];
    let pending = [...shards];
    const turn = this.spread++;
    while (pending.length > 0) {
      const byHolder = this.assignHolders(r, pending, tried, failures, turn);
      for (const { beat, shards: part } of byHolder) for (const s of part) tried.get(s)!.add(beat.node_id);
      const outcomes = await Promise.all(
        byHolder.map(async ({ beat, shards: part }) => {
          const req: ReadRequest = { read, uuid: r.entry.descriptor.uuid, scope: { shards: part, total: r.entry.shards, whole: false } };
          try {
            results.push(await askPeer(this.nc, this.names.peerSubject(beat.peer_id, 'read'), req, this.readTimeoutMs(), STRUCTURED_CODEC));
            return [];
          } catch (e) {
            // A holder that is down, slow, or no longer holds the shard: another one is asked.
            if (!(e instanceof PeerUnreachable) && !(isAppError(e) && e.kind === 'unavailable')) throw e;
            for (const s of part) failures.get(s)!.push(`node ${beat.node_id}: ${e.message}`);
            return part;
          }
        }),
      );
      pending = outcomes.flat();
    }
    return results;
  }

  /**
   * One live holder (other than this node) for each of `shards` not tried yet for it, shards going to the same
   * holder grouped: a holder already chosen for another shard is preferred, otherwise the choice rotates with `turn`.
   * @throws AppError(UNAVAILABLE) for a shard no untried live node holds, with what the tried ones answered
   */
  private assignHolders(r: Replicated, shards: readonly number[], tried: ReadonlyMap<number, ReadonlySet<string>>, failures: ReadonlyMap<number, readonly string[]>, turn: number): Array<{ beat: Heartbeat; shards: number[] }> {
    const byHolder = new Map<string, { beat: Heartbeat; shards: number[] }>();
    for (const shard of shards) {
      const candidates = this.liveHolders(r.entry, shard).filter((n) => n.node_id !== this.nodeId && tried.get(shard)?.has(n.node_id) !== true);
      if (candidates.length === 0) {
        const why = failures.get(shard) ?? [];
        throw new AppError('UNAVAILABLE', [`The replica set for shard ${shard} of collection ${r.name} has no active replica to read from${why.length === 0 ? ' (no live node holds it)' : `: ${why.join('; ')}`}`]);
      }
      const chosen = candidates.find((n) => byHolder.has(n.node_id)) ?? candidates[(turn + shard) % candidates.length]!;
      const group = byHolder.get(chosen.node_id) ?? { beat: chosen, shards: [] };
      group.shards.push(shard);
      byHolder.set(chosen.node_id, group);
    }
    return [...byHolder.values()];
  }

  // ---------------------------------------------------------------- snapshots on a node holding only some shards

  peerShards(name: string): PeerShards | undefined {
    const r = this.byName.get(name);
    const remote = this.remoteShards(name);
    if (r === undefined || remote.length === 0) return undefined;
    // Fails at once when a shard has no live holder, before anything is written.
    const none = new Map<number, ReadonlySet<string>>();
    this.assignHolders(r, remote, none, new Map(), 0);
    const hash = shardHashOf(r.entry);
    return {
      holdsPoint: (id) => r.replicas[hash(id, r.entry.shards)] !== undefined,
      lines: (vectors, signal) => this.shardLines(r, remote, vectors, signal),
    };
  }

  /**
   * The lines of `shards`, from live holders, one holder (and one transfer: one read snapshot) at a time. A holder
   * that does not answer the opening of a transfer (or refuses it) is replaced by another holder of its shards; one
   * that stops answering once it sent pages fails the whole (503): the pages received cannot be completed from
   * another replica's read snapshot.
   */
  private async *shardLines(r: Replicated, shards: readonly number[], vectors: readonly string[], signal?: AbortSignal): AsyncGenerator<Uint8Array> {
    const tried = new Map<number, Set<string>>(shards.map((s) => [s, new Set<string>()]));
    const failures = new Map<number, string[]>(shards.map((s) => [s, []]));
    const turn = this.spread++;
    let pending = [...shards];
    while (pending.length > 0) {
      signal?.throwIfAborted();
      const { beat, shards: part } = this.assignHolders(r, pending, tried, failures, turn)[0]!;
      for (const s of part) tried.get(s)!.add(beat.node_id);
      const request: ShardPointsRequest = { collection: r.name, uuid: r.entry.descriptor.uuid, shards: part, total: r.entry.shards, vectors };
      let pages: AsyncGenerator<Uint8Array>;
      try {
        // The holder first waits (up to timeout_ms) until it applied everything stored for the shards.
        pages = await openPages(this.nc, this.names.peerSubject(beat.peer_id, 'snapshot'), request, { openMs: this.timeoutMs + this.readTimeoutMs(), pageMs: this.readTimeoutMs() }, beat.node_id);
      } catch (e) {
        if (!(e instanceof PeerUnreachable) && !(isAppError(e) && e.kind === 'unavailable')) throw e;
        for (const s of part) failures.get(s)!.push(`node ${beat.node_id}: ${e.message}`);
        continue;
      }
      yield* pages;
      pending = pending.filter((s) => !part.includes(s));
    }
  }

  /** Sends the shards this node holds, a page at a time, to a node taking a snapshot (`snapshot-transfer.ts`). */
  private serveSnapshotPages(): void {
    const limit = this.nc.info?.max_payload ?? 1024 * 1024;
    this.pageServer = new SnapshotPageServer(
      { pageBytes: Math.min(SNAPSHOT_PAGE_BYTES, Math.max(1024, limit - SNAPSHOT_PAGE_HEADROOM)), idleMs: SNAPSHOT_IDLE_MS, maxCursors: SNAPSHOT_TRANSFERS },
      (req) => this.openShardPoints(req),
    );
    this.pageServer.serve(this.nc, this.names.peerSubject(this.peerId, 'snapshot'), this.log);
  }

  /** The lines of the shards a peer asked for, from one read snapshot opened once they applied everything stored. */
  private async openShardPoints(req: ShardPointsRequest): Promise<Iterator<string>> {
    const r = this.byName.get(req.collection);
    // The collection must be the one the asking node saw (not one recreated meanwhile), and the shards held here.
    if (r === undefined || r.entry.descriptor.uuid !== req.uuid || r.entry.shards !== req.total || req.shards.some((s) => r.replicas[s] === undefined)) {
      throw new AppError('UNAVAILABLE', [`node ${this.nodeId} does not hold shards ${req.shards.join(', ')} of collection ${req.collection}`]);
    }
    await this.barrier(r, req.shards);
    const points = this.toc.replicaSnapshotPoints(req.uuid);
    const hash = shardHashOf(r.entry);
    const shards = new Set(req.shards);
    const vectors = new Set(req.vectors);
    const keep = (name: string): boolean => vectors.has(name);
    return {
      next: () => {
        for (let n = points.next(); n.done !== true; n = points.next()) {
          if (shards.has(hash(n.value.key as PointId, req.total))) return { done: false, value: encodePointLine(n.value.key, n.value.value, keep) };
        }
        return { done: true, value: undefined };
      },
      return: () => {
        points.return?.();
        return { done: true, value: undefined };
      },
    };
  }

  /** A fanned-out read waits at most this long for one holder before asking another. */
  private readTimeoutMs(): number {
    return Math.min(this.timeoutMs, 5_000);
  }

  serveReads(run: (read: PeerRead, scope: PeerReadScope) => Promise<unknown>): void {
    this.served.push(
      servePeer(this.nc, this.names.peerSubject(this.peerId, 'read'), async (raw) => {
        const req = raw as ReadRequest;
        const r = this.byName.get(req.read.collection);
        // The collection must be the one the asking node saw (not one recreated meanwhile), and the shards held here.
        if (r === undefined || r.entry.descriptor.uuid !== req.uuid || r.entry.shards !== req.scope.total || req.scope.shards.some((s) => r.replicas[s] === undefined)) {
          throw new AppError('UNAVAILABLE', [`node ${this.nodeId} does not hold shards ${req.scope.shards.join(', ')} of collection ${req.read.collection}`]);
        }
        const whole = r.replicas.every((s, shard) => (s === undefined) !== req.scope.shards.includes(shard));
        return run(req.read, { shards: req.scope.shards, total: req.scope.total, whole });
      }, this.log, STRUCTURED_CODEC),
    );
  }
}
