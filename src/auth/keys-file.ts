/**
 * Named API keys (**Quiver**): a YAML file of `{name, hash, access, expires_at?, created_at}` entries, so that
 * several clients get their own revocable, optionally expiring key without sharing the admin key.
 *
 * ```yaml
 * version: 1                       # the file's format version; absent (files written before it was recorded) = 1
 * keys:
 *   - name: ci
 *     hash: "sha256:9f86d0…"        # SHA-256 of the key; the key itself is never stored
 *     access: [{collection: docs, access: rw}]   # same format as the JWT `access` claim
 *     expires_at: "2026-01-01T00:00:00Z"          # optional, RFC 3339
 *     created_at: "2025-06-01T12:00:00Z"
 * ```
 *
 * This is the auth layer's only file adapter; the bytes go through `storage/fs.ts` (atomic replace:
 * write temp → fsync → rename → fsync dir), the one module that touches node:fs.
 */
import { createHash, randomBytes } from 'node:crypto';
import { parse, stringify } from 'yaml';
import { atomicWrite, readFileIfExists } from '../storage/fs.js';
import { accessToClaim, parseAccessClaim, type Access } from './access.js';
import { checkFormatVersion } from '../storage/format-version.js';

/** The keys file's format version (top-level `version`). */
export const KEYS_FILE_FORMAT_VERSION = 1;
import { isObject } from '../json.js';

/** Prefix of generated keys: recognisable in logs and by secret scanners. */
export const KEY_PREFIX = 'qvk_';

/** One named key, as loaded. */
export interface NamedKeyEntry {
  readonly name: string;
  /** `sha256:<64 lowercase hex>` of the key. */
  readonly hash: string;
  readonly access: Access;
  readonly expiresAt?: Date;
  readonly createdAt: Date;
}

/** A keys file that cannot be read or is not valid. The message names the file and the entry, never a key. */
export class KeysFileError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'KeysFileError';
  }
}

const NAME_RE = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const HASH_RE = /^sha256:[0-9a-f]{64}$/;
const RFC3339_RE = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/;
const ENTRY_FIELDS: ReadonlySet<string> = new Set(['name', 'hash', 'access', 'expires_at', 'created_at']);

/** True when `name` is a valid key name: 1–64 of `A-Z a-z 0-9 _ . -`, starting with a letter or digit. */
export function isValidKeyName(name: string): boolean {
  return NAME_RE.test(name);
}

