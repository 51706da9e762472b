/**
 * `quiver [options]`: runs the server. Reads the config once, takes the storage lock, opens storage, recovers
 * snapshots named on the command line, listens, and on SIGTERM / SIGINT stops index builds at the end of their
 * current slice, drains in-flight requests, saves and exits 0. A second SIGINT exits at once.
 */
import type { Config } from '../config/schema.js';
import { ConfigError } from '../config/config-error.js';
import { compatWarnings } from '../config/compat-keys.js';
import { checkStartup } from '../auth/startup-checks.js';
import { createServer, StartupError, type RunningServer } from '../server.js';
import { openLogger, type OpenedLogger } from '../logging/logger.js';
import { bannerLines } from '../logging/banner.js';
import { QUIVER_VERSION } from '../version.js';
import { QDRANT_COMPAT_VERSION } from '../version.js';
import { prepareSnapshotsAtStartup } from '../service/snapshots/startup.js';
import { lockStorage, StorageLockedError, type StorageLock } from '../storage/lock.js';
import { EXIT } from './args.js';
import { readConfig, type CliIo } from './io.js';

/** The server's command-line options (Qdrant's flags and Quiver's own). */
export interface ServeOptions {
  readonly configPath?: string | undefined;
  /** Qdrant `--uri`: this peer's address in a cluster. */
  readonly uri?: string | undefined;
  /** Qdrant `--bootstrap`: a peer to join. */
  readonly bootstrap?: string | undefined;
  /** Qdrant `--stacktrace`: print stack traces of fatal errors. */
  readonly stacktrace?: boolean | undefined;
  readonly snapshot?: readonly string[] | undefined;
  readonly storageSnapshot?: string | undefined;
  readonly forceSnapshot?: boolean | undefined;
  readonly disableTelemetry?: boolean | undefined;
}

/** Warnings for settings that work but deserve the operator's attention (beyond `checkStartup`'s security rules). */
export function operatorWarnings(config: Config): string[] {
  const warnings = compatWarnings(config);
  if (config.audit.enabled && config.audit.hmac_key === null && config.audit.hmac_key_file === null) {
    warnings.push(
      'audit.enabled without audit.hmac_key or audit.hmac_key_file: the hash chain is keyed with service.api_key or a key kept next to the log ' +
        '(audit.dir/.audit-key), so whoever can edit the log may also rewrite the chain; keep a separate key',
    );
  }
  return warnings;
}

/** Warnings for Qdrant flags that a single node cannot honour. */
export function ignoredFlagWarnings(options: ServeOptions): string[] {
  const warnings: string[] = [];
  if (options.uri !== undefined) warnings.push(`--uri ${options.uri} is ignored: Quiver nodes form a cluster through NATS JetStream (cluster.enabled, cluster.nats), not Qdrant's peer-to-peer URIs`);
  if (options.bootstrap !== undefined) warnings.push(`--bootstrap ${options.bootstrap} is ignored: Quiver nodes join a cluster through NATS JetStream (cluster.enabled, cluster.nats), not through a bootstrap peer`);
  return warnings;
}

/**
 * Starts the server. Resolves with an exit status when startup fails, or with `undefined` once listening (the
 * process then lives until a signal).
 */
