/**
 * Every NATS name one deployment uses, under its `cluster.deployment` namespace, so that several deployments
 * (or tenants) can share a NATS cluster and an account's permissions can be limited to `<deployment>.>` subjects
 * and `<deployment>_*` streams and buckets.
 */
export interface ClusterNames {
  /** KV bucket of the metadata (collections, aliases). */
  readonly metadataBucket: string;
  /** KV bucket of node heartbeats (entries expire when a node stops refreshing them). */
  readonly nodesBucket: string;
  /** Object store of shard snapshots (catch-up of new or long-absent replicas). */
  readonly snapshotsBucket: string;
  /** The stream holding shard `shard` of the collection with cluster uuid `uuid`. */
  stream(uuid: string, shard: number): string;
  /** The subject operations of that shard are published on. */
  subject(uuid: string, shard: number): string;
  /** The subject node `peerId` answers requests of kind `what` on (`peer-requests.ts`). */
  peerSubject(peerId: number, what: 'read' | 'applied' | 'snapshot'): string;
}

export function clusterNames(deployment: string): ClusterNames {
  return {
    metadataBucket: `${deployment}_metadata`,
    nodesBucket: `${deployment}_nodes`,
    snapshotsBucket: `${deployment}_snapshots`,
    stream: (uuid, shard) => `${deployment}_ops_${uuid}_${shard}`,
    subject: (uuid, shard) => `${deployment}.ops.${uuid}.${shard}`,
    peerSubject: (peerId, what) => `${deployment}.peer.${peerId}.${what}`,
  };
}
