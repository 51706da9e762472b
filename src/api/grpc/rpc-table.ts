/**
 * RPC → operation: every RPC Quiver serves on the gRPC port, keyed by its path, names the operation of its REST
 * twin. That operation is the key of its `ACCESS_TABLE` row and the audit `method`; the audit `api` is the path.
 * `checkRpcTable()` runs at startup against the loaded service definitions (and in a test): an RPC without a
 * row, or a row for an RPC that is not served, stops the server from starting.
 */
import type { OperationName } from '../../auth/access-table.js';

export const RPC_OPERATIONS = {
  // health: open, as `/healthz` on REST
  '/qdrant.Qdrant/HealthCheck': 'root',
  '/grpc.health.v1.Health/Check': 'healthz',
  // qdrant.Collections
  '/qdrant.Collections/Get': 'get_collection',
  '/qdrant.Collections/List': 'get_collections',
  '/qdrant.Collections/Create': 'create_collection',
  '/qdrant.Collections/Update': 'update_collection',
  '/qdrant.Collections/Delete': 'delete_collection',
  '/qdrant.Collections/UpdateAliases': 'update_aliases',
  '/qdrant.Collections/ListCollectionAliases': 'get_collection_aliases',
  '/qdrant.Collections/ListAliases': 'get_collections_aliases',
  '/qdrant.Collections/CollectionClusterInfo': 'collection_cluster_info',
  '/qdrant.Collections/CollectionExists': 'collection_exists',
  '/qdrant.Collections/UpdateCollectionClusterSetup': 'update_collection_cluster',
  '/qdrant.Collections/CreateShardKey': 'create_shard_key',
  '/qdrant.Collections/DeleteShardKey': 'delete_shard_key',
  '/qdrant.Collections/ListShardKeys': 'list_shard_keys',
  // qdrant.Points
  '/qdrant.Points/Upsert': 'upsert_points',
  '/qdrant.Points/Delete': 'delete_points',
  '/qdrant.Points/Get': 'get_points',
  '/qdrant.Points/UpdateVectors': 'update_vectors',
  '/qdrant.Points/DeleteVectors': 'delete_vectors',
  '/qdrant.Points/SetPayload': 'set_payload',
  '/qdrant.Points/OverwritePayload': 'overwrite_payload',
  '/qdrant.Points/DeletePayload': 'delete_payload',
  '/qdrant.Points/ClearPayload': 'clear_payload',
  '/qdrant.Points/CreateFieldIndex': 'create_field_index',
  '/qdrant.Points/DeleteFieldIndex': 'delete_field_index',
  '/qdrant.Points/CreateVectorName': 'create_vector_name',
  '/qdrant.Points/DeleteVectorName': 'delete_vector_name',
  '/qdrant.Points/Search': 'search_points',
  '/qdrant.Points/SearchBatch': 'search_batch_points',
  '/qdrant.Points/SearchGroups': 'search_point_groups',
  '/qdrant.Points/Scroll': 'scroll_points',
  '/qdrant.Points/Recommend': 'recommend_points',
  '/qdrant.Points/RecommendBatch': 'recommend_batch_points',
  '/qdrant.Points/RecommendGroups': 'recommend_point_groups',
  '/qdrant.Points/Discover': 'discover_points',
  '/qdrant.Points/DiscoverBatch': 'discover_batch_points',
  '/qdrant.Points/Count': 'count_points',
  '/qdrant.Points/UpdateBatch': 'batch_update',
  '/qdrant.Points/Query': 'query_points',
  '/qdrant.Points/QueryBatch': 'query_batch_points',
  '/qdrant.Points/QueryGroups': 'query_points_groups',
  '/qdrant.Points/Facet': 'facet',
  '/qdrant.Points/SearchMatrixPairs': 'search_matrix_pairs',
  '/qdrant.Points/SearchMatrixOffsets': 'search_matrix_offsets',
  // qdrant.Snapshots
  '/qdrant.Snapshots/Create': 'create_snapshot',
  '/qdrant.Snapshots/List': 'list_snapshots',
  '/qdrant.Snapshots/Delete': 'delete_snapshot',
  '/qdrant.Snapshots/CreateFull': 'create_full_snapshot',
  '/qdrant.Snapshots/ListFull': 'list_full_snapshots',
  '/qdrant.Snapshots/DeleteFull': 'delete_full_snapshot',
  // qdrant.ShardSnapshots
  '/qdrant.ShardSnapshots/Create': 'create_shard_snapshot',
  '/qdrant.ShardSnapshots/List': 'list_shard_snapshots',
  '/qdrant.ShardSnapshots/Delete': 'delete_shard_snapshot',
  '/qdrant.ShardSnapshots/Recover': 'recover_shard_from_snapshot',
} as const satisfies Record<string, OperationName>;

export type RpcPath = keyof typeof RPC_OPERATIONS;

export function isRpcPath(path: string): path is RpcPath {
  return Object.hasOwn(RPC_OPERATIONS, path);
}

/**
 * Checks that the table and the served RPCs are the same set.
 * @throws Error naming the RPCs without a row and the rows without an RPC
 */
export function checkRpcTable(servedPaths: readonly string[]): void {
  const served = new Set(servedPaths);
  const missing = servedPaths.filter((p) => !isRpcPath(p));
  const extra = Object.keys(RPC_OPERATIONS).filter((p) => !served.has(p));
  if (missing.length + extra.length > 0) {
    throw new Error(`gRPC RPC table is out of date: no operation for [${missing.join(', ')}]; rows for unserved RPCs [${extra.join(', ')}]`);
  }
}
