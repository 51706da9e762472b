/**
 * Wires a running Quiver node from a validated configuration: store → table of contents → REST app.
 * Used by `main.ts` and by tests that need a real listening server.
 */
import { configureSearchPool, searchThreadsFor } from './index/hnsw/search-pool.js';
import { foregroundWork } from './index/foreground-work.js';
import type { FastifyInstance } from 'fastify';
import { buildCollectionConfig } from './api/collection-config.js';
import type { Logger } from 'pino';
import { createLogger } from './logging/logger.js';
import type { Config } from './config/schema.js';
import { loadEncryptionKey } from './storage/encryption.js';
import { Store } from './storage/kv/store.js';
import { diskSizeKib, ownerOnlyFiles, pathExists, restrictToOwner, watchFile } from './storage/fs.js';
import { TableOfContent } from './service/table-of-content.js';
import { Metrics } from './service/metrics.js';
import { telemetrySource } from './service/telemetry-source.js';
import { Quotas } from './service/quotas.js';
import { Issues } from './service/issues.js';
import { buildApp } from './app.js';
import { createGate } from './api/rest/gate.js';
import { buildMetricsApp } from './api/rest/metrics-listener.js';
import { CredentialStore } from './auth/credentials.js';
import type { AuditSink } from './auth/audit-event.js';
import { createAuditSink } from './auth/audit/factory.js';
import type { ValueExistsClaim } from './auth/jwt.js';
import type { ValueExistsOutcome } from './auth/authorize.js';
import { parseFilter } from './index/filter/parse.js';
import type { AppDeps } from './api/rest/deps.js';
import type { CollectionDefaults } from './collection/config.js';
import { QUIVER_VERSION } from './version.js';
import { QDRANT_COMPAT_VERSION } from './version.js';
import { loadTlsMaterial, httpsServerOptions, TlsReloader, type SecureContextTarget } from './auth/tls.js';
import { parseAllowList } from './auth/ip-allowlist.js';
import { startGrpcServer, type RunningGrpcServer } from './api/grpc/server.js';
import { ReloadingCertificates, fanOut } from './api/grpc/tls.js';
import { AuthThrottle } from './auth/throttle.js';
import { SnapshotService, snapshotSettings, snapshotTempPath } from './service/snapshots/service.js';
import { validateBody } from './api/rest/schemas/validator.js';
import { checkReload } from './auth/startup-checks.js';
import { clientAddress, trustedProxies } from './auth/trusted-proxies.js';
import { auditEvent } from './auth/audit-event.js';
import { ClusterNode } from './cluster/cluster-node.js';
import { servePeerReads } from './service/fanned-reads.js';

/** A startup problem the operator must fix (bad TLS file, bad allow-list entry): exit code 2, no stack. */
export class StartupError extends Error {
  override name = 'StartupError';
}

export interface RunningServer {
  readonly app: FastifyInstance;
  /** The `service.metrics_port` listener's app (not listening yet), when configured. */
  readonly metricsApp: FastifyInstance | undefined;
  readonly toc: TableOfContent;
  readonly store: Store;
  readonly deps: AppDeps;
  readonly logger: Logger;
  readonly credentials: CredentialStore;
  /**
   * Applies a re-read configuration without restart: API keys, read-only key, JWT switch and keys file.
   * Requests in flight finish with the credentials they were authenticated with.
   */
  reloadCredentials(config: Config): Promise<void>;
  /** Starts the gRPC server (`service.grpc_port`) on the same engine, credentials, audit and TLS; closed by `close()`. */
  startGrpc(host: string, port: number): Promise<RunningGrpcServer>;
  close(): Promise<void>;
}

export { createLogger };

