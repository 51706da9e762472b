#!/usr/bin/env node
/**
 * Process entry: `quiver [--config-path FILE] [--disable-telemetry] [--snapshot PATH:COLLECTION]… [--storage-snapshot PATH]
 * [--force-snapshot]` starts the server;
 * `quiver keys …`, `quiver jwt …` are administrative subcommands.
 * Reads config once, opens storage, listens, and drains on SIGTERM / SIGINT.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { ConfigError } from './config/config-error.js';
import { checkStartup } from './auth/startup-checks.js';
import { createServer, createLogger, StartupError } from './server.js';
import { runKeysCommand } from './cli/keys.js';
import { runJwtCommand } from './cli/jwt.js';
import { runAuditCommand } from './cli/audit.js';
import { configuredAuditKey } from './auth/audit/key.js';
import type { Config } from './config/schema.js';
import { prepareSnapshotsAtStartup } from './service/snapshots/startup.js';

function readConfig(configPath: string | undefined, warn: (m: string) => void): Config {
  return loadConfig({ cwd: process.cwd(), env: process.env, configPath, warn });
}

/** `quiver keys …` / `quiver jwt …`: the config (for the keys file and the api key) comes from the usual sources. */
async function admin(command: 'keys' | 'jwt', argv: string[]): Promise<number> {
  const at = argv.indexOf('--config-path');
  const configPath = at >= 0 ? argv[at + 1] : undefined;
  const rest = at >= 0 ? [...argv.slice(0, at), ...argv.slice(at + 2)] : argv;
  const config = readConfig(configPath, () => undefined);
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  const err = (s: string): void => void process.stderr.write(`${s}\n`);
  if (command === 'keys') {
    const keysFile = config.service.api_keys_file;
    if (keysFile === null) {
      err('quiver keys: set service.api_keys_file (or QDRANT__SERVICE__API_KEYS_FILE) to the keys file to manage');
      return 2;
    }
    return runKeysCommand(rest, { keysFile, out, err });
  }
  return runJwtCommand(rest, { apiKey: config.service.api_key, out, err });
}

/** `quiver audit verify [DIR]`: checks the audit log's hash chain. */
async function auditCommand(argv: string[]): Promise<number> {
  const out = (s: string): void => void process.stdout.write(`${s}\n`);
  const err = (s: string): void => void process.stderr.write(`${s}\n`);
  let config: Config;
  let hmacKey: Buffer | null;
  try {
    config = readConfig(undefined, () => undefined);
    hmacKey = configuredAuditKey(config.audit, config.service.api_key);
  } catch (e) {
    err(`quiver audit: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  return runAuditCommand(argv, { config: { dir: config.audit.dir, hmacKey }, out, err });
}

async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'config-path': { type: 'string' },
      'disable-telemetry': { type: 'boolean', default: false },
      // snapshots (issue 7): Qdrant's startup recovery flags
      snapshot: { type: 'string', multiple: true, default: [] },
      'storage-snapshot': { type: 'string' },
      'force-snapshot': { type: 'boolean', default: false },
    },
    strict: true,
  });
  let config: Config;
  const warnings: string[] = [];
  try {
    config = readConfig(values['config-path'], (m) => warnings.push(m));
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`quiver: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  const logger = createLogger(config);
  for (const w of warnings) logger.warn(`config: ${w}`);
  const s = config.service;
  const report = checkStartup(config);
  for (const w of report.warnings) logger.warn(w);
  if (report.fatal !== undefined) {
    process.stderr.write(`quiver: ${report.fatal}\n`);
    return 2;
  }
  let server;
  try {
    server = await createServer(config, { logger });
  } catch (e) {
    if (e instanceof StartupError) {
      process.stderr.write(`quiver: configuration error: ${e.message}\n`);
      return 2;
    }
    throw e;
  }
  // snapshots (issue 7): clean what an interrupted snapshot left, recover --snapshot / --storage-snapshot, then listen.
  try {
    const r = await prepareSnapshotsAtStartup(server.toc, server.deps.snapshots, { snapshots: values.snapshot, storageSnapshot: values['storage-snapshot'], force: values['force-snapshot'] }, server.deps.audit());
    if (r.tempFilesRemoved + r.tablesDropped > 0) logger.info(`snapshots: removed ${r.tempFilesRemoved} temp file(s) and ${r.tablesDropped} unfinished recovery table(s)`);
    for (const name of r.recovered) logger.info(`snapshots: recovered collection ${name} at startup`);
  } catch (e) {
    process.stderr.write(`quiver: snapshot recovery at startup failed: ${e instanceof Error ? e.message : String(e)}\n`);
    await server.close();
    return 2;
  }
  await server.app.listen({ host: s.host, port: s.http_port });
  logger.info(`Quiver listening on ${s.enable_tls ? 'https' : 'http'}://${s.host}:${s.http_port} (storage: ${config.storage.storage_path})`);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info(`${signal} received: draining in-flight requests`);
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, s.shutdown_timeout_sec * 1000);
    timer.unref();
    server.close().then(
      () => process.exit(0),
      (err: unknown) => {
        logger.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGHUP', () => {
    let next: Config;
    try {
      next = readConfig(values['config-path'], (m) => logger.warn(`config: ${m}`));
    } catch (e) {
      logger.error(`SIGHUP: configuration NOT reloaded: ${e instanceof Error ? e.message : String(e)}`);
      return;
    }
    void server.reloadCredentials(next).catch(() => undefined);
  });
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const [first, ...rest] = argv;
  const code = first === 'keys' || first === 'jwt' ? await admin(first, rest) : first === 'audit' ? await auditCommand(rest) : await serve(argv);
  if (code >= 0) process.exit(code);
}

// A request must never take the server down: a stray rejection (a library's side promise) is logged, not fatal.
process.on('unhandledRejection', (reason: unknown) => {
  process.stderr.write(`quiver: unhandled rejection (ignored): ${reason instanceof Error ? (reason.stack ?? reason.message) : String(reason)}\n`);
});

main().catch((e: unknown) => {
  process.stderr.write(`quiver: fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