export async function serve(options: ServeOptions, io: CliIo): Promise<number | undefined> {
  let config: Config;
  const warnings: string[] = [];
  const files: string[] = [];
  try {
    config = readConfig(options.configPath, (m) => warnings.push(`config: ${m}`), options.disableTelemetry === true ? { telemetry_disabled: true } : undefined, (f) => files.push(f));
  } catch (e) {
    if (e instanceof ConfigError) {
      io.err(`error: configuration: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  let opened: OpenedLogger;
  try {
    opened = openLogger(config);
  } catch (e) {
    io.err(`error: configuration: logger.on_disk.log_file: cannot open ${config.logger.on_disk.log_file ?? ''}: ${e instanceof Error ? e.message : String(e)}`);
    return EXIT.usage;
  }
  const logger = opened.logger;
  for (const w of [...warnings, ...ignoredFlagWarnings(options), ...operatorWarnings(config)]) logger.warn(w);
  const report = checkStartup(config);
  for (const w of report.warnings) logger.warn(w);
  if (report.fatal !== undefined) {
    io.err(`error: ${report.fatal}`);
    return EXIT.usage;
  }
  let lock: StorageLock;
  try {
    lock = lockStorage(config.storage.storage_path);
  } catch (e) {
    if (e instanceof StorageLockedError) {
      io.err(`error: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  process.on('exit', () => lock.release());
  let server: RunningServer;
  try {
    server = await createServer(config, { logger });
  } catch (e) {
    if (e instanceof StartupError) {
      io.err(`error: configuration: ${e.message}`);
      return EXIT.usage;
    }
    throw e;
  }
  const recovery: string[] = [];
  try {
    const r = await prepareSnapshotsAtStartup(server.toc, server.deps.snapshots, { snapshots: options.snapshot ?? [], storageSnapshot: options.storageSnapshot, force: options.forceSnapshot === true }, server.deps.audit());
    if (r.tempFilesRemoved + r.tablesDropped > 0) recovery.push(`removed ${r.tempFilesRemoved} snapshot temp file(s) and ${r.tablesDropped} unfinished recovery table(s) left by a crash`);
    for (const name of r.recovered) recovery.push(`recovered collection ${name} from a snapshot named on the command line`);
  } catch (e) {
    io.err(`error: snapshot recovery at startup failed: ${e instanceof Error ? e.message : String(e)}`);
    await server.close();
    return EXIT.usage;
  }
  const s = config.service;
  const hostPart = s.host.includes(':') ? `[${s.host}]` : s.host;
  const listen = [`${s.enable_tls ? 'https' : 'http'}://${hostPart}:${s.http_port} (REST)`];
  try {
    await server.app.listen({ host: s.host, port: s.http_port });
    if (server.metricsApp !== undefined && s.metrics_port !== null) {
      await server.metricsApp.listen({ host: s.host, port: s.metrics_port });
      listen.push(`http://${hostPart}:${s.metrics_port}/metrics (metrics and probes, no authentication)`);
    }
    if (s.grpc_port !== null) {
      await server.startGrpc(s.host, s.grpc_port);
      listen.push(`${hostPart}:${s.grpc_port} (gRPC${s.enable_tls ? ', TLS' : ''})`);
    }
  } catch (e) {
    io.err(`error: cannot listen: ${e instanceof Error ? e.message : String(e)}`);
    await server.close();
    return EXIT.failure;
  }
  const toc = server.toc;
  const collections = toc.collectionNames().map((name) => {
    const c = toc.uncheckedCollection(name, 'startup banner')!;
    return { name, points: c.pointsCount, indexed: c.indexedVectorsCount };
  });
  const envVariables = Object.keys(process.env).filter((k) => k.toUpperCase().startsWith('QDRANT__')).sort();
  for (const line of bannerLines(config, { version: QUIVER_VERSION, apiVersion: QDRANT_COMPAT_VERSION, configFiles: files, envVariables, listen, collections, recovery })) logger.info(line);
  handleSignals(server, config, options.configPath, opened);
  return undefined;
}

/** SIGTERM / SIGINT: stop promptly and cleanly; SIGHUP: reload credentials. */
function handleSignals(server: RunningServer, config: Config, configPath: string | undefined, log: OpenedLogger): void {
  const { logger } = server;
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      // A second Ctrl-C: the operator does not want to wait for the drain.
      if (signal === 'SIGINT') {
        process.stderr.write('quiver: second SIGINT: exiting now\n');
        process.exit(130);
      }
      return;
    }
    stopping = true;
    const started = Date.now();
    logger.info(`${signal} received: stopping index builds, draining in-flight requests`);
    const timer = setTimeout(() => {
      logger.error(`shutdown did not finish within service.shutdown_timeout_sec (${config.service.shutdown_timeout_sec} s); exiting`);
      process.exit(1);
    }, config.service.shutdown_timeout_sec * 1000);
    timer.unref();
    server.close().then(
      () => {
        logger.info(`stopped in ${Date.now() - started} ms`);
        void log.close().finally(() => process.exit(0));
      },
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGHUP', () => {
    let next: Config;
    try {
      next = readConfig(configPath, (m) => logger.warn(`config: ${m}`));
    } catch (e) {
      logger.error(`SIGHUP: configuration NOT reloaded: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    void server.reloadCredentials(next).catch(() => undefined);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
