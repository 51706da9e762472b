/**
 * Local shards of one collection and the shard each point belongs to, as Qdrant routes them.
 *
 * Quiver keeps one segment per collection; a shard is a scope over it (the points the router assigns to
 * that shard id), so `shard_number: N` costs nothing on the read and write paths. What the shards change
 * is what Qdrant shows of them: collection cluster info (one local shard per id with its own point count)
 * and shard snapshots (only that shard's points).
 *
 * Routing follows Qdrant's `HashRingRouter::Single(HashRing::fair(100))`: every shard id gets 100 virtual
 * nodes `(shard_id: u32, i: u32)` on a `hashring` ring keyed by SipHash-2-4 (zero key) of their bytes; a point
 * goes to the first node at or after the SipHash-2-4 of its id (`ExtendedPointId`'s hash stream: a u64
 * discriminant, then the u64 id, or the u64 length 16 and the 16 UUID bytes), wrapping around.
 *
 * Shard ids: with automatic sharding `0..shard_number`. With custom sharding, every shard key owns the shards the
 * descriptor gives it (numbered as Qdrant numbers them, see `descriptor.ts`); a point goes to one of its key's
 * shards by the same ring over those ids.
 */
import type { PointId } from '../storage/point-id.js';
import { sipHash24Into } from '../index/filter/siphash.js';
import type { ShardKey } from './types.js';

/** Qdrant's `HASH_RING_SHARD_SCALE`: virtual nodes per shard. */
export const HASH_RING_SHARD_SCALE = 100;

export interface LocalShard {
  readonly shardId: number;
  /** The shard key that owns the shard (custom sharding only). */
  readonly shardKey?: ShardKey;
}

const hashOut = new Uint32Array(2);
const nodeBytes = new Uint8Array(8);
const nodeView = new DataView(nodeBytes.buffer);
const idBytes = new Uint8Array(32);
const idView = new DataView(idBytes.buffer);

/** A fair hash ring over some shard ids: node hashes sorted as unsigned 64-bit (hi, lo) pairs. */
class FairRing {
  private readonly hi: Uint32Array;
  private readonly lo: Uint32Array;
  private readonly shard: Uint32Array;

  constructor(shardIds: readonly number[], scale: number) {
    const nodes: Array<{ hi: number; lo: number; shard: number }> = [];
    for (const shard of shardIds) {
      for (let i = 0; i < scale; i++) {
        nodeView.setUint32(0, shard, true);
        nodeView.setUint32(4, i, true);
        sipHash24Into(nodeBytes, hashOut);
        nodes.push({ hi: hashOut[0]!, lo: hashOut[1]!, shard });
      }
    }
    nodes.sort((a, b) => a.hi - b.hi || a.lo - b.lo); // stable, as Rust's `sort`
    this.hi = Uint32Array.from(nodes, (n) => n.hi);
    this.lo = Uint32Array.from(nodes, (n) => n.lo);
    this.shard = Uint32Array.from(nodes, (n) => n.shard);
  }

  /** The shard of the first node whose hash is >= (hi, lo), wrapping to the first node. */
  get(hi: number, lo: number): number {
    let a = 0;
    let b = this.hi.length;
    while (a < b) {
      const m = (a + b) >>> 1;
      const mh = this.hi[m]!;
      if (mh < hi || (mh === hi && this.lo[m]! < lo)) a = m + 1;
      else b = m;
    }
    return this.shard[a === this.hi.length ? 0 : a]!;
  }
}

/** The bytes Qdrant's hasher sees for a point id. */
export function pointIdHashBytes(id: PointId): Uint8Array {
  if (typeof id === 'number') {
    idView.setBigUint64(0, 0n, true);
    idView.setBigUint64(8, BigInt(id), true);
    return idBytes.subarray(0, 16);
  }
  idView.setBigUint64(0, 1n, true);
  idView.setBigUint64(8, 16n, true);
  const hex = id.replace(/-/g, '');
  for (let i = 0; i < 16; i++) idBytes[16 + i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return idBytes;
}

/** The shard layout of a collection (its shard number and, with custom sharding, its shard keys). */
export class ShardRouter {
  readonly shards: readonly LocalShard[];
  private readonly rings = new Map<ShardKey | undefined, FairRing>();

  private readonly customKeys: readonly ShardKey[] | null;

  /** `keys`: with custom sharding, each shard key and the shard ids it owns (null: automatic sharding). */
  constructor(
    shardNumber: number,
    keys: ReadonlyArray<{ readonly key: ShardKey; readonly shardIds: readonly number[] }> | null,
  ) {
    const n = Math.max(1, shardNumber);
    this.customKeys = keys === null ? null : keys.map((k) => k.key);
    if (keys === null || keys.length === 0) {
      this.shards = Array.from({ length: n }, (_, shardId) => ({ shardId }));
    } else {
      this.shards = keys.flatMap(({ key, shardIds }) => shardIds.map((shardId) => ({ shardId, shardKey: key }))).sort((a, b) => a.shardId - b.shardId);
    }
  }

  /** The shard ids a shard key owns (every shard without one). */
  private idsFor(shardKey: ShardKey | undefined): number[] {
    const owned = this.shards.filter((s) => shardKey === undefined || s.shardKey === shardKey);
    return (owned.length > 0 ? owned : this.shards).map((s) => s.shardId);
  }

  private ring(shardKey: ShardKey | undefined): FairRing {
    const key = this.customKeys === null || this.customKeys.length === 0 ? undefined : shardKey;
    let ring = this.rings.get(key);
    if (ring === undefined) {
      ring = new FairRing(this.idsFor(key), HASH_RING_SHARD_SCALE);
      this.rings.set(key, ring);
    }
    return ring;
  }

  /** The shard id of a point (and, with custom sharding, the shard key it was written with). */
  shardOf(id: PointId, shardKey?: ShardKey): number {
    if (this.shards.length === 1) return this.shards[0]!.shardId;
    const ring = this.ring(shardKey); // built first: building hashes into the same scratch buffer
    sipHash24Into(pointIdHashBytes(id), hashOut);
    return ring.get(hashOut[0]!, hashOut[1]!);
  }

  has(shardId: number): boolean {
    return this.shards.some((s) => s.shardId === shardId);
  }

}
