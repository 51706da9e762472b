/**
 * Distributed mode (issue 19): what the API reports about the cluster (`GET /cluster`,
 * `GET /collections/{name}/cluster`), and the fan-out of point reads over shards this node does not hold,
 * implemented by `src/cluster/`. Absent on a single node.
 */
import type { JsonObject } from '../json.js';
import type { Filter } from '../index/filter/types.js';
import type { BorrowedPoints } from '../collection/query/types.js';
import type { PointRead } from './point-read.js';
import type { ReadRequest } from './strict-admission.js';

/**
 * A point read the node a client talks to authorized (and audited), sent to nodes holding shards it does not
 * hold: the engine's typed read (whichever transport received it), what strict mode admits it by, and the tenant
 * filter of a confined token. The answering node runs it confined to that filter and to the shards it is asked for.
 */
export interface PeerRead {
  readonly collection: string;
  readonly read: PointRead;
  readonly admit: ReadRequest;
  /** Qdrant's read `consistency` above 1: the answering node first waits until its replicas caught up. */
  readonly strong: boolean;
  readonly tenant: Filter | undefined;
  /** Vectors of the points the read references by id, fetched from their holders by the asking node. */
  readonly borrowed?: BorrowedPoints | undefined;
}

/** The shards of a collection a peer read is answered for: `shards`, of `total` (routed by `slice`). */
export interface PeerReadScope {
  readonly shards: readonly number[];
  readonly total: number;
  /** `shards` are all the shards of the collection the answering node holds (no need to filter its points). */
  readonly whole: boolean;
}

export interface ClusterView {
  /** Qdrant's cluster status (`status: enabled`, peers, consensus) plus Quiver's replication detail. */
  status(): Promise<JsonObject>;
  /** Qdrant's collection cluster info (local and remote shards) plus each local shard's replication lag. */
  collectionInfo(name: string): Promise<JsonObject>;
  /**
   * Qdrant's read `consistency` (a number above 1, `majority`, `all`): a stronger read waits until this node has
   * applied, for every shard it holds, everything JetStream had stored when the read arrived.
   */
  readBarrier(name: string): Promise<void>;
  /** The shards of collection `name` this node does not hold (empty when it holds every shard). */
  remoteShards(name: string): readonly number[];
  /**
   * Runs `read` on nodes holding `shards` (one live holder per shard, another one when it does not answer), each
   * answering for its shards only; their engine results, in no particular order.
   * @throws AppError(UNAVAILABLE) when no holder of a shard answers; the error a holder reported
   */
  gather(read: PeerRead, shards: readonly number[]): Promise<unknown[]>;
  /** Answers the reads other nodes send here with `run`. */
  serveReads(run: (read: PeerRead, scope: PeerReadScope) => Promise<unknown>): void;
}

/** True for a read `consistency` stronger than the default one replica: an integer above 1, `majority`, `quorum`, `all`. */
export function isStrongConsistency(value: unknown): boolean {
  if (typeof value === 'number') return value > 1;
  if (typeof value === 'string') return value === 'majority' || value === 'quorum' || value === 'all' || (/^\d+$/.test(value) && Number(value) > 1);
  return false;
}
