/**
 * TLS for the REST API: load and check the certificate, key and CA named by `tls.*`, build the options of the
 * HTTPS server, and reload them from disk every `tls.cert_ttl` seconds.
 *
 * Qdrant reloads the certificate and key on a timer and keeps the old ones when the new files are bad; **Quiver**
 * reloads the CA too, so the set of accepted client certificates (mTLS) can change without a restart. A reload only
 * affects new handshakes: `server.setSecureContext()` swaps the context of the listening server, and connections
 * already established keep theirs.
 *
 * The files are configuration, not data; they are read through `storage/fs.ts` like every other file.
 */
import { X509Certificate, createPrivateKey, createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import type { SecureVersion } from 'node:tls';
import type { Config } from '../config/schema.js';
import { readFileIfExists } from '../storage/fs.js';

/** The `tls.*` file paths (absolute after `loadConfig`). `cert` and `key` are required; `ca_cert` is optional. */
export interface TlsFiles {
  readonly cert: string | null;
  readonly key: string | null;
  readonly ca_cert?: string | null;
}

/** Checked TLS material, ready for the HTTPS server. */
export interface TlsMaterial {
  /** The certificate chain (PEM), leaf first. */
  readonly cert: Buffer;
  /** The private key of the leaf certificate (PEM, unencrypted). */
  readonly key: Buffer;
  /** Trusted CA certificates for client certificates (PEM); absent when `tls.ca_cert` is not set. */
  readonly ca?: Buffer;
}

/**
 * Options for Node's `https.createServer()` or Fastify's `https` option. A type alias (not an interface) so that it
 * is assignable to `Record<string, unknown>`.
 */
export type HttpsServerOptions = {
  cert: Buffer;
  key: Buffer;
  ca?: Buffer;
  /** Ask clients for a certificate (mTLS). */
  requestCert: boolean;
  /** Refuse the handshake when the client certificate is missing or not signed by `ca`. */
  rejectUnauthorized: boolean;
  minVersion: SecureVersion;
};

/** TLS 1.2 and 1.3 only, as Qdrant (rustls) accepts. */
const MIN_TLS_VERSION: SecureVersion = 'TLSv1.2';
const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

function errnoCode(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string') {
    return error.code;
  }
  return error instanceof Error ? error.message : String(error);
}

function reasonOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function readTlsFile(configKey: string, file: string): Buffer {
  let data: Buffer | undefined;
  try {
    data = readFileIfExists(file);
  } catch (error) {
    throw new Error(`${configKey}: cannot read ${file} (${errnoCode(error)})`, { cause: error });
  }
  if (data === undefined) throw new Error(`${configKey}: cannot read ${file} (ENOENT)`);
  return data;
}

/** Parses every PEM certificate of a file; throws unless there is at least one and all are valid. */
function parseCertificates(configKey: string, file: string, data: Buffer): X509Certificate[] {
  const blocks = data.toString('latin1').match(PEM_CERTIFICATE) ?? [];
  if (blocks.length === 0) {
    throw new Error(`${configKey}: ${file} contains no PEM certificate (expected "-----BEGIN CERTIFICATE-----")`);
  }
  return blocks.map((block, index) => {
    try {
      return new X509Certificate(block);
    } catch (error) {
      throw new Error(
        `${configKey}: ${file} has an invalid PEM certificate (number ${index + 1}): ${reasonOf(error)}`,
        { cause: error },
      );
    }
  });
}

function parsePrivateKey(file: string, data: Buffer): KeyObject {
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(data.toString('latin1'))) {
    throw new Error(`tls.key: ${file} is encrypted; Quiver needs an unencrypted PEM private key`);
  }
  try {
    return createPrivateKey({ key: data, format: 'pem' });
  } catch (error) {
    throw new Error(`tls.key: ${file} is not a valid PEM private key: ${reasonOf(error)}`, { cause: error });
  }
}

