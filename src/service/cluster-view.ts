/**
 * Distributed mode (issue 19): what the API reports about the cluster (`GET /cluster`,
 * `GET /collections/{name}/cluster`), implemented by `src/cluster/`. Absent on a single node.
 */
import type { JsonObject } from '../json.js';

export interface ClusterView {
  /** Qdrant's cluster status (`status: enabled`, peers, consensus) plus Quiver's replication detail. */
  status(): Promise<JsonObject>;
  /** Qdrant's collection cluster info (local and remote shards) plus each local shard's replication lag. */
  collectionInfo(name: string): Promise<JsonObject>;
  /**
   * Qdrant's read `consistency` (a number above 1, `majority`, `all`): every replica here holds every shard, so a
   * stronger read waits until this node has applied everything JetStream had stored when the read arrived.
   */
  readBarrier(name: string): Promise<void>;
}

/** True for a read `consistency` stronger than the default one replica: an integer above 1, `majority`, `quorum`, `all`. */
export function isStrongConsistency(value: unknown): boolean {
  if (typeof value === 'number') return value > 1;
  if (typeof value === 'string') return value === 'majority' || value === 'quorum' || value === 'all' || (/^\d+$/.test(value) && Number(value) > 1);
  return false;
}
