/**
 * Quiver's configuration: the type, the validators of every key and the built-in defaults, in one place.
 *
 * Keys and file format are Qdrant's (`spec/qdrant-config-reference.yaml`), so a Qdrant config file and
 * `QDRANT__SECTION__KEY` environment variables carry over. Keys marked **Quiver** do not exist in Qdrant. Where
 * Quiver's default differs from Qdrant's, it is the safer one and says so (`service.host`,
 * `service.enable_snapshot_url_recovery`). Field names are snake_case exactly as in the YAML.
 *
 * `DEFAULT_CONFIG` is the only place defaults live; `CONFIG_SCHEMA` holds one validator per key, and the compiler
 * checks that it covers every key of {@link ConfigData}. `config/config.yaml` at the repository root documents the
 * same keys with the same values (a test keeps them equal).
 */
import { ConfigError } from './config-error.js';
import { deepFreeze } from './freeze.js';
import type { DeepReadonly } from './freeze.js';
import { quantization } from './quantization.js';
import { jwtIssuers } from './jwt-issuers.js';
import type { JwtIssuerConfig } from './jwt-issuers.js';
import { tlsClientAccess } from './tls-client-access.js';
import type { TlsClientAccessEntry } from './tls-client-access.js';
import type { QuantizationConfig } from './quantization.js';
import {
  bool, float, int, isIpOrCidr, isOrigin, nullable, nullableSection, oneOf, path, section, str, stringList,
} from './spec.js';
import type { SectionSpec } from './spec.js';

export { ConfigError };
export type { DeepReadonly, QuantizationConfig, JwtIssuerConfig };

/** Log levels (Qdrant's, case-insensitive on input, stored upper-case). */
export const LOG_LEVELS = ['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR', 'OFF'] as const;
/** One of {@link LOG_LEVELS}. */
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Memory placement of a storage component (Qdrant `memory`). */
export type MemoryPlacement = 'cold' | 'cached' | 'pinned';

/** Optimizer parameters (`storage.optimizers`). */
export interface OptimizersConfig {
  /** Minimal fraction (0..1) of deleted vectors in a segment that triggers its optimization. */
  deleted_threshold: number;
  /** Minimal number of vectors in a segment for it to be optimized. */
  vacuum_min_vector_number: number;
  /** Target number of segments; 0 = chosen from the number of CPUs. */
  default_segment_number: number;
  /** Largest segment size in KB; null = automatic. */
  max_segment_size_kb: number | null;
  /** Largest size in KB of vectors kept in a plain (non-indexed) segment; 0 disables indexing; null = default. */
  indexing_threshold_kb: number | null;
  /** Interval between forced flushes, in seconds. */
  flush_interval_sec: number;
  /** Max optimization jobs per shard; null = dynamic; 0 disables optimizations. */
  max_optimization_threads: number | null;
}

/** `storage.optimizers_overwrite`: each non-null value overrides every collection's optimizer config. */
export type OptimizersOverwriteConfig = { [K in keyof OptimizersConfig]: OptimizersConfig[K] | null };

/** Default HNSW parameters (`storage.hnsw_index`). */
export interface HnswIndexConfig {
  /** Edges per node in the graph; 0 disables the graph. */
  m: number;
  /** Neighbours considered while building. */
  ef_construct: number;
  /**
   * Size in KB of vectors below which a full scan is preferred over the graph. The YAML key of the reference
   * config is `full_scan_threshold_kb`, an alias Qdrant also accepts; both are read.
   */
  full_scan_threshold: number;
  /** Threads for background index building; 0 = automatic. */
  max_indexing_threads: number;
  /** Deprecated (use `memory`): keep the graph on disk. */
  on_disk: boolean;
  /** Memory placement of the graph; overrides `on_disk` when set. */
  memory: MemoryPlacement | null;
  /** M of the graph built for payload indexes; null = `m`. */
  payload_m: number | null;
}