/**
 * Reads and checks the TLS files: each must be readable PEM, the key must belong to the first (leaf) certificate
 * of `cert`, and together they must make a usable TLS context.
 *
 * @returns the file contents, unchanged
 * @throws Error whose message starts with the config key and names the file, e.g.
 *   `tls.cert: cannot read /etc/quiver/cert.pem (ENOENT)` or
 *   `tls.key: /etc/quiver/key.pem does not match the certificate in /etc/quiver/cert.pem (tls.cert)`
 * @example
 * const material = loadTlsMaterial(config.tls);
 * const app = await buildApp(config, { ...options, https: httpsServerOptions(config, material) });
 */
export function loadTlsMaterial(files: TlsFiles): TlsMaterial {
  if (files.cert === null || files.cert === '') throw new Error('tls.cert: required when service.enable_tls is true');
  if (files.key === null || files.key === '') throw new Error('tls.key: required when service.enable_tls is true');

  const cert = readTlsFile('tls.cert', files.cert);
  const key = readTlsFile('tls.key', files.key);
  const ca = files.ca_cert === null || files.ca_cert === undefined || files.ca_cert === ''
    ? undefined
    : readTlsFile('tls.ca_cert', files.ca_cert);

  const [leaf] = parseCertificates('tls.cert', files.cert, cert);
  const privateKey = parsePrivateKey(files.key, key);
  if (leaf === undefined || !leaf.checkPrivateKey(privateKey)) {
    throw new Error(`tls.key: ${files.key} does not match the certificate in ${files.cert} (tls.cert)`);
  }
  if (ca !== undefined && files.ca_cert !== null && files.ca_cert !== undefined) {
    parseCertificates('tls.ca_cert', files.ca_cert, ca);
  }

  const material: TlsMaterial = ca === undefined ? { cert, key } : { cert, key, ca };
  // Whatever OpenSSL still refuses (a key too weak for its security level, …) fails here, not at the first handshake.
  try {
    createSecureContext(secureContextOptions(material));
  } catch (error) {
    throw new Error(
      `tls.cert: ${files.cert} with tls.key ${files.key} cannot be used for TLS: ${reasonOf(error)}`,
      { cause: error },
    );
  }
  return material;
}

function secureContextOptions(material: TlsMaterial): { cert: Buffer; key: Buffer; ca?: Buffer; minVersion: SecureVersion } {
  return material.ca === undefined
    ? { cert: material.cert, key: material.key, minVersion: MIN_TLS_VERSION }
    : { cert: material.cert, key: material.key, ca: material.ca, minVersion: MIN_TLS_VERSION };
}

/**
 * The `https` options of the server. With `service.verify_https_client_certificate`, clients must present a
 * certificate signed by `tls.ca_cert`, or the handshake fails (mTLS).
 *
 * @throws Error when client verification is on but `material` has no CA
 */
export function httpsServerOptions(
  config: { readonly service: Pick<Config['service'], 'verify_https_client_certificate'> },
  material: TlsMaterial,
): HttpsServerOptions {
  const verify = config.service.verify_https_client_certificate;
  if (verify && material.ca === undefined) {
    throw new Error('tls.ca_cert: required when service.verify_https_client_certificate is true');
  }
  return { ...secureContextOptions(material), requestCert: verify, rejectUnauthorized: verify };
}

/** What {@link TlsReloader} needs from the server: Node's `tls.Server` / `https.Server` has it. */
export interface SecureContextTarget {
  setSecureContext(options: { cert: Buffer; key: Buffer; ca?: Buffer; minVersion: SecureVersion }): void;
}

/** A repeating timer; the default is `setInterval`, unref'd so that it never keeps the process alive. */
export interface ReloadTimer {
  every(intervalMs: number, callback: () => void): { cancel(): void };
}

const UNREFED_INTERVAL: ReloadTimer = {
  every(intervalMs, callback) {
    const handle = setInterval(callback, intervalMs);
    handle.unref();
    return { cancel: () => clearInterval(handle) };
  },
};

