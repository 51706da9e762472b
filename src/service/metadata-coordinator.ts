/**
 * Distributed mode (issue 19): where the table of contents sends structural changes when the node is part of a
 * cluster. The implementation (`src/cluster/`) writes them to the cluster's metadata with compare-and-set and
 * returns once this node has applied them (through the table of content's `replica*` methods), so a request
 * that changed something sees its change on the node that served it.
 */
import type { CollectionConfig } from '../collection/config.js';
import type { DescriptorOperation } from '../collection/operation.js';
import type { PeerShards, PointBatchWriter, ReplacementDescriptor } from './snapshots/toc-contract.js';

export interface MetadataCoordinator {
  /** Creates the collection in the cluster; throws AppError(COLLECTION_EXISTS) when another node created the name first. */
  createCollection(name: string, config: CollectionConfig): Promise<boolean>;
  /** False when the collection does not exist in the cluster. */
  deleteCollection(name: string): Promise<boolean>;
  /** Applies `op` to the cluster's current descriptor (re-run on a concurrent change; it validates and may throw). */
  changeDescriptor(name: string, op: DescriptorOperation): Promise<void>;
  /** Applies `change` to the cluster's current alias map (re-run on a concurrent change); it validates and may throw. */
  changeAliases(change: (aliases: ReadonlyMap<string, string>) => Map<string, string>): Promise<void>;
  /** False when this node holds only some shards of collection `name` (the others are read from other nodes). */
  holdsAllShards(name: string): boolean;
  /** Resolves once this node's replica of collection `name` applied everything the cluster stored for it. */
  readBarrier(name: string): Promise<void>;
  /**
   * For a snapshot of collection `name`: its shards this node does not hold, read from their holders; undefined
   * when this node holds every shard.
   * @throws AppError(UNAVAILABLE) when a shard has no live holder
   */
  peerShards(name: string): PeerShards | undefined;
  /**
   * Replaces collection `name` (created when missing) by one recovered from a snapshot, on every node: `fill`
   * writes the recovered points. Resolves once this node holds them.
   */
  replaceCollection(name: string, next: ReplacementDescriptor, fill: (write: PointBatchWriter) => Promise<void>): Promise<void>;
}
