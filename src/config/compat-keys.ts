/**
 * Keys accepted only for compatibility: Qdrant's configuration files load unchanged, but these settings do
 * not change what Quiver does (a single node, one segment per collection). Each entry says why.
 * At startup, every one of them set to a value other than its default is named in a warning, so no setting
 * is silently inert. `tests/unit/config/compat-keys.test.ts` checks that every path exists in the schema.
 */
import { DEFAULT_CONFIG, type Config } from './schema.js';

const SINGLE_NODE = 'Quiver runs as a single node';
const ONE_SEGMENT = 'Quiver keeps one segment per collection and optimizes in the background on its own';
const RECORDED = 'recorded in new collections\' config for clients, without effect';

/** Dotted key path → why the key has no effect. */
export const COMPAT_KEYS: Readonly<Record<string, string>> = {
  'service.max_workers': 'requests are served on the event loop; searches are not spread over worker threads',
  'service.enforce_internal_auth': `${SINGLE_NODE}: there is no internal API`,
  'service.hardware_reporting': 'responses carry no hardware usage',
  'logger.on_disk.buffer_size_bytes': 'the log file is written through a buffered stream whose size is not configurable',
  'storage.on_disk_payload': 'payloads are always kept in the storage environment (LMDB)',
  'storage.payload.memory': 'payloads are always kept in the storage environment (LMDB)',
  'storage.low_memory_mode': 'collections load the same way in every mode',
  'storage.update_concurrency': 'updates of one collection are applied in order, one at a time',
  'storage.wal.wal_capacity_mb': `${RECORDED}: the store is LMDB, there is no separate WAL`,
  'storage.wal.wal_segments_ahead': `${RECORDED}: the store is LMDB, there is no separate WAL`,
  'storage.node_type': SINGLE_NODE,
  'storage.performance.max_search_threads': 'searches run on the event loop',
  'storage.performance.optimizer_cpu_budget': 'index builds run in time slices on the event loop',
  'storage.performance.update_rate_limit': 'updates are limited by storage.quotas, not by rate',
  'storage.performance.incoming_shard_transfers_limit': SINGLE_NODE,
  'storage.performance.outgoing_shard_transfers_limit': SINGLE_NODE,
  'storage.performance.async_scorer': 'vectors are scored in memory',
  'storage.performance.io_uring': 'vectors are scored in memory',
  'storage.performance.max_concurrent_collection_loads': 'collections load one after the other',
  'storage.performance.max_concurrent_shard_loads': SINGLE_NODE,
  'storage.performance.max_concurrent_segment_loads': ONE_SEGMENT,
  'storage.optimizers.deleted_threshold': `${RECORDED}; ${ONE_SEGMENT}`,
  'storage.optimizers.vacuum_min_vector_number': `${RECORDED}; ${ONE_SEGMENT}`,
  'storage.optimizers.default_segment_number': `${RECORDED}; ${ONE_SEGMENT}`,
  'storage.optimizers.max_segment_size_kb': `${RECORDED}; ${ONE_SEGMENT}`,
  'storage.optimizers.flush_interval_sec': `${RECORDED}; every acknowledged write is already durable`,
  'storage.optimizers.max_optimization_threads': `${RECORDED}; ${ONE_SEGMENT}`,
  'storage.optimizers_overwrite': ONE_SEGMENT,
  'storage.hnsw_index.max_indexing_threads': `${RECORDED}; background builds run in time slices`,
  'storage.hnsw_index.on_disk': `${RECORDED}; graphs are kept in memory`,
  'storage.hnsw_index.memory': 'graphs are kept in memory',
  'storage.hnsw_index.payload_m': 'there are no payload-aware graph links',
  'storage.shard_transfer_method': SINGLE_NODE,
  'storage.collection.replication_factor': SINGLE_NODE,
  'storage.collection.write_consistency_factor': SINGLE_NODE,
  'storage.collection.shard_number_per_node': SINGLE_NODE,
  'storage.collection.vectors.on_disk': 'vectors are kept in memory',
  'storage.collection.vectors.memory': 'vectors are kept in memory',
  'storage.collection.quantization': 'vectors are scored unquantized',
  'storage.collection.strict_mode': 'strict mode defaults are not applied to new collections',
  'storage.snapshots_config.snapshots_storage': 'snapshots are stored locally under storage.snapshots_path',
  'storage.snapshots_config.s3_config': 'snapshots are stored locally under storage.snapshots_path',
  'cluster.p2p': SINGLE_NODE,
  'cluster.consensus': SINGLE_NODE,
  'tls.ca_cert': 'used only with service.verify_https_client_certificate (mTLS); there is no peer-to-peer TLS',
};

function at(config: unknown, path: string): unknown {
  let node = config;
  for (const part of path.split('.')) node = (node as Record<string, unknown> | null | undefined)?.[part];
  return node;
}

/** One warning per compatibility-only key whose value differs from its default. */
export function compatWarnings(config: Config): string[] {
  const warnings: string[] = [];
  for (const [path, why] of Object.entries(COMPAT_KEYS)) {
    if (path === 'tls.ca_cert' && config.service.verify_https_client_certificate) continue;
    const value = at(config, path);
    if (JSON.stringify(value) !== JSON.stringify(at(DEFAULT_CONFIG, path))) {
      warnings.push(`config: ${path} is set to ${JSON.stringify(value)} but has no effect (${why})`);
    }
  }
  return warnings;
}