/** Result of one reload: new material applied, files unchanged since the last load, or bad files (old kept). */
export type ReloadOutcome = 'reloaded' | 'unchanged' | 'failed';

/** Inputs of {@link TlsReloader}. */
export interface TlsReloaderOptions {
  /** The files to re-read (`config.tls`). */
  readonly files: TlsFiles;
  /** Seconds between reloads (`tls.cert_ttl`); null = never (then `start()` does nothing). */
  readonly ttlSeconds: number | null;
  /** The material the server was started with, so that an unchanged file set is not re-applied. */
  readonly initial?: TlsMaterial;
  /** Told why a reload was refused (the old material stays in use). */
  readonly warn: (message: string) => void;
  /** Told when new material was applied. */
  readonly info?: (message: string) => void;
  /** Test seam; default an unref'd `setInterval`. */
  readonly timer?: ReloadTimer;
  /** Test seam; default {@link loadTlsMaterial}. */
  readonly load?: (files: TlsFiles) => TlsMaterial;
}

function fingerprint(material: TlsMaterial): string {
  const hash = createHash('sha256');
  for (const part of [material.cert, material.key, material.ca ?? Buffer.alloc(0)]) {
    hash.update(String(part.length)).update(':').update(part);
  }
  return hash.digest('hex');
}

/**
 * Re-reads cert, key and CA every `ttlSeconds` and swaps them into the server with `setSecureContext()`, so new
 * handshakes use what is on disk. Bad files (unreadable, invalid PEM, key not matching the certificate) are
 * reported through `warn` and the previous material stays in use: a half-finished certificate rotation never takes
 * the server down.
 *
 * @example
 * const reloader = new TlsReloader(app.server, { files: config.tls, ttlSeconds: config.tls.cert_ttl,
 *   initial: material, warn: (m) => logger.warn(m) }).start();
 * app.addHook('onClose', async () => reloader.stop());
 */
export class TlsReloader {
  readonly #target: SecureContextTarget;
  readonly #options: TlsReloaderOptions;
  #current: string | undefined;
  #scheduled: { cancel(): void } | undefined;

  constructor(target: SecureContextTarget, options: TlsReloaderOptions) {
    this.#target = target;
    this.#options = options;
    this.#current = options.initial === undefined ? undefined : fingerprint(options.initial);
  }

  /** Starts the timer (idempotent). Does nothing when `ttlSeconds` is null. */
  start(): this {
    const ttl = this.#options.ttlSeconds;
    if (this.#scheduled === undefined && ttl !== null && ttl > 0) {
      this.#scheduled = (this.#options.timer ?? UNREFED_INTERVAL).every(ttl * 1000, () => {
        this.reloadNow();
      });
    }
    return this;
  }

  /** Re-reads the files now and applies them if they are valid and changed. Never throws. */
  reloadNow(): ReloadOutcome {
    const files = this.#options.files;
    let material: TlsMaterial;
    try {
      material = (this.#options.load ?? loadTlsMaterial)(files);
    } catch (error) {
      this.#options.warn(`TLS reload failed, still serving the previous certificate: ${reasonOf(error)}`);
      return 'failed';
    }
    const next = fingerprint(material);
    if (next === this.#current) return 'unchanged';
    try {
      this.#target.setSecureContext(secureContextOptions(material));
    } catch (error) {
      this.#options.warn(`TLS reload failed, still serving the previous certificate: ${reasonOf(error)}`);
      return 'failed';
    }
    this.#current = next;
    this.#options.info?.(
      `TLS material reloaded from ${files.cert ?? ''} and ${files.key ?? ''}`
        + (files.ca_cert === null || files.ca_cert === undefined ? '' : ` (CA ${files.ca_cert})`),
    );
    return 'reloaded';
  }

  /** Stops the timer (idempotent). */
  stop(): void {
    this.#scheduled?.cancel();
    this.#scheduled = undefined;
  }
}
