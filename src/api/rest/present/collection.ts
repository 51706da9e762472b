/** A collection's state → Qdrant `CollectionInfo`. */
import type { Collection } from '../../../collection/collection.js';
import type { LocalShardInfo } from '../../../collection/shards.js';
import type { OptimizationsWith } from '../parse/optimizations.js';

/** `elsewhere`: the points of the shards other nodes hold (distributed mode), counted in `points_count`. */
export function collectionInfoToWire(c: Collection, elsewhere = 0): Record<string, unknown> {
  return {
    status: c.optimizing ? 'yellow' : 'green',
    optimizer_status: 'ok',
    warnings: [],
    indexed_vectors_count: c.indexedVectorsCount,
    points_count: c.pointsCount + elsewhere,
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

/**
 * `OptimizationsResponse` for Quiver's one segment per collection: a running background graph build is the one
 * running `indexing` optimization (with its progress); vectors waiting for a build that has not started yet are one
 * queued optimization of that segment (`queued_points` = its points); otherwise the segment is idle. Quiver keeps no
 * history of finished builds, so `completed` (when asked for) is always empty.
 */
export function optimizationsToWire(c: Collection, want: OptimizationsWith, now: Date): Record<string, unknown> {
  const segment = { uuid: c.uuid, points_count: c.pointsCount };
  const build = c.indexBuild;
  const queued = build === undefined && c.optimizing;
  const idle = build === undefined && !queued;
  const out: Record<string, unknown> = {
    summary: { queued_optimizations: queued ? 1 : 0, queued_segments: queued ? 1 : 0, queued_points: queued ? c.pointsCount : 0, idle_segments: idle ? 1 : 0 },
    running:
      build === undefined
        ? []
        : [
            {
              uuid: c.uuid,
              optimizer: 'indexing',
              status: 'optimizing',
              segments: [segment],
              progress: {
                name: 'indexing',
                started_at: build.startedAt.toISOString(),
                finished_at: null,
                duration_sec: (now.getTime() - build.startedAt.getTime()) / 1000,
                done: build.done,
                total: build.total,
                children: [],
              },
            },
          ],
  };
  if (want.queued) out['queued'] = queued ? [{ optimizer: 'indexing', segments: [segment] }] : [];
  if (want.completed) out['completed'] = [];
  if (want.idleSegments) out['idle_segments'] = idle ? [segment] : [];
  return out;
}