/** New-collection defaults from `storage.hnsw_index`, `storage.optimizers` and `storage.wal`. */
export function collectionDefaults(config: Config): CollectionDefaults {
  const h = config.storage.hnsw_index;
  const o = config.storage.optimizers;
  const w = config.storage.wal;
  return {
    hnsw_config: { m: h.m, ef_construct: h.ef_construct, full_scan_threshold: h.full_scan_threshold, max_indexing_threads: h.max_indexing_threads, on_disk: h.on_disk },
    optimizer_config: {
      deleted_threshold: o.deleted_threshold,
      vacuum_min_vector_number: o.vacuum_min_vector_number,
      default_segment_number: o.default_segment_number,
      max_segment_size: o.max_segment_size_kb,
      memmap_threshold: null,
      indexing_threshold: o.indexing_threshold_kb,
      flush_interval_sec: o.flush_interval_sec,
      max_optimization_threads: o.max_optimization_threads,
    },
    wal_config: { wal_capacity_mb: w.wal_capacity_mb, wal_segments_ahead: w.wal_segments_ahead },
  };
}

export interface StartOptions {
  readonly logger?: Logger;
  readonly audit?: AuditSink;
  /**
   * Clock in milliseconds for the strict-mode rate limiters, the brute-force throttle and issuer key caches;
   * tests inject one and step it instead of sleeping. Defaults to `Date.now`.
   */
  readonly now?: () => number;
}

/** JWT `value_exists`: does a point of the collection carry every key = value pair? */
export function valueExistsCheck(toc: TableOfContent): (claim: ValueExistsClaim) => Promise<ValueExistsOutcome> {
  return (claim) => {
    const c = toc.uncheckedCollection(claim.collection, 'JWT value_exists validation');
    if (c === undefined) return Promise.resolve('no_collection');
    const filter = parseFilter({ must: claim.matches.map((m) => ({ key: m.key, match: { value: m.value } })) });
    for (const _ of c.segment.scan({ filter })) return Promise.resolve('ok');
    return Promise.resolve('no_match');
  };
}

