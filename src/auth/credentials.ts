/**
 * The configured credentials, in the form `authenticate()` needs and nothing more:
 * - api_key / alt_api_key / read_only_api_key as SHA-256 digests, compared with `crypto.timingSafeEqual`;
 * - the JWT verification keys as non-extractable WebCrypto keys, only when `jwt_rbac` is on;
 * - the named keys file's entries (digests only, as stored).
 *
 * Plain key text is not kept: the store never holds a key string after building its state.
 * `reload()` builds a complete new state and swaps it in with one assignment, so a request sees either the
 * old credentials or the new ones, never a mix; a reload that fails keeps the old state.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { Access } from './access.js';
import { importJwtSecret, type JwtKey } from './jwt.js';
import { hashDigest, readKeysFile } from './keys-file.js';
import type { JwtIssuerConfig } from '../config/jwt-issuers.js';
import { IssuerSet } from './jwt-issuers.js';
import type { KeySourceDeps } from './jwks.js';
import type { TlsClientAccessEntry } from '../config/tls-client-access.js';
import { parseCertAccess, type CertAccess } from './cert-identity.js';

/**
 * The `service` settings the store is built from (Qdrant names). `null`, `undefined` and `""` all mean unset.
 */
export interface CredentialConfig {
  readonly api_key?: string | null;
  readonly alt_api_key?: string | null;
  readonly read_only_api_key?: string | null;
  readonly jwt_rbac?: boolean | null;
  /** **Quiver:** path of the named API keys file (see `keys-file.ts`). */
  readonly api_keys_file?: string | null;
  /** **Quiver:** external identity providers (see `jwt-issuers.ts`). */
  readonly jwt_issuers?: readonly JwtIssuerConfig[] | null;
  /** **Quiver:** client certificate identities → access (see `cert-identity.ts`). */
  readonly tls_client_access?: readonly TlsClientAccessEntry[] | null;
}

/** How issuer keys are fetched and problems reported; tests substitute the clock and the fetch. */
export type IssuerOptions = Partial<KeySourceDeps>;

/** A named key, as the store keeps it. */
interface StoredNamedKey {
  readonly name: string;
  readonly digest: Buffer;
  readonly access: Access;
  readonly expiresAt?: Date;
}

/** What a presented key matched. */
export type KeyMatch =
  | { readonly kind: 'manage' }
  | { readonly kind: 'read' }
  | { readonly kind: 'named'; readonly name: string; readonly access: Access }
  | { readonly kind: 'expired_named'; readonly name: string }
  | { readonly kind: 'none' };

/** Keys shorter than this are accepted, with a startup warning. */
export const MIN_KEY_BYTES = 32;

