/**
 * The Qdrant series of `/metrics`, derived from telemetry exactly as Qdrant 1.19 derives them
 * (src/common/metrics/{app,collections,cluster,requests,memory,quota}.rs): same names, help texts,
 * types, labels and order; a family with no samples is left out.
 *
 * Requests: only Qdrant's whitelisted endpoints appear (search, query, recommend, discover, scroll, count,
 * facet, upserts and other point writes, matrix, index); `rest_responses_total{method,endpoint,status}`
 * counts every response, the duration series (`_avg/_min/_max_duration_seconds` and the
 * `rest_responses_duration_seconds` histogram) are for status 200 only; gRPC series are labelled
 * `{endpoint,status}` with the gRPC code. `per_collection=true` renders the request series per collection
 * (an added `collection` label) instead of globally.
 */
import type { ResponseSeries } from './request-stats.js';
import type { Family, Labels, Sample } from './prometheus-text.js';
import type { TelemetrySource } from './telemetry.js';

const REST_ENDPOINT_WHITELIST: ReadonlySet<string> = new Set([
  '/collections/{collection_name}/index',
  '/collections/{collection_name}/points',
  '/collections/{collection_name}/points/batch',
  '/collections/{collection_name}/points/count',
  '/collections/{collection_name}/points/delete',
  '/collections/{collection_name}/points/discover',
  '/collections/{collection_name}/points/discover/batch',
  '/collections/{collection_name}/points/facet',
  '/collections/{collection_name}/points/payload',
  '/collections/{collection_name}/points/payload/clear',
  '/collections/{collection_name}/points/payload/delete',
  '/collections/{collection_name}/points/query',
  '/collections/{collection_name}/points/query/batch',
  '/collections/{collection_name}/points/query/groups',
  '/collections/{collection_name}/points/recommend',
  '/collections/{collection_name}/points/recommend/batch',
  '/collections/{collection_name}/points/recommend/groups',
  '/collections/{collection_name}/points/scroll',
  '/collections/{collection_name}/points/search',
  '/collections/{collection_name}/points/search/batch',
  '/collections/{collection_name}/points/search/groups',
  '/collections/{collection_name}/points/search/matrix/offsets',
  '/collections/{collection_name}/points/search/matrix/pairs',
  '/collections/{collection_name}/points/vectors',
  '/collections/{collection_name}/points/vectors/delete',
  '/collections/{collection_name}/vectors/{vector_name}',
]);

const GRPC_ENDPOINT_WHITELIST: ReadonlySet<string> = new Set([
  '/qdrant.Points/ClearPayload', '/qdrant.Points/Count', '/qdrant.Points/CreateVectorName', '/qdrant.Points/Delete',
  '/qdrant.Points/DeletePayload', '/qdrant.Points/DeleteVectorName', '/qdrant.Points/Discover', '/qdrant.Points/DiscoverBatch',
  '/qdrant.Points/Facet', '/qdrant.Points/Get', '/qdrant.Points/OverwritePayload', '/qdrant.Points/Query',
  '/qdrant.Points/QueryBatch', '/qdrant.Points/QueryGroups', '/qdrant.Points/Recommend', '/qdrant.Points/RecommendBatch',
  '/qdrant.Points/RecommendGroups', '/qdrant.Points/Scroll', '/qdrant.Points/Search', '/qdrant.Points/SearchBatch',
  '/qdrant.Points/SearchGroups', '/qdrant.Points/SetPayload', '/qdrant.Points/UpdateBatch', '/qdrant.Points/UpdateVectors',
  '/qdrant.Points/Upsert',
]);

/** Qdrant's `OperationDurationMetricsBuilder` for one transport. */
function responseFamilies(transport: 'rest' | 'grpc', series: readonly ResponseSeries[]): Family[] {
  const total: Sample[] = [];
  const avg: Sample[] = [];
  const min: Sample[] = [];
  const max: Sample[] = [];
  const histogram: Sample[] = [];
  for (const s of series) {
    let labels: Array<readonly [string, string]>;
    if (transport === 'rest') {
      const space = s.key.indexOf(' ');
      const endpoint = s.key.slice(space + 1);
      if (space < 0 || !REST_ENDPOINT_WHITELIST.has(endpoint)) continue;
      labels = [['method', s.key.slice(0, space)], ['endpoint', endpoint], ['status', String(s.status)]];
    } else {
      if (!GRPC_ENDPOINT_WHITELIST.has(s.key)) continue;
      labels = [['endpoint', s.key], ['status', String(s.status)]];
    }
    if (s.collection !== undefined) labels.push(['collection', s.collection]);
    const stats = s.snapshot.stats;
    total.push({ labels, value: stats.count });
    if (transport === 'rest' && s.status !== 200) continue;
    avg.push({ labels, value: (stats.avg_duration_micros ?? 0) / 1e6 });
    min.push({ labels, value: (stats.min_duration_micros ?? 0) / 1e6 });
    max.push({ labels, value: (stats.max_duration_micros ?? 0) / 1e6 });
    histogram.push({ labels, count: stats.count, sum: (stats.total_duration_micros ?? 0) / 1e6, buckets: s.snapshot.histogram.map(([le, c]) => [le / 1e6, c] as const) });
  }
  return [
    { name: `${transport}_responses_total`, help: 'total number of responses', type: 'counter', samples: total },
    { name: `${transport}_responses_avg_duration_seconds`, help: 'average response duration', type: 'gauge', samples: avg },
    { name: `${transport}_responses_min_duration_seconds`, help: 'minimum response duration', type: 'gauge', samples: min },
    { name: `${transport}_responses_max_duration_seconds`, help: 'maximum response duration', type: 'gauge', samples: max },
    { name: `${transport}_responses_duration_seconds`, help: 'response duration histogram', type: 'histogram', samples: histogram },
  ];
}