/** Opens storage and builds the app (not listening yet). */
export async function createServer(config: Config, options: StartOptions = {}): Promise<RunningServer> {
  const logger = options.logger ?? createLogger(config);
  // Everything the server writes is owner-only: 0600 files, 0700 directories (data, snapshots, temp, indexes).
  ownerOnlyFiles();
  const store = Store.open(config.storage.storage_path, loadEncryptionKey(config.storage.encryption));
  // Search worker threads start on first use (searches run on the event loop until they are ready).
  configureSearchPool(searchThreadsFor(config.storage.performance.max_search_threads));
  for (const dir of [config.storage.snapshots_path, snapshotTempPath(config)]) restrictToOwner(dir);
  const toc = TableOfContent.load(store, collectionDefaults(config), { warn: (m) => logger.warn(m), info: (m) => logger.info(m) }, options.now);
  // Distributed mode (issue 19): converge on the cluster's metadata before anything is served.
  let cluster: ClusterNode | undefined;
  if (config.cluster.enabled) {
    try {
      cluster = await ClusterNode.join(config, toc, store, { info: (m) => logger.info(m), warn: (m) => logger.warn(m) });
    } catch (e) {
      await store.close();
      throw new StartupError(`cluster: cannot join NATS (${config.cluster.nats.servers.join(', ')}): ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    }
  }
  // A recovered collection's configuration passes the validator of a create request.
  const snapshots = new SnapshotService(toc, { ...snapshotSettings(config, { validateConfig: (body, defaults) => {
    validateBody('create_collection', body);
    buildCollectionConfig(body, defaults);
  } }), key: store.key });
  // Deleting a collection deletes its snapshots: a new collection of the same name starts with none.
  toc.onDelete((name) => snapshots.deleteCollectionSnapshots(name));
  const metrics = new Metrics(config.service.metrics_prefix ?? '', QUIVER_VERSION);
  const activity = snapshots.activity;
  activity.log = { info: (m) => logger.info(m), warn: (m) => logger.warn(m) };
  const each = (f: (c: NonNullable<ReturnType<TableOfContent['uncheckedCollection']>>) => number): number =>
    toc.collectionNames().reduce((n, name) => n + f(toc.uncheckedCollection(name, 'metrics')!), 0);
  metrics.gauge('commit_groups', 'point-update transactions committed (one fsync each), over the collections loaded now', () => each((c) => c.commitStats.groups));
  metrics.gauge('commit_group_updates', 'point updates those transactions committed (several writers share one group)', () => each((c) => c.commitStats.updates));
  const credentials = await CredentialStore.create(config.service, { warn: (m) => logger.warn(m), ...(options.now === undefined ? {} : { now: options.now }) });
  const auditLog = createAuditSink(config.audit, { apiKey: config.service.api_key, warn: (m) => logger.warn(m) });
  try {
    await auditLog.open();
  } catch (e) {
    await store.close();
    throw new StartupError(`audit.dir: cannot open the audit log in ${config.audit.dir}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
  }
  const audit: AuditSink = options.audit ?? auditLog.sink;
  if (config.audit.enabled) {
    metrics.gauge('audit_lost_lines_total', 'audit lines that could not be written (audit.fail_closed is off)', () => auditLog.lostLines());
  }
  let proxies;
  try {
    proxies = trustedProxies(config.service.trusted_proxies, config.audit.trust_forwarded_headers);
  } catch (e) {
    await store.close();
    throw new StartupError(e instanceof Error ? e.message : String(e), { cause: e });
  }
  const throttled = metrics.counter('auth_throttled_total', 'requests refused with 429 after repeated failed authentications from their address');
  const throttleBlocks = metrics.counter('auth_throttle_blocks_total', 'client addresses blocked after repeated failed authentications');
  // One throttle for both transports: a guesser cannot switch from REST to gRPC to reset its count.
  const throttle = new AuthThrottle(config.service.auth_throttle, options.now);
  const onThrottle = (event: 'refused' | 'blocked'): void => (event === 'refused' ? throttled : throttleBlocks).inc();
  const gate = createGate({
    throttle,
    onThrottle,
    credentials,
    audit: () => audit,
    resolveAlias: (name) => toc.resolve(name),
    valueExists: valueExistsCheck(toc),
    remoteOf: (request) => clientAddress(request.socket.remoteAddress, request.headers['x-forwarded-for'], proxies),
  });
  const startedAt = new Date();
  const quotas = new Quotas(store, { ...config.storage.quotas }, config.storage.storage_path);
  const telemetry = telemetrySource({
    config,
    toc,
    quotas,
    activity,
    rest: metrics.rest,
    grpc: metrics.grpc,
    startedAt,
    quiverVersion: QUIVER_VERSION,
    compatVersion: QDRANT_COMPAT_VERSION,
    auditDirSize: config.audit.enabled ? () => auditLog.dirSize() : null,
    diskSize: () => diskSizeKib(config.storage.storage_path),
    isDocker: pathExists('/.dockerenv'),
  });
  metrics.attach(telemetry);
  toc.onDelete((name) => {
    metrics.rest.dropCollection(name);
    metrics.grpc.dropCollection(name);
  });
  const deps: AppDeps = {
    config,
    toc,
    metrics,
    telemetry,
    gate,
    audit: () => audit,
    startedAt,
    quiverVersion: QUIVER_VERSION,
    quotas,
    logLevel: {
      get: () => logger.level,
      set: (level) => {
        logger.level = level;
      },
    },
    auditDir: config.audit.enabled ? config.audit.dir : null,
    liveConfig: () => current,
    reloadCredentials: () => reloadCredentials(current, 'keys file changed from the dashboard'),
    snapshots,
    issues: new Issues((issue) => logger.error({ issue: issue.id }, issue.description)),
    ...(cluster === undefined ? {} : { cluster }),
  };
  // Distributed mode: this node answers the point reads other nodes fan out to the shards it holds.
  servePeerReads({ toc, cluster });
  let material;
  let allowList;
  try {
    if (config.service.tls_client_access.length > 0 && !config.service.verify_https_client_certificate) {
      throw new Error('service.tls_client_access needs mTLS: set service.enable_tls and service.verify_https_client_certificate');
    }
    material = config.service.enable_tls ? loadTlsMaterial(config.tls) : undefined;
    allowList = parseAllowList(config.service.allowed_client_ips);
  } catch (e) {
    await store.close();
    throw new StartupError(e instanceof Error ? e.message : String(e), { cause: e });
  }
  const app = await buildApp(config, {
    deps,
    allowList,
    https: material === undefined ? null : httpsServerOptions(config, material),
    logger: { error: (msg, err) => logger.error({ err }, msg), warn: (msg) => logger.warn(msg) },
    accessLog: { logger, slowRequestSecs: config.logger.slow_request_secs },
  });
  // One reloader for both ports: a new certificate, key or CA reaches HTTPS and gRPC together.
  const grpcCertificates = material === undefined ? undefined : new ReloadingCertificates(material);
  const reloader =
    material === undefined || grpcCertificates === undefined
      ? undefined
      : new TlsReloader(fanOut([app.server as unknown as SecureContextTarget, grpcCertificates]), {
          files: config.tls,
          ttlSeconds: config.tls.cert_ttl,
          initial: material,
          warn: (m) => logger.warn(m),
          info: (m) => logger.info(m),
        }).start();
  let current = config;
  const reloadFailures = metrics.counter('config_reload_failures_total', 'credential reloads refused or failed; the previous credentials stay in force');
  const reloadCredentials = async (next: Config, reason: string): Promise<void> => {
    const refused = checkReload(config, next).fatal;
    if (refused !== undefined) {
      // A reload never opens the server: it passes the checks a start would, or changes nothing.
      reloadFailures.inc();
      logger.error(`credentials NOT reloaded (${reason}); the previous keys stay in force: ${refused}`);
      await audit.write(auditEvent({ now: new Date(), method: 'reload_config', request: { api: reason }, authType: 'None', error: refused })).catch(() => undefined);
      throw new StartupError(refused);
    }
    current = next;
    try {
      await credentials.reload(next.service);
      logger.info(`credentials reloaded (${reason})`);
    } catch (e) {
      // A bad keys file keeps the previous credentials: the server never falls open on a reload.
      reloadFailures.inc();
      logger.error({ err: e }, `credentials NOT reloaded (${reason}); the previous keys stay in force`);
      throw e;
    }
  };
  const keysFile = config.service.api_keys_file;
  const stopWatching =
    keysFile === null ? undefined : watchFile(keysFile, 500, () => void reloadCredentials(current, `${keysFile} changed`).catch(() => undefined));
  let grpc: RunningGrpcServer | undefined;
  const startGrpc = async (host: string, port: number): Promise<RunningGrpcServer> => {
    grpc = await startGrpcServer(host, port, {
      config,
      toc,
      quotas: deps.quotas,
      snapshots,
      credentials,
      throttle,
      onThrottle,
      audit: () => audit,
      valueExists: valueExistsCheck(toc),
      allowList,
      quiverVersion: QUIVER_VERSION,
      compatVersion: QDRANT_COMPAT_VERSION,
      log: { error: (msg, err) => logger.error({ err }, msg), warn: (msg) => logger.warn(msg) },
      requests: metrics.grpc,
      foreground: () => foregroundWork.enter(),
      ...(cluster === undefined ? {} : { cluster }),
    }, grpcCertificates === undefined ? null : { certificates: grpcCertificates, hasCa: material?.ca !== undefined, verifyClient: config.service.verify_https_client_certificate });
    return grpc;
  };
  const metricsApp = config.service.metrics_port === null ? undefined : await buildMetricsApp(metrics);
  let closed = false;
  return {
    startGrpc,
    app,
    metricsApp,
    toc,
    store,
    deps,
    logger,
    credentials,
    reloadCredentials: (next) => reloadCredentials(next, 'SIGHUP'),
    async close() {
      if (closed) return;
      closed = true;
      stopWatching?.();
      reloader?.stop();
      await grpc?.close();
      // Snapshot creations stop between slices, so the requests waiting for them drain at once.
      activity.abort();
      await metricsApp?.close();
      await app.close();
      // Aborted snapshot work (a wait=false recovery, say) finishes cleaning up before the store closes.
      await activity.idle();
      await cluster?.close();
      await toc.close();
      await auditLog.close();
      await store.close();
    },
  };
}