function digest(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

function present(value: string | null | undefined): value is string {
  return typeof value === 'string' && value !== '';
}

/**
 * One immutable snapshot of the credentials. `authenticate()` takes one snapshot per request and uses
 * only it, which is what makes a concurrent reload safe.
 */
export class CredentialSnapshot {
  /** No key configured at all: every request has full access, `auth_type: "None"`. */
  readonly open: boolean;
  /** JWT verification keys in order (api_key, alt_api_key); empty unless `jwt_rbac` is on. */
  readonly jwtKeys: readonly JwtKey[];
  /** Startup warnings (short keys); they name the setting, never the key. */
  readonly warnings: readonly string[];
  /** **Quiver:** external issuers, when configured. */
  readonly issuers: IssuerSet | undefined;
  /** **Quiver:** certificate identities, in configured order. */
  readonly certAccess: readonly CertAccess[];
  readonly #manage: readonly Buffer[];
  readonly #read: Buffer | undefined;
  readonly #named: readonly StoredNamedKey[];

  /** @internal built by {@link CredentialStore} only. */
  constructor(parts: {
    open: boolean;
    manage: Buffer[];
    read: Buffer | undefined;
    named: StoredNamedKey[];
    jwtKeys: JwtKey[];
    warnings: string[];
    issuers: IssuerSet | undefined;
    certAccess: CertAccess[];
  }) {
    this.issuers = parts.issuers;
    this.certAccess = parts.certAccess;
    this.open = parts.open;
    this.#manage = parts.manage;
    this.#read = parts.read;
    this.#named = parts.named;
    this.jwtKeys = parts.jwtKeys;
    this.warnings = parts.warnings;
  }

  /**
   * Which configured key `presented` is, in Qdrant's order: api_key / alt_api_key, read_only_api_key, then
   * Quiver's named keys. Every candidate of a tier is compared (no early exit) so the time does not reveal
   * which one matched.
   */
  match(presented: string, now: Date): KeyMatch {
    const d = digest(presented);
    // Digests are 32 bytes each, so timingSafeEqual never throws on a length mismatch.
    let manage = false;
    for (const m of this.#manage) manage = timingSafeEqual(d, m) || manage;
    if (manage) return { kind: 'manage' };
    if (this.#read !== undefined && timingSafeEqual(d, this.#read)) return { kind: 'read' };
    let found: StoredNamedKey | undefined;
    for (const k of this.#named) if (timingSafeEqual(d, k.digest)) found = k;
    if (found === undefined) return { kind: 'none' };
    if (found.expiresAt !== undefined && found.expiresAt.getTime() <= now.getTime()) {
      return { kind: 'expired_named', name: found.name };
    }
    return { kind: 'named', name: found.name, access: found.access };
  }
}

function issuerSet(config: CredentialConfig, options: IssuerOptions, previous: IssuerSet | undefined): IssuerSet | undefined {
  const configs = config.jwt_issuers ?? [];
  if (configs.length === 0) return undefined;
  // An unchanged issuer list keeps its key caches across a reload.
  if (previous !== undefined && previous.fingerprint === JSON.stringify(configs)) return previous;
  return new IssuerSet(configs, { warn: () => undefined, ...options });
}

async function buildSnapshot(config: CredentialConfig, options: IssuerOptions = {}, previous?: IssuerSet): Promise<CredentialSnapshot> {
  const issuers = issuerSet(config, options, previous);
  const certAccess = parseCertAccess(config.tls_client_access ?? []);
  const warnings: string[] = [];
  const manage: Buffer[] = [];
  const jwtKeys: JwtKey[] = [];
  for (const setting of ['api_key', 'alt_api_key'] as const) {
    const key = config[setting];
    if (!present(key)) continue;
    manage.push(digest(key));
    if (config.jwt_rbac === true) jwtKeys.push(await importJwtSecret(key));
  }
  const readOnly = config.read_only_api_key;
  for (const setting of ['api_key', 'alt_api_key', 'read_only_api_key'] as const) {
    const key = config[setting];
    if (present(key) && Buffer.byteLength(key, 'utf8') < MIN_KEY_BYTES) {
      warnings.push(`service.${setting} is shorter than ${MIN_KEY_BYTES} bytes; use a long random key`);
    }
  }
  const keysFile = config.api_keys_file;
  const named: StoredNamedKey[] = present(keysFile)
    ? readKeysFile(keysFile).map((e) => ({
      name: e.name,
      digest: hashDigest(e.hash),
      access: e.access,
      ...(e.expiresAt === undefined ? {} : { expiresAt: e.expiresAt }),
    }))
    : [];
  return new CredentialSnapshot({
    // A configured keys file closes the server even while it lists no key: revoking the last named key
    // must never turn authentication off.
    open: manage.length === 0 && !present(readOnly) && !present(keysFile) && issuers === undefined && certAccess.length === 0,
    manage,
    read: present(readOnly) ? digest(readOnly) : undefined,
    named,
    jwtKeys,
    warnings,
    issuers,
    certAccess,
  });
}

/**
 * The live credentials, hot-reloadable (SIGHUP, keys-file watch).
 * @example
 * const store = await CredentialStore.create(config.service);
 * process.on('SIGHUP', () => void store.reload(loadConfig().service).catch(log.error));
 */
export class CredentialStore {
  #snapshot: CredentialSnapshot;
  #generation = 0;
  readonly #options: IssuerOptions;

  private constructor(snapshot: CredentialSnapshot, options: IssuerOptions) {
    this.#snapshot = snapshot;
    this.#options = options;
  }

  /**
   * Builds the store; reads the named keys file when one is configured.
   * @throws KeysFileError when the keys file is missing or invalid
   */
  static async create(config: CredentialConfig, options: IssuerOptions = {}): Promise<CredentialStore> {
    return new CredentialStore(await buildSnapshot(config, options), options);
  }

  /**
   * Replaces every credential at once with those of `config` (re-reading the keys file). On error the old
   * credentials stay in force. When reloads overlap, the one started last wins.
   * @throws KeysFileError when the keys file is missing or invalid
   */
  async reload(config: CredentialConfig): Promise<void> {
    const generation = ++this.#generation;
    const next = await buildSnapshot(config, this.#options, this.#snapshot.issuers);
    if (generation === this.#generation) this.#snapshot = next;
  }

  /** The current credentials. Take it once per request. */
  snapshot(): CredentialSnapshot {
    return this.#snapshot;
  }

  /** No key configured at all (api keys and keys file unset): every request has full access. */
  isOpen(): boolean {
    return this.#snapshot.open;
  }

  /** Warnings to log at startup and after a reload. */
  warnings(): readonly string[] {
    return this.#snapshot.warnings;
  }
}
