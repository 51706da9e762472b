/**
 * Snapshot recovery in distributed mode: the points a recovery writes (`PointBatchWriter` batches of stored points,
 * as the snapshot import produces them) gathered into one operation list per shard of the cluster — the content of
 * each shard's seed snapshot in the object store (`shard-snapshots.ts`).
 */
import { upsertsByShardKey, type PointInput, type PointOperation } from '../collection/operation.js';
import { decodePoint } from '../collection/point-codec.js';
import type { ShardKey } from '../collection/types.js';
import type { PointBatchWriter } from '../service/snapshots/toc-contract.js';
import type { ShardHash } from './shard-router.js';

/** Runs `fill` and returns, per shard, upserts of the points it wrote (one upsert per shard key). */
export async function shardOperations(fill: (write: PointBatchWriter) => Promise<void>, shards: number, hash: ShardHash): Promise<PointOperation[][]> {
  const byShard = Array.from({ length: shards }, (): Array<PointInput & { shardKey: ShardKey | undefined }> => []);
  await fill((batch) => {
    for (const [id, encoded] of batch) {
      const p = decodePoint(encoded);
      byShard[hash(id, shards)]!.push({ id, vectors: p.vectors, payload: p.payload, shardKey: p.shardKey });
    }
    return Promise.resolve();
  });
  return byShard.map((points) => upsertsByShardKey(points));
}
