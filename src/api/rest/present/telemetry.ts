/**
 * `GET /telemetry` as a standalone Qdrant 1.19 node reports it (src/common/telemetry.rs and
 * telemetry_ops/*), by `details_level`:
 *
 * - 0: `id`, `app` {name, version, startup, jwt_rbac / hide_jwt_dashboard when configured, audit when
 *   enabled}, `collections.number_of_collections` (and `max_collections` when set), `cluster.enabled`,
 *   `requests` {rest, grpc}.{responses} with counts and averages, `quota`;
 * - 1: adds `app.features`, `app.runtime_features`, `app.hnsw_global_config`, `app.system`, response min / max /
 *   total / last time, `collections.collections` aggregated per collection ({vectors, optimizers_status,
 *   params}), `memory`, `hardware`;
 * - 2 and more: each collection in full ({id, init_time_ms, config, shards, transfers, resharding,
 *   shard_clean_tasks}) and per-collection snapshot counters; the audit directory size from level 3.
 *
 * `per_collection=true` adds `requests.*.per_collection_responses`. Quiver adds `app.quiver_version`.
 * The same data feeds the Qdrant series of `/metrics` (metrics-families.ts).
 */
import { cpus, endianness, platform, release, totalmem } from 'node:os';
import type { CollectionTelemetrySource, TelemetrySource } from '../../../service/telemetry.js';
import type { RequestStats, ResponsesTelemetry } from '../../../service/request-stats.js';

export interface TelemetryRequest {
  readonly level: number;
  readonly perCollection: boolean;
}

/** Qdrant's runtime feature flags (`FeatureFlags`) as 1.19 reports their defaults. */
const RUNTIME_FEATURES = {
  all: false,
  incremental_hnsw_building: true,
  appendable_quantization: true,
  single_file_mmap_vector_storage: true,
} as const;

function system(src: TelemetrySource): Record<string, unknown> {
  return {
    distribution: src.distribution.id ?? platform(),
    distribution_version: src.distribution.version ?? release(),
    is_docker: src.isDocker,
    cores: cpus().length,
    ram_size: Math.round(totalmem() / 1024),
    disk_size: src.diskSize(),
    cpu_flags: '',
    cpu_endian: endianness() === 'LE' ? 'little' : 'big',
  };
}

function app(src: TelemetrySource, level: number): Record<string, unknown> {
  const out: Record<string, unknown> = { name: 'qdrant', version: src.compatVersion };
  if (level >= 1) {
    out['features'] = { debug: false, service_debug_feature: false, recovery_mode: src.recoveryMode, gpu: false, rocksdb: false, staging: false };
    out['runtime_features'] = { ...RUNTIME_FEATURES };
    out['hnsw_global_config'] = { healing_threshold: 0.3 };
    out['system'] = system(src);
  }
  if (src.jwtRbac !== null) out['jwt_rbac'] = src.jwtRbac;
  if (src.hideJwtDashboard !== null) out['hide_jwt_dashboard'] = src.hideJwtDashboard;
  if (src.audit !== null) {
    const audit = src.audit();
    if (level > 2 && src.auditDirSize !== null) audit['dir_size_bytes'] = src.auditDirSize();
    out['audit'] = audit;
  }
  out['startup'] = src.startedAt.toISOString();
  out['quiver_version'] = src.quiverVersion;
  return out;
}

function fullCollection(c: CollectionTelemetrySource): Record<string, unknown> {
  const config = c.config;
  const byName = Object.fromEntries(c.vectorsByName);
  return {
    id: c.id,
    init_time_ms: 0,
    config: {
      params: config.params,
      hnsw_config: config.hnsw_config,
      optimizer_config: config.optimizer_config,
      wal_config: config.wal_config,
      quantization_config: config.quantization_config ?? null,
      strict_mode_config: config.strict_mode_config ?? null,
      uuid: c.uuid,
      ...(config.metadata === undefined ? {} : { metadata: config.metadata }),
    },
    shards: [{
      id: 0,
      key: null,
      local: {
        variant_name: 'local',
        status: c.optimizing ? 'yellow' : 'green',
        total_optimized_points: 0,
        vectors_size_bytes: c.vectorsSizeBytes(),
        payloads_size_bytes: c.payloadsSizeBytes(),
        num_points: c.pointsCount,
        num_vectors: c.vectorsCount,
        num_vectors_by_name: byName,
        segments: [],
        optimizations: { status: 'ok', optimizations: { count: 0 }, log: [] },
        async_scorer: false,
        indexed_only_excluded_vectors: {},
        update_queue: { length: 0, deferred_points: 0 },
      },
      remote: [],
      replicate_states: { '1': 'Active' },
      partial_snapshot: null,
    }],
    transfers: [],
    resharding: [],
    shard_clean_tasks: {},
  };
}

function aggregatedCollection(c: CollectionTelemetrySource): Record<string, unknown> {
  return { vectors: c.vectorsCount, optimizers_status: 'ok', params: c.config.params };
}

function requests(stats: RequestStats, r: TelemetryRequest): { responses: ResponsesTelemetry; per_collection_responses?: Record<string, ResponsesTelemetry> } {
  return stats.telemetry(r.level, r.perCollection);
}

/** The telemetry document for `details_level` / `per_collection`. */
export function collectTelemetry(src: TelemetrySource, r: TelemetryRequest): Record<string, unknown> {
  const list = src.collections();
  const collections: Record<string, unknown> = { number_of_collections: list.length };
  if (src.maxCollections !== null) collections['max_collections'] = src.maxCollections;
  if (r.level >= 1) {
    collections['collections'] = r.level >= 2 ? list.map(fullCollection) : list.map(aggregatedCollection);
    collections['snapshots'] = r.level >= 2
      ? list.map((c) => {
        const s = src.snapshots(c.id);
        return { id: c.id, running_snapshots: s.running, running_snapshot_recovery: s.recovering, total_snapshot_creations: s.created };
      })
      : [];
  }
  const out: Record<string, unknown> = {
    id: src.id,
    app: app(src, r.level),
    collections,
    cluster: { enabled: src.clusterEnabled },
    requests: { rest: requests(src.rest, r), grpc: requests(src.grpc, r) },
  };
  if (r.level > 0) {
    out['memory'] = src.memory();
    out['hardware'] = { collection_data: {} };
  }
  out['quota'] = src.quota();
  return out;
}