/** Quiver's configuration, mutable form. Use {@link Config} (deeply read-only) everywhere outside the loader. */
export interface ConfigData {
  /** Log level: TRACE, DEBUG, INFO, WARN, ERROR or OFF. */
  log_level: LogLevel;
  logger: {
    /** Format of stdout logs. */
    format: 'text' | 'json';
    /** **Quiver**: requests slower than this many seconds are logged at `warn`; null = never. */
    slow_request_secs: number | null;
    on_disk: {
      enabled: boolean;
      log_file: string | null;
      /** null = `log_level`. */
      log_level: LogLevel | null;
      format: 'text' | 'json';
      buffer_size_bytes: number | null;
      /** **Quiver**: the log file is rotated when it reaches this size in MB (null = only daily). */
      max_size_mb: number | null;
      /** **Quiver**: how many rotated log files are kept. */
      max_log_files: number;
    };
  };
  storage: {
    /** Where all data is stored (resolved against `cwd`). */
    storage_path: string;
    /** Where snapshots are stored (resolved against `cwd`). */
    snapshots_path: string;
    snapshots_config: {
      snapshots_storage: 'local' | 's3';
      s3_config: {
        bucket: string | null;
        region: string | null;
        access_key: string | null;
        secret_key: string | null;
        endpoint_url: string | null;
      } | null;
    };
    /** Where temporary files go; null = `<storage_path>/snapshots_temp`. */
    temp_path: string | null;
    /**
     * **Quiver:** encryption at rest (AES-256 key of 32 bytes, hex or base64): from a file, or from an environment
     * variable named here. Both null = off.
     */
    encryption: {
      key_file: string | null;
      key_env: string | null;
    };
    /** Deprecated (use `payload.memory`): keep payloads on disk. */
    on_disk_payload: boolean;
    payload: {
      /** Memory placement of payload storage for new collections; overrides `on_disk_payload` when set. */
      memory: 'cold' | 'cached' | null;
    };
    /** Load-time memory mode (a recovery knob for nodes that crash on out-of-memory). */
    low_memory_mode: 'disabled' | 'no_resident' | 'no_populate';
    /** Max concurrent updates to shard replicas; null = maximum. */
    update_concurrency: number | null;
    wal: {
      /** Size of one WAL segment in MB. */
      wal_capacity_mb: number;
      /** WAL segments created ahead of need. */
      wal_segments_ahead: number;
    };
    node_type: 'Normal' | 'Listener';
    performance: {
      /** Search threads; 0 = automatic. */
      max_search_threads: number;
      /** CPUs for an optimization job: 0 = automatic, negative = all but that many, positive = exactly. */
      optimizer_cpu_budget: number;
      update_rate_limit: number | null;
      incoming_shard_transfers_limit: number | null;
      outgoing_shard_transfers_limit: number | null;
      async_scorer: boolean;
      /** null = follow `async_scorer`. */
      io_uring: 'disabled' | 'auto' | null;
      max_concurrent_collection_loads: number;
      max_concurrent_shard_loads: number;
      max_concurrent_segment_loads: number;
    };
    optimizers: OptimizersConfig;
    /** null = no overwrite. */
    optimizers_overwrite: OptimizersOverwriteConfig | null;
    hnsw_index: HnswIndexConfig;
    /** Preferred shard transfer method; null = automatic. */
    shard_transfer_method: 'stream_records' | 'snapshot' | 'wal_delta' | null;
    /** Defaults for new collections. */
    collection: {
      replication_factor: number;
      write_consistency_factor: number;
      vectors: {
        /** Deprecated (use `memory`). */
        on_disk: boolean | null;
        memory: 'cold' | 'cached' | null;
      };
      shard_number_per_node: number;
      /** Default quantization of new collections; null = none. */
      quantization: QuantizationConfig | null;
      /** Default strict mode of new collections; null values = not set. */
      strict_mode: {
        enabled: boolean | null;
        max_query_limit: number | null;
        max_timeout: number | null;
        unindexed_filtering_retrieve: boolean | null;
        unindexed_filtering_update: boolean | null;
        search_max_hnsw_ef: number | null;
        search_allow_exact: boolean | null;
        search_max_oversampling: number | null;
      };
    };
    /** Max number of collections; null = no limit. */
    max_collections: number | null;
    /** Node-wide resource quotas (seed values; `enabled: false` = no quota, as when Qdrant's section is absent). */
    quotas: {
      enabled: boolean;
      max_resident_memory_percent: number | null;
      max_disk_usage_percent: number | null;
      release_margin_percent: number | null;
    };
  };
  service: {
    /** Max size of a request body in MB. */
    max_request_size_mb: number;
    /** API workers; 0 = number of cores; null = `storage.performance.max_search_threads`. */
    max_workers: number | null;
    /** Address to listen on. **Quiver default `127.0.0.1`** (Qdrant: `0.0.0.0`). */
    host: string;
    http_port: number;
    /** Accepted for compatibility; Quiver does not serve gRPC yet. null = disabled. */
    grpc_port: number | null;
    enable_cors: boolean;
    enable_tls: boolean;
    /** mTLS: verify HTTPS client certificates against `tls.ca_cert`. */
    verify_https_client_certificate: boolean;
    /** Full-access key; null = not set (an empty string is normalised to null). */
    api_key: string | null;
    /** A second full-access key with the same powers, for rotation. */
    alt_api_key: string | null;
    /** Global read-only key. */
    read_only_api_key: string | null;
    /** Accept JWTs signed (HS256) with `api_key` / `alt_api_key`. */
    jwt_rbac: boolean;
    hide_jwt_dashboard: boolean;
    enforce_internal_auth: boolean;
    hardware_reporting: boolean;
    /** Prefix of metric names in `/metrics`; null = none. */
    metrics_prefix: string | null;
    /** **Quiver**: a second listener serving `/metrics` and the health probes without authentication; null = none. */
    metrics_port: number | null;
    /** **Quiver default false** (Qdrant: true): recover snapshots from http(s) URLs. */
    enable_snapshot_url_recovery: boolean;
    /** **Quiver:** explicit opt-out of refusing a non-loopback `host` without any API key. */
    allow_insecure: boolean;
    /** **Quiver:** file with more API keys (resolved against `cwd`). */
    api_keys_file: string | null;
    /** **Quiver:** client IPs / CIDR ranges allowed to connect; empty = any. */
    allowed_client_ips: string[];
    /** **Quiver:** origins CORS answers for (`https://app.example.com`); null or empty = none. */
    cors_allowed_origins: string[] | null;
    /** **Quiver:** more host names the `Host` header may carry when bound to loopback (a proxy's name). */
    allowed_hosts: string[];
    /** **Quiver:** reverse proxies (IPs / CIDRs) whose `X-Forwarded-For` entries are believed; empty = none. */
    trusted_proxies: string[];
    /** **Quiver:** URLs (or prefixes) snapshot recovery may download from when URL recovery is enabled. */
    snapshot_url_allowlist: string[];
    /** **Quiver:** seconds to drain in-flight requests on SIGTERM before closing. */
    shutdown_timeout_sec: number;
    /** Serve the web dashboard (or `static_content_dir`) at `/dashboard`. */
    enable_static_content: boolean;
    /** Directory served at `/dashboard` (resolved against `cwd`); **Quiver:** null = the bundled dashboard. */
    static_content_dir: string | null;
    /** **Quiver:** external identity providers whose asymmetric JWTs are accepted (empty = none). */
    jwt_issuers: JwtIssuerConfig[];
    /** **Quiver:** with mTLS on, client certificate identities mapped to access (empty = none). */
    tls_client_access: TlsClientAccessEntry[];
    /** **Quiver:** brute-force throttling of failed authentications per client address (on by default). */
    auth_throttle: {
      enabled: boolean;
      /** Failures within `window_sec` that block an address. */
      max_failures: number;
      window_sec: number;
      /** First block in seconds; doubles with each further block of the address. */
      block_sec: number;
      max_block_sec: number;
      /** Most addresses tracked at once; the least recently seen is forgotten first. */
      max_tracked_addresses: number;
    };
  };
  cluster: {
    /** Distributed mode on NATS JetStream (`src/cluster/`); false (the default) runs one node without NATS. */
    enabled: boolean;
    p2p: { port: number | null; enable_tls: boolean };
    consensus: { tick_period_ms: number; compact_wal_entries: number };
    /** **Quiver**: this node's stable name in the cluster; null = a random id kept in the node's store. */
    node_id: string | null;
    /** **Quiver**: namespace of every NATS subject, stream and bucket of this deployment (several deployments can share one NATS). */
    deployment: string;
    /** **Quiver**: how long a write waits for JetStream's acknowledgement, and a `wait=true` write / read-your-writes read for the local apply. */
    timeout_ms: number;
    /**
     * **Quiver**: stream compaction. A shard is snapshotted to the object store once `every_operations` operations
     * were applied since its last snapshot (0: never), and its stream purged behind the snapshot; checked every
     * `check_interval_ms` by one node.
     */
    compaction: { every_operations: number; check_interval_ms: number };
    /** **Quiver**: the NATS cluster to join. */
    nats: {
      servers: string[];
      /** A NATS `.creds` file (user JWT + nkey seed). */
      credentials_file: string | null;
      /** An nkey seed file (`SU…`), for nkey authentication. */
      nkey_seed_file: string | null;
      tls: { enabled: boolean; ca_cert: string | null; cert: string | null; key: string | null };
    };
  };
  telemetry_disabled: boolean;
  /** TLS files (resolved against `cwd`); required when `service.enable_tls` is true. */
  tls: {
    cert: string | null;
    key: string | null;
    ca_cert: string | null;
    /** Seconds between reloads of cert, key (and, in Quiver, CA) from disk; null = never. */
    cert_ttl: number | null;
  };
  /** Audit log (Qdrant's keys, plus **Quiver** `fail_closed`, `sink`, `hmac_key`, `hmac_key_file`). */
  audit: {
    enabled: boolean;
    /** Directory of audit files (resolved against `cwd`). */
    dir: string;
    rotation: 'daily' | 'hourly';
    /** Files kept; older ones are deleted. */
    max_log_files: number;
    /** Take the client address from X-Forwarded-For: trusts a loopback proxy unless `service.trusted_proxies` is set. */
    trust_forwarded_headers: boolean;
    /** **Quiver:** refuse requests when their audit record cannot be written. */
    fail_closed: boolean;
    /** **Quiver:** where audit records go. */
    sink: 'file' | 'stdout' | 'both';
    /** **Quiver:** key of the tamper-evident hash chain; at most one of `hmac_key`, `hmac_key_file`. */
    hmac_key: string | null;
    /** **Quiver:** file holding the chain key (resolved against `cwd`). */
    hmac_key_file: string | null;
  };
}