/** Parses an RFC 3339 timestamp (`2026-01-01T00:00:00Z`, with offset or fraction); `undefined` when invalid. */
export function parseRfc3339(text: string): Date | undefined {
  if (!RFC3339_RE.test(text)) return undefined;
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

/** A new key: 32 random bytes (256 bits), base64url, prefixed `qvk_`. */
export function generateApiKey(): string {
  return KEY_PREFIX + randomBytes(32).toString('base64url');
}

/**
 * The stored form of a key: `sha256:<hex>`.
 *
 * Why an unsalted, fast hash is right here: a generated key has 256 bits of entropy, so no dictionary or
 * brute-force search can find a preimage of its digest, and a salt (which defends low-entropy passwords
 * against precomputed tables) adds nothing. A slow KDF (bcrypt, argon2) would only add its cost to every
 * request. Keys written into the file by hand must be equally random; the CLI only ever generates them.
 */
export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

/** The raw 32-byte digest of a `sha256:<hex>` hash. */
export function hashDigest(hash: string): Buffer {
  return Buffer.from(hash.slice('sha256:'.length), 'hex');
}

function timestampField(value: unknown, where: string, field: string): Date {
  const date = typeof value === 'string' ? parseRfc3339(value) : undefined;
  if (date === undefined) throw new KeysFileError(`${where}: ${field} must be an RFC 3339 timestamp such as 2026-01-01T00:00:00Z`);
  return date;
}

function parseEntry(raw: unknown, where: string): NamedKeyEntry {
  if (!isObject(raw)) throw new KeysFileError(`${where}: must be a mapping {name, hash, access, created_at}`);
  for (const field of Object.keys(raw)) {
    // Strict on purpose: a misspelt `expires_at` must not silently make a key immortal.
    if (!ENTRY_FIELDS.has(field)) throw new KeysFileError(`${where}: unknown field "${field}"`);
  }
  const { name, hash, access, expires_at: expiresAt, created_at: createdAt } = raw;
  if (typeof name !== 'string' || !isValidKeyName(name)) {
    throw new KeysFileError(`${where}: name must be 1-64 characters of A-Z a-z 0-9 _ . - starting with a letter or digit`);
  }
  const named = `${where} (${name})`;
  if (typeof hash !== 'string' || !HASH_RE.test(hash)) {
    throw new KeysFileError(`${named}: hash must be "sha256:" followed by 64 lowercase hex digits`);
  }
  let parsedAccess: Access;
  try {
    parsedAccess = parseAccessClaim(access);
  } catch (e) {
    throw new KeysFileError(`${named}: ${(e as Error).message}`, { cause: e });
  }
  return {
    name,
    hash,
    access: parsedAccess,
    ...(expiresAt === undefined || expiresAt === null ? {} : { expiresAt: timestampField(expiresAt, named, 'expires_at') }),
    createdAt: timestampField(createdAt, named, 'created_at'),
  };
}

/**
 * Parses and validates the text of a keys file. Names and hashes must be unique.
 * @param source - the file path, for error messages
 * @throws KeysFileError naming the file and the offending entry
 */
export function parseKeysFile(text: string, source: string): NamedKeyEntry[] {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true });
  } catch (e) {
    throw new KeysFileError(`${source}: not valid YAML: ${(e as Error).message}`, { cause: e });
  }
  if (doc === null || doc === undefined) return [];
  if (!isObject(doc)) throw new KeysFileError(`${source}: must be a mapping with a "keys" list`);
  for (const field of Object.keys(doc)) {
    if (field !== 'keys' && field !== 'version') throw new KeysFileError(`${source}: unknown top-level field "${field}"`);
  }
  try {
    checkFormatVersion('API keys file', doc['version'], KEYS_FILE_FORMAT_VERSION);
  } catch (e) {
    throw new KeysFileError(`${source}: ${(e as Error).message}`, { cause: e });
  }
  const list = doc['keys'];
  if (list === null || list === undefined) return [];
  if (!Array.isArray(list)) throw new KeysFileError(`${source}: "keys" must be a list`);
  const entries = list.map((raw: unknown, i) => parseEntry(raw, `${source}: keys[${i}]`));
  const names = new Set<string>();
  const hashes = new Set<string>();
  for (const e of entries) {
    if (names.has(e.name)) throw new KeysFileError(`${source}: key name "${e.name}" appears more than once`);
    if (hashes.has(e.hash)) throw new KeysFileError(`${source}: key "${e.name}" has the same hash as another key`);
    names.add(e.name);
    hashes.add(e.hash);
  }
  return entries;
}

/** The text of a keys file (inverse of {@link parseKeysFile}). */
export function serializeKeysFile(entries: readonly NamedKeyEntry[]): string {
  const keys = entries.map((e) => ({
    name: e.name,
    hash: e.hash,
    access: accessToClaim(e.access),
    ...(e.expiresAt === undefined ? {} : { expires_at: e.expiresAt.toISOString() }),
    created_at: e.createdAt.toISOString(),
  }));
  return (
    '# Quiver named API keys, managed with `quiver keys create|list|revoke`.\n' +
    '# Holds SHA-256 digests only: a key is shown once, when it is created, and never stored.\n' +
    stringify({ version: KEYS_FILE_FORMAT_VERSION, keys })
  );
}

/**
 * Reads and validates a keys file.
 * @param missingOk - a missing file is an empty list (the CLI creating the first key); otherwise an error,
 *   so a mistyped `api_keys_file` path is reported rather than silently meaning "no named keys".
 * @throws KeysFileError
 */
export function readKeysFile(path: string, options: { missingOk?: boolean } = {}): NamedKeyEntry[] {
  let bytes: Buffer | undefined;
  try {
    bytes = readFileIfExists(path);
  } catch (e) {
    throw new KeysFileError(`cannot read API keys file ${path}: ${(e as Error).message}`, { cause: e });
  }
  if (bytes === undefined) {
    if (options.missingOk === true) return [];
    throw new KeysFileError(`API keys file ${path} does not exist (create a key with \`quiver keys create\`)`);
  }
  return parseKeysFile(bytes.toString('utf8'), path);
}

/**
 * Replaces the keys file atomically (mode 0600): readers see the old list or the new one, never a mix.
 * @throws KeysFileError when the file cannot be written
 */
export function writeKeysFile(path: string, entries: readonly NamedKeyEntry[]): void {
  try {
    atomicWrite(path, serializeKeysFile(entries));
  } catch (e) {
    throw new KeysFileError(`cannot write API keys file ${path}: ${(e as Error).message}`, { cause: e });
  }
}