const id = (name: string): Labels => [['id', name]];
const one = (value: number, labels: Labels = []): Sample[] => [{ labels, value }];

/** Every Qdrant family, in Qdrant's order. */
export function qdrantFamilies(src: TelemetrySource, perCollection: boolean): Family[] {
  const collections = src.collections();
  const families: Family[] = [
    { name: 'app_info', help: 'information about qdrant server', type: 'gauge', samples: one(1, [['name', 'qdrant'], ['version', src.compatVersion]]) },
    { name: 'app_status_recovery_mode', help: 'features enabled in qdrant server', type: 'gauge', samples: one(src.recoveryMode ? 1 : 0) },
  ];
  if (src.auditDirSize !== null) families.push({ name: 'audit_log_dir_size_bytes', help: 'size of the audit log directory on disk in bytes', type: 'gauge', samples: one(src.auditDirSize()) });
  const vectorsByName: Sample[] = [];
  for (const c of collections) for (const [vector, count] of c.vectorsByName) vectorsByName.push({ labels: [['collection', c.id], ['vector', vector]], value: count });
  const vectorTotal = vectorsByName.reduce((n, s) => n + ('value' in s ? s.value : 0), 0);
  // A standalone node holds one active replica of each shard.
  const replicas = collections.length === 0 ? 0 : 1;
  const snapshots = collections.map((c) => ({ id: c.id, ...src.snapshots(c.id) }));
  families.push(
    { name: 'collections_total', help: 'number of collections', type: 'gauge', samples: one(collections.length) },
    { name: 'collections_vector_total', help: 'total number of vectors in all collections', type: 'gauge', samples: one(vectorTotal) },
    { name: 'collection_vectors', help: 'amount of vectors grouped by vector name', type: 'gauge', samples: vectorsByName },
    { name: 'collection_active_replicas_min', help: 'minimum number of active replicas across all shards', type: 'gauge', samples: one(replicas) },
    { name: 'collection_active_replicas_max', help: 'maximum number of active replicas across all shards', type: 'gauge', samples: one(replicas) },
    { name: 'collection_running_optimizations', help: 'number of currently running optimization tasks per collection', type: 'gauge', samples: collections.map((c) => ({ labels: id(c.id), value: c.optimizing ? 1 : 0 })) },
    { name: 'collection_points', help: 'approximate amount of points per collection', type: 'gauge', samples: collections.map((c) => ({ labels: id(c.id), value: c.pointsCount })) },
    { name: 'collection_dead_replicas', help: 'total amount of shard replicas in non-active state', type: 'gauge', samples: one(0) },
    { name: 'snapshot_creation_running', help: 'amount of snapshot creations that are currently running', type: 'gauge', samples: snapshots.map((s) => ({ labels: id(s.id), value: s.running })) },
    { name: 'snapshot_recovery_running', help: 'amount of snapshot recovery operations currently running', type: 'gauge', samples: snapshots.map((s) => ({ labels: id(s.id), value: s.recovering })) },
    { name: 'snapshot_created_total', help: 'total amount of snapshots created', type: 'counter', samples: snapshots.map((s) => ({ labels: id(s.id), value: s.created })) },
    { name: 'collection_shard_transfer_incoming', help: 'incoming shard transfers currently running', type: 'gauge', samples: collections.map((c) => ({ labels: id(c.id), value: 0 })) },
    { name: 'collection_shard_transfer_outgoing', help: 'outgoing shard transfers currently running', type: 'gauge', samples: collections.map((c) => ({ labels: id(c.id), value: 0 })) },
    { name: 'collection_update_queue_length', help: 'number of pending operations in update queues per collection', type: 'gauge', samples: collections.map((c) => ({ labels: id(c.id), value: 0 })) },
    { name: 'collection_update_queue_deferred_points', help: "number of points currently hidden during read operations as they're not yet optimized", type: 'gauge', samples: collections.map((c) => ({ labels: id(c.id), value: 0 })) },
    { name: 'cluster_enabled', help: 'is cluster support enabled', type: 'gauge', samples: one(src.clusterEnabled ? 1 : 0) },
    ...responseFamilies('rest', src.rest.series(perCollection)),
    ...responseFamilies('grpc', src.grpc.series(perCollection)),
  );
  const m = src.memory();
  families.push(
    { name: 'memory_active_bytes', help: 'Total number of bytes in active pages allocated by the application', type: 'gauge', samples: one(m.active_bytes) },
    { name: 'memory_allocated_bytes', help: 'Total number of bytes allocated by the application', type: 'gauge', samples: one(m.allocated_bytes) },
    { name: 'memory_metadata_bytes', help: 'Total number of bytes dedicated to metadata', type: 'gauge', samples: one(m.metadata_bytes) },
    { name: 'memory_resident_bytes', help: 'Maximum number of bytes in physically resident data pages mapped', type: 'gauge', samples: one(m.resident_bytes) },
    { name: 'memory_retained_bytes', help: 'Total number of bytes in virtual memory mappings', type: 'gauge', samples: one(m.retained_bytes) },
  );
  const exceeded = (src.quota()['exceeded'] ?? {}) as { resident_memory?: boolean | null; disk_usage?: boolean | null };
  const quota: Sample[] = [];
  if (typeof exceeded.resident_memory === 'boolean') quota.push({ labels: [['resource', 'memory']], value: exceeded.resident_memory ? 1 : 0 });
  if (typeof exceeded.disk_usage === 'boolean') quota.push({ labels: [['resource', 'disk']], value: exceeded.disk_usage ? 1 : 0 });
  families.push({ name: 'quota_exceeded', help: 'whether this node is at or over the configured quota for a resource', type: 'gauge', samples: quota });
  return families;
}

