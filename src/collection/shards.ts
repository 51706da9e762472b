/**
 * A collection's local shards (see `shard-router.ts`): the router its descriptor implies, and the point count
 * of each shard. Kept outside `Collection`, over its public reads, so the segment stays one.
 */
import { isCustomSharding } from './config.js';
import { shardIdsOfKeys, shardNumberOf, type CollectionDescriptor } from './descriptor.js';
import type { SegmentReader } from './segment/segment.js';
import { ShardRouter, type LocalShard } from './shard-router.js';

const routers = new WeakMap<object, ShardRouter>();

/** The router of a descriptor (cached per descriptor object: a changed descriptor is a new object). */
export function shardRouterOf(d: Pick<CollectionDescriptor, 'config' | 'shardKeys' | 'shardIds'>): ShardRouter {
  let router = routers.get(d);
  if (router === undefined) {
    const ids = shardIdsOfKeys(d);
    router = new ShardRouter(shardNumberOf(d.config), isCustomSharding(d.config) ? d.shardKeys.map((key, k) => ({ key, shardIds: ids[k]! })) : null);
    routers.set(d, router);
  }
  return router;
}

/** What a collection exposes to count its shards. */
export interface ShardSource {
  readonly info: CollectionDescriptor;
  readonly pointsCount: number;
  readonly segment: Pick<SegmentReader, 'scan' | 'idAt' | 'shardKeyAt'>;
}

export interface LocalShardInfo extends LocalShard {
  readonly pointsCount: number;
}

/** Every local shard with its point count, in shard id order. */
export function localShards(c: ShardSource): LocalShardInfo[] {
  const router = shardRouterOf(c.info);
  const counts = new Map<number, number>();
  for (const s of router.shards) counts.set(s.shardId, 0);
  if (router.shards.length === 1) {
    counts.set(router.shards[0]!.shardId, c.pointsCount);
  } else {
    const seg = c.segment;
    for (const offset of seg.scan({})) {
      const id = seg.idAt(offset);
      if (id === undefined) continue;
      const shard = router.shardOf(id, seg.shardKeyAt(offset));
      counts.set(shard, (counts.get(shard) ?? 0) + 1);
    }
  }
  return router.shards.map((s) => ({ ...s, pointsCount: counts.get(s.shardId) ?? 0 }));
}
