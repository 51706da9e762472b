/**
 * Routes of Qdrant's API whose handlers are not built yet. They are registered so that access control
 * decides on them like on every other route (a denied caller gets 401/403, never a hint), and an
 * allowed caller gets a clear 501 in Qdrant's error format.
 */
import { route, type RouteRow, type HttpMethod } from '../route-table.js';
import { AppError } from '../../../errors.js';

const PENDING: Array<[HttpMethod, string, string, string]> = [
  ['POST', '/collections/{collection_name}/points/search', 'search_points', 'search issue'],
  ['POST', '/collections/{collection_name}/points/search/batch', 'search_batch_points', 'search issue'],
  ['POST', '/collections/{collection_name}/points/search/groups', 'search_point_groups', 'search issue'],
  ['POST', '/collections/{collection_name}/points/recommend', 'recommend_points', 'search issue'],
  ['POST', '/collections/{collection_name}/points/recommend/batch', 'recommend_batch_points', 'search issue'],
  ['POST', '/collections/{collection_name}/points/recommend/groups', 'recommend_point_groups', 'search issue'],
  ['POST', '/collections/{collection_name}/points/discover', 'discover_points', 'search issue'],
  ['POST', '/collections/{collection_name}/points/discover/batch', 'discover_batch_points', 'search issue'],
  ['POST', '/collections/{collection_name}/points/query/groups', 'query_points_groups', 'search issue'],
  ['POST', '/collections/{collection_name}/points/search/matrix/pairs', 'search_matrix_pairs', 'search issue'],
  ['POST', '/collections/{collection_name}/points/search/matrix/offsets', 'search_matrix_offsets', 'search issue'],
  ['POST', '/collections/{collection_name}/snapshots/upload', 'recover_from_uploaded_snapshot', 'snapshots issue'],
  ['PUT', '/collections/{collection_name}/snapshots/recover', 'recover_from_snapshot', 'snapshots issue'],
  ['GET', '/collections/{collection_name}/snapshots', 'list_snapshots', 'snapshots issue'],
  ['POST', '/collections/{collection_name}/snapshots', 'create_snapshot', 'snapshots issue'],
  ['DELETE', '/collections/{collection_name}/snapshots/{snapshot_name}', 'delete_snapshot', 'snapshots issue'],
  ['GET', '/collections/{collection_name}/snapshots/{snapshot_name}', 'get_snapshot', 'snapshots issue'],
  ['GET', '/snapshots', 'list_full_snapshots', 'snapshots issue'],
  ['POST', '/snapshots', 'create_full_snapshot', 'snapshots issue'],
  ['DELETE', '/snapshots/{snapshot_name}', 'delete_full_snapshot', 'snapshots issue'],
  ['GET', '/snapshots/{snapshot_name}', 'get_full_snapshot', 'snapshots issue'],
  ['GET', '/collections/{collection_name}/shards/{shard_id}/snapshot', 'stream_shard_snapshot', 'snapshots issue'],
  ['POST', '/collections/{collection_name}/shards/{shard_id}/snapshots/upload', 'recover_shard_from_uploaded_snapshot', 'snapshots issue'],
  ['PUT', '/collections/{collection_name}/shards/{shard_id}/snapshots/recover', 'recover_shard_from_snapshot', 'snapshots issue'],
  ['GET', '/collections/{collection_name}/shards/{shard_id}/snapshots', 'list_shard_snapshots', 'snapshots issue'],
  ['POST', '/collections/{collection_name}/shards/{shard_id}/snapshots', 'create_shard_snapshot', 'snapshots issue'],
  ['DELETE', '/collections/{collection_name}/shards/{shard_id}/snapshots/{snapshot_name}', 'delete_shard_snapshot', 'snapshots issue'],
  ['GET', '/collections/{collection_name}/shards/{shard_id}/snapshots/{snapshot_name}', 'get_shard_snapshot', 'snapshots issue'],
];

export const notBuiltRoutes: RouteRow[] = PENDING.map(([method, path, operation, issue]) =>
  route(method, path, operation, () => {
    throw new AppError('NOT_IMPLEMENTED', [`${operation} is not implemented yet (planned in the ${issue})`]);
  }),
);
