/**
 * Secure-by-default startup rules (Qdrant `validate_and_warn`, stricter): refuse to serve an unauthenticated API on
 * a reachable address, and warn about settings that work but leak (keys in clear text, short keys).
 *
 * Pure: reads only the config, never the files it names (`loadTlsMaterial` checks those). Messages name config
 * keys, never key values.
 */
import type { Config } from '../config/schema.js';
import { isLoopbackHost } from '../config/loopback.js';
import { parseAllowList } from './ip-allowlist.js';

/** Below this many bytes an API key is easy to guess (docs/security.md). */
export const MIN_API_KEY_BYTES = 32;

/** Outcome of {@link checkStartup}: `fatal` set = do not listen (print it, exit 2); log each warning. */
export interface StartupReport {
  /** Why the server must not start: one line per problem. Absent when it may start. */
  fatal?: string;
  warnings: string[];
}

/** The config keys {@link checkStartup} reads. A full {@link Config} fits. */
export interface StartupConfig {
  readonly service: Pick<
    Config['service'],
    | 'host' | 'enable_tls' | 'verify_https_client_certificate' | 'api_key' | 'alt_api_key' | 'read_only_api_key'
    | 'api_keys_file' | 'allow_insecure' | 'allowed_client_ips'
  >;
  readonly tls: Pick<Config['tls'], 'cert' | 'key' | 'ca_cert'>;
}

function isSet(value: string | null): value is string {
  return value !== null && value !== '';
}

/** How to fix "no key on a reachable address"; shared with the docs. */
function noKeyMessage(host: string): string {
  return [
    `refusing to listen on ${host} without an API key: anyone who can reach this address would have full access to all data.`,
    '  Do one of:',
    '  - set an API key: service.api_key in the config file, or QDRANT__SERVICE__API_KEY=<at least 32 random bytes>',
    '    (e.g. `openssl rand -base64 32`); service.read_only_api_key / QDRANT__SERVICE__READ_ONLY_API_KEY for readers;',
    '  - or use named keys: create them with `quiver keys create`, then set service.api_keys_file',
    '    (QDRANT__SERVICE__API_KEYS_FILE);',
    '  - or bind to this machine only: service.host: 127.0.0.1 (QDRANT__SERVICE__HOST=127.0.0.1);',
    '  - or, only on a network you trust completely, set service.allow_insecure: true (QDRANT__SERVICE__ALLOW_INSECURE=true).',
  ].join('\n');
}

/**
 * Checks the security-relevant settings before the server listens.
 *
 * Fatal: a non-loopback `service.host` with no `api_key`, `alt_api_key`, `read_only_api_key` or `api_keys_file`
 * (unless `service.allow_insecure`); `service.enable_tls` without `tls.cert` / `tls.key`;
 * `service.verify_https_client_certificate` without `service.enable_tls` or `tls.ca_cert`; an invalid
 * `service.allowed_client_ips` entry.
 * Warnings: `allow_insecure` in effect; keys without TLS on a non-loopback host; a key shorter than 32 bytes.
 *
 * @example
 * const report = checkStartup(config);
 * for (const w of report.warnings) logger.warn(w);
 * if (report.fatal !== undefined) { process.stderr.write(`quiver: ${report.fatal}\n`); return 2; }
 */
export function checkStartup(config: StartupConfig): StartupReport {
  const { service, tls } = config;
  const fatal: string[] = [];
  const warnings: string[] = [];
  const loopback = isLoopbackHost(service.host);

  const inlineKeys = [
    ['service.api_key', service.api_key],
    ['service.alt_api_key', service.alt_api_key],
    ['service.read_only_api_key', service.read_only_api_key],
  ] as const;
  const hasKey = inlineKeys.some(([, value]) => isSet(value)) || isSet(service.api_keys_file);

  if (!loopback && !hasKey) {
    if (service.allow_insecure) {
      warnings.push(
        `INSECURE: listening on ${service.host} with no API key because service.allow_insecure is true; `
          + 'anyone who can reach this address has full access to all data',
      );
    } else {
      fatal.push(noKeyMessage(service.host));
    }
  }

  if (hasKey && !service.enable_tls && !loopback) {
    warnings.push(
      `Sending an api-key over an unencrypted channel is insecure: API keys are configured but service.enable_tls `
        + `is false on non-loopback host ${service.host}; enable TLS (service.enable_tls, tls.cert, tls.key) or `
        + 'terminate TLS in a proxy in front of Quiver',
    );
  }

  for (const [keyPath, value] of inlineKeys) {
    if (isSet(value) && Buffer.byteLength(value, 'utf8') < MIN_API_KEY_BYTES) {
      warnings.push(`${keyPath} is shorter than ${MIN_API_KEY_BYTES} bytes; use a long random key (e.g. \`openssl rand -base64 32\`)`);
    }
  }

  if (service.enable_tls) {
    if (!isSet(tls.cert)) fatal.push('tls.cert: required when service.enable_tls is true (path of the PEM certificate chain)');
    if (!isSet(tls.key)) fatal.push('tls.key: required when service.enable_tls is true (path of the PEM private key)');
  }
  if (service.verify_https_client_certificate) {
    if (!service.enable_tls) {
      fatal.push('service.verify_https_client_certificate: requires service.enable_tls to be true');
    }
    if (!isSet(tls.ca_cert)) {
      fatal.push('tls.ca_cert: required when service.verify_https_client_certificate is true (PEM CA that signs client certificates)');
    }
  }

  try {
    parseAllowList(service.allowed_client_ips);
  } catch (error) {
    fatal.push(error instanceof Error ? error.message : String(error));
  }

  return fatal.length === 0 ? { warnings } : { fatal: fatal.join('\n'), warnings };
}

/**
 * The checks a credentials reload (SIGHUP, keys-file change) must pass: {@link checkStartup} on the configuration
 * the server would run with afterwards — the new credentials (`api_key`, `alt_api_key`, `read_only_api_key`,
 * `api_keys_file`, `allow_insecure`) on the running bind and TLS setup, which a reload does not change. A reload
 * whose report is fatal is refused and the old credentials stay in force.
 */
export function checkReload(running: StartupConfig, next: StartupConfig): StartupReport {
  const { api_key, alt_api_key, read_only_api_key, api_keys_file, allow_insecure } = next.service;
  return checkStartup({
    service: { ...running.service, api_key, alt_api_key, read_only_api_key, api_keys_file, allow_insecure },
    tls: running.tls,
  });
}