/** The validated, deeply frozen configuration passed down from `main.ts`. */
export type Config = DeepReadonly<ConfigData>;

const PORT = { min: 0, max: 65535 } as const;
const NON_NEGATIVE = { min: 0 } as const;
const POSITIVE = { min: 1 } as const;
const PERCENT = { min: 0, max: 100 } as const;
const METRIC_PREFIX = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;

const logLevel = oneOf(LOG_LEVELS);
const logFormat = oneOf(['text', 'json'] as const);
const secret = nullable(str({ secret: true }));

const optimizerFields = {
  deleted_threshold: float({ min: 0, max: 1 }),
  vacuum_min_vector_number: int({ min: 100 }),
  default_segment_number: int(NON_NEGATIVE),
  max_segment_size_kb: nullable(int(POSITIVE)),
  indexing_threshold_kb: nullable(int(NON_NEGATIVE)),
  flush_interval_sec: int(NON_NEGATIVE),
  max_optimization_threads: nullable(int(NON_NEGATIVE)),
} as const;

/** One validator per key; the compiler checks it covers {@link ConfigData} exactly. */
export const CONFIG_SCHEMA: SectionSpec<ConfigData> = section<ConfigData>({
  log_level: logLevel,
  logger: section({
    format: logFormat,
    slow_request_secs: nullable(float({ min: 0 })),
    on_disk: section({
      enabled: bool(),
      log_file: nullable(path()),
      log_level: nullable(logLevel),
      format: logFormat,
      buffer_size_bytes: nullable(int(POSITIVE)),
      max_size_mb: nullable(int(POSITIVE)),
      max_log_files: int(POSITIVE),
    }),
  }),
  storage: section({
    storage_path: path(),
    snapshots_path: path(),
    snapshots_config: section({
      snapshots_storage: oneOf(['local', 's3'] as const),
      s3_config: nullableSection(
        {
          bucket: nullable(str()),
          region: nullable(str()),
          access_key: nullable(str({ secret: true })),
          secret_key: nullable(str({ secret: true })),
          endpoint_url: nullable(str()),
        },
        { bucket: null, region: null, access_key: null, secret_key: null, endpoint_url: null },
      ),
    }),
    temp_path: nullable(path()),
    encryption: section({ key_file: nullable(path()), key_env: nullable(str()) }),
    on_disk_payload: bool(),
    payload: section({ memory: nullable(oneOf(['cold', 'cached'] as const)) }),
    low_memory_mode: oneOf(['disabled', 'no_resident', 'no_populate'] as const),
    update_concurrency: nullable(int(POSITIVE)),
    wal: section({
      wal_capacity_mb: int(POSITIVE),
      wal_segments_ahead: int(NON_NEGATIVE),
    }),
    node_type: oneOf(['Normal', 'Listener'] as const),
    performance: section({
      max_search_threads: int(NON_NEGATIVE),
      optimizer_cpu_budget: int(),
      update_rate_limit: nullable(int(POSITIVE)),
      incoming_shard_transfers_limit: nullable(int(NON_NEGATIVE)),
      outgoing_shard_transfers_limit: nullable(int(NON_NEGATIVE)),
      async_scorer: bool(),
      io_uring: nullable(oneOf(['disabled', 'auto'] as const)),
      max_concurrent_collection_loads: int(POSITIVE),
      max_concurrent_shard_loads: int(POSITIVE),
      max_concurrent_segment_loads: int(POSITIVE),
    }),
    optimizers: section(optimizerFields),
    optimizers_overwrite: nullableSection<OptimizersOverwriteConfig>(
      {
        deleted_threshold: nullable(optimizerFields.deleted_threshold),
        vacuum_min_vector_number: nullable(optimizerFields.vacuum_min_vector_number),
        default_segment_number: nullable(optimizerFields.default_segment_number),
        max_segment_size_kb: optimizerFields.max_segment_size_kb,
        indexing_threshold_kb: optimizerFields.indexing_threshold_kb,
        flush_interval_sec: nullable(optimizerFields.flush_interval_sec),
        max_optimization_threads: optimizerFields.max_optimization_threads,
      },
      {
        deleted_threshold: null,
        vacuum_min_vector_number: null,
        default_segment_number: null,
        max_segment_size_kb: null,
        indexing_threshold_kb: null,
        flush_interval_sec: null,
        max_optimization_threads: null,
      },
    ),
    hnsw_index: section<HnswIndexConfig>(
      {
        m: int(NON_NEGATIVE),
        ef_construct: int({ min: 4 }),
        full_scan_threshold: int({ min: 10 }),
        max_indexing_threads: int(NON_NEGATIVE),
        on_disk: bool(),
        memory: nullable(oneOf(['cold', 'cached', 'pinned'] as const)),
        payload_m: nullable(int(NON_NEGATIVE)),
      },
      { aliases: { full_scan_threshold_kb: 'full_scan_threshold' } },
    ),
    shard_transfer_method: nullable(oneOf(['stream_records', 'snapshot', 'wal_delta'] as const)),
    collection: section({
      replication_factor: int(POSITIVE),
      write_consistency_factor: int(POSITIVE),
      vectors: section({
        on_disk: nullable(bool()),
        memory: nullable(oneOf(['cold', 'cached'] as const)),
      }),
      shard_number_per_node: int(POSITIVE),
      quantization: nullable(quantization()),
      strict_mode: section({
        enabled: nullable(bool()),
        max_query_limit: nullable(int(POSITIVE)),
        max_timeout: nullable(int(POSITIVE)),
        unindexed_filtering_retrieve: nullable(bool()),
        unindexed_filtering_update: nullable(bool()),
        search_max_hnsw_ef: nullable(int(POSITIVE)),
        search_allow_exact: nullable(bool()),
        search_max_oversampling: nullable(float({ min: 0 })),
      }),
    }),
    max_collections: nullable(int(NON_NEGATIVE)),
    quotas: section({
      enabled: bool(),
      max_resident_memory_percent: nullable(float(PERCENT)),
      max_disk_usage_percent: nullable(float(PERCENT)),
      release_margin_percent: nullable(float(PERCENT)),
    }),
  }),
  service: section({
    max_request_size_mb: int(POSITIVE),
    max_workers: nullable(int(NON_NEGATIVE)),
    host: str({ expected: 'a non-empty host name or IP address', check: (text) => text.trim() !== '' }),
    http_port: int(PORT),
    grpc_port: nullable(int(PORT)),
    enable_cors: bool(),
    enable_tls: bool(),
    verify_https_client_certificate: bool(),
    api_key: secret,
    alt_api_key: secret,
    read_only_api_key: secret,
    jwt_rbac: bool(),
    hide_jwt_dashboard: bool(),
    enforce_internal_auth: bool(),
    hardware_reporting: bool(),
    metrics_prefix: nullable(str({
      expected: 'a metric name prefix matching [a-zA-Z_:][a-zA-Z0-9_:]*',
      check: (text) => METRIC_PREFIX.test(text),
    })),
    metrics_port: nullable(int(PORT)),
    enable_snapshot_url_recovery: bool(),
    allow_insecure: bool(),
    api_keys_file: nullable(path()),
    allowed_client_ips: stringList(
      'a list of IP addresses or CIDR ranges',
      str({ expected: 'an IP address or CIDR range', check: isIpOrCidr }),
    ),
    cors_allowed_origins: nullable(stringList(
      'a list of origins like "https://app.example.com"',
      str({ expected: 'an origin', check: isOrigin }),
    )),
    allowed_hosts: stringList('a list of host names like "quiver.internal"'),
    trusted_proxies: stringList(
      'a list of IP addresses or CIDR ranges',
      str({ expected: 'an IP address or CIDR range', check: isIpOrCidr }),
    ),
    snapshot_url_allowlist: stringList('a list of non-empty strings'),
    shutdown_timeout_sec: int(NON_NEGATIVE),
    enable_static_content: bool(),
    static_content_dir: nullable(path()),
    jwt_issuers: jwtIssuers(),
    tls_client_access: tlsClientAccess(),
    auth_throttle: section({
      enabled: bool(),
      max_failures: int(POSITIVE),
      window_sec: int(POSITIVE),
      block_sec: int(POSITIVE),
      max_block_sec: int(POSITIVE),
      max_tracked_addresses: int(POSITIVE),
    }),
  }),
  cluster: section({
    enabled: bool(),
    p2p: section({ port: nullable(int(PORT)), enable_tls: bool() }),
    consensus: section({ tick_period_ms: int(POSITIVE), compact_wal_entries: int(NON_NEGATIVE) }),
    node_id: nullable(str({ expected: 'letters, digits, `-` or `_`', check: (t) => /^[A-Za-z0-9_-]{1,64}$/.test(t) })),
    deployment: str({ expected: 'letters, digits, `-` or `_`', check: (t) => /^[A-Za-z0-9_-]{1,32}$/.test(t) }),
    timeout_ms: int(POSITIVE),
    compaction: section({ every_operations: int(NON_NEGATIVE), check_interval_ms: int(POSITIVE) }),
    nats: section({
      servers: stringList('a list of NATS server URLs'),
      credentials_file: nullable(path()),
      nkey_seed_file: nullable(path()),
      tls: section({ enabled: bool(), ca_cert: nullable(path()), cert: nullable(path()), key: nullable(path()) }),
    }),
  }),
  telemetry_disabled: bool(),
  tls: section({
    cert: nullable(path()),
    key: nullable(path()),
    ca_cert: nullable(path()),
    cert_ttl: nullable(int(POSITIVE)),
  }),
  audit: section({
    enabled: bool(),
    dir: path(),
    rotation: oneOf(['daily', 'hourly'] as const),
    max_log_files: int(POSITIVE),
    trust_forwarded_headers: bool(),
    fail_closed: bool(),
    sink: oneOf(['file', 'stdout', 'both'] as const),
    hmac_key: secret,
    hmac_key_file: nullable(path()),
  }),
});

