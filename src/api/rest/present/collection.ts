/** A collection's state → Qdrant `CollectionInfo`. */
import type { Collection } from '../../../collection/collection.js';
import type { LocalShardInfo } from '../../../collection/shards.js';

export function collectionInfoToWire(c: Collection): Record<string, unknown> {
  return {
    status: c.optimizing ? 'yellow' : 'green',
    optimizer_status: 'ok',
    warnings: [],
    indexed_vectors_count: c.indexedVectorsCount,
    points_count: c.pointsCount,
    segments_count: 1,
    config: c.config,
    payload_schema: c.fieldIndexes.schemaInfo(),
    update_queue: { length: 0 },
  };
}

/**
 * `CollectionClusterInfo` of a standalone node: every local shard Active with its own point count (peer 0, no
 * remote shards, no transfers). A custom-sharded collection names the key owning each shard.
 */
export function clusterInfoToWire(shards: readonly LocalShardInfo[]): Record<string, unknown> {
  const local_shards = shards.map((s) => ({
    shard_id: s.shardId,
    ...(s.shardKey === undefined ? {} : { shard_key: s.shardKey }),
    points_count: s.pointsCount,
    state: 'Active',
  }));
  return { peer_id: 0, shard_count: local_shards.length, local_shards, remote_shards: [], shard_transfers: [] };
}
