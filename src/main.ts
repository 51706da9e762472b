#!/usr/bin/env node
/**
 * Process entry: `quiver [--config-path FILE] [--disable-telemetry]` starts the server;
 * `quiver keys …`, `quiver jwt …` are administrative subcommands.
 * Reads config once, opens storage, listens, and drains on SIGTERM / SIGINT.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from './config/load.js';
import { ConfigError } from './config/config-error.js';
import { checkStartup } from './auth/startup-checks.js';
import { createServer, createLogger, StartupError } from './server.js';
import type { Config } from './config/schema.js';

async function serve(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'config-path': { type: 'string' },
      'disable-telemetry': { type: 'boolean', default: false },
    },
    strict: true,
  });
  let config: Config;
  const warnings: string[] = [];
  try {
    config = loadConfig({ cwd: process.cwd(), env: process.env, configPath: values['config-path'], warn: (m) => warnings.push(m) });
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
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  return -1;
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const code = await serve(argv);
  if (code >= 0) process.exit(code);
}

main().catch((e: unknown) => {
  process.stderr.write(`quiver: fatal: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