/**
 * The built-in defaults: the only place defaults live. Relative paths stay relative here; `loadConfig` returns
 * them resolved against its `cwd`. Deeply frozen.
 */
export const DEFAULT_CONFIG: Config = deepFreeze<ConfigData>({
  log_level: 'INFO',
  logger: {
    format: 'text',
    slow_request_secs: 1,
    on_disk: { enabled: false, log_file: null, log_level: null, format: 'text', buffer_size_bytes: null, max_size_mb: 100, max_log_files: 7 },
  },
  storage: {
    storage_path: './storage',
    snapshots_path: './snapshots',
    snapshots_config: { snapshots_storage: 'local', s3_config: null },
    temp_path: null,
    encryption: { key_file: null, key_env: null },
    on_disk_payload: true,
    payload: { memory: null },
    low_memory_mode: 'disabled',
    update_concurrency: null,
    wal: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
    node_type: 'Normal',
    performance: {
      max_search_threads: 0,
      optimizer_cpu_budget: 0,
      update_rate_limit: null,
      incoming_shard_transfers_limit: 1,
      outgoing_shard_transfers_limit: 1,
      async_scorer: false,
      io_uring: null,
      max_concurrent_collection_loads: 1,
      max_concurrent_shard_loads: 1,
      max_concurrent_segment_loads: 8,
    },
    optimizers: {
      deleted_threshold: 0.2,
      vacuum_min_vector_number: 1000,
      default_segment_number: 0,
      max_segment_size_kb: null,
      indexing_threshold_kb: 10000,
      flush_interval_sec: 5,
      max_optimization_threads: null,
    },
    optimizers_overwrite: null,
    hnsw_index: {
      m: 16,
      ef_construct: 100,
      full_scan_threshold: 10000,
      max_indexing_threads: 0,
      on_disk: false,
      memory: null,
      payload_m: null,
    },
    shard_transfer_method: null,
    collection: {
      replication_factor: 1,
      write_consistency_factor: 1,
      vectors: { on_disk: null, memory: null },
      shard_number_per_node: 1,
      quantization: null,
      strict_mode: {
        enabled: null,
        max_query_limit: null,
        max_timeout: null,
        unindexed_filtering_retrieve: null,
        unindexed_filtering_update: null,
        search_max_hnsw_ef: null,
        search_allow_exact: null,
        search_max_oversampling: null,
      },
    },
    max_collections: null,
    quotas: {
      enabled: false,
      max_resident_memory_percent: null,
      max_disk_usage_percent: null,
      release_margin_percent: null,
    },
  },
  service: {
    max_request_size_mb: 32,
    max_workers: 0,
    host: '127.0.0.1',
    http_port: 6333,
    grpc_port: 6334,
    enable_cors: true,
    enable_tls: false,
    verify_https_client_certificate: false,
    api_key: null,
    alt_api_key: null,
    read_only_api_key: null,
    jwt_rbac: false,
    hide_jwt_dashboard: false,
    enforce_internal_auth: false,
    hardware_reporting: false,
    metrics_prefix: null,
    metrics_port: null,
    enable_snapshot_url_recovery: false,
    allow_insecure: false,
    api_keys_file: null,
    allowed_client_ips: [],
    cors_allowed_origins: null,
    allowed_hosts: [],
    trusted_proxies: [],
    snapshot_url_allowlist: [],
    shutdown_timeout_sec: 30,
    enable_static_content: true,
    static_content_dir: null,
    jwt_issuers: [],
    tls_client_access: [],
    auth_throttle: { enabled: true, max_failures: 10, window_sec: 60, block_sec: 10, max_block_sec: 900, max_tracked_addresses: 10000 },
  },
  cluster: {
    enabled: false,
    p2p: { port: 6335, enable_tls: false },
    consensus: { tick_period_ms: 100, compact_wal_entries: 128 },
    node_id: null,
    deployment: 'quiver',
    timeout_ms: 10000,
    compaction: { every_operations: 10000, check_interval_ms: 10000 },
    nats: { servers: ['nats://127.0.0.1:4222'], credentials_file: null, nkey_seed_file: null, tls: { enabled: false, ca_cert: null, cert: null, key: null } },
  },
  telemetry_disabled: false,
  tls: { cert: null, key: null, ca_cert: null, cert_ttl: 3600 },
  audit: {
    enabled: false,
    dir: './storage/audit',
    rotation: 'daily',
    max_log_files: 7,
    trust_forwarded_headers: false,
    fail_closed: false,
    sink: 'file',
    hmac_key: null,
    hmac_key_file: null,
  },
});
