/**
 * The key of the audit hash chain (**Quiver**), in order of preference:
 * 1. `audit.hmac_key`: its UTF-8 bytes;
 * 2. `audit.hmac_key_file`: HKDF-SHA256 of the file's bytes (exactly as stored; a trailing newline counts) to
 *    32 bytes;
 * 3. the admin API key (`service.api_key`): HKDF-SHA256 to 32 bytes with info `quiver-audit`. Rotating the API
 *    key then changes the chain key: lines written before cannot be verified with the new one. Set `hmac_key`
 *    or `hmac_key_file` to rotate API keys freely;
 * 4. otherwise a random key kept in `<audit.dir>/.audit-key` (mode 0600), created on first use. This only detects
 *    edits by someone who cannot read that directory: whoever can read the key can rewrite the whole log
 *    consistently. Keep the key elsewhere (1–3) when the log must resist the host's administrators.
 *
 * An empty string counts as unset, as for API keys.
 */
import { hkdfSync, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { createExclusive, ensureAuditDir, hasErrorCode, readFileIfPresent } from './audit-fs.js';

/** The audit config keys the chain key comes from. */
export interface AuditKeyConfig {
  readonly dir: string;
  readonly hmac_key: string | null;
  readonly hmac_key_file: string | null;
}

/** The per-directory key file of case 4. */
export const DIRECTORY_KEY_FILE = '.audit-key';

const HKDF_INFO = 'quiver-audit';
const KEY_BYTES = 32;

function hkdf(ikm: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', ikm, Buffer.alloc(0), HKDF_INFO, KEY_BYTES));
}

const isSet = (v: string | null | undefined): v is string => v !== null && v !== undefined && v !== '';

/**
 * The chain key from configuration alone (cases 1–3), or `null` when none is configured. Never touches the audit
 * directory, so `quiver audit verify` can use it without creating a key file.
 * @throws Error when both `hmac_key` and `hmac_key_file` are set, or the key file is missing or empty
 */
export function configuredAuditKey(config: Omit<AuditKeyConfig, 'dir'>, apiKey: string | null): Buffer | null {
  if (isSet(config.hmac_key) && isSet(config.hmac_key_file)) {
    throw new Error('audit: set at most one of audit.hmac_key and audit.hmac_key_file');
  }
  if (isSet(config.hmac_key)) return Buffer.from(config.hmac_key, 'utf8');
  if (isSet(config.hmac_key_file)) return keyFromFile(config.hmac_key_file);
  if (isSet(apiKey)) return hkdf(Buffer.from(apiKey, 'utf8'));
  return null;
}

/**
 * The chain key derived from a key file's bytes (case 2).
 * @throws Error naming the file when it is missing, unreadable or empty
 */
export function keyFromFile(path: string): Buffer {
  let bytes: Buffer | undefined;
  try {
    bytes = readFileIfPresent(path);
  } catch (e) {
    throw new Error(`audit.hmac_key_file ${path} cannot be read: ${(e as Error).message}`, { cause: e });
  }
  if (bytes === undefined) throw new Error(`audit.hmac_key_file ${path} does not exist`);
  if (bytes.length === 0) throw new Error(`audit.hmac_key_file ${path} is empty`);
  return hkdf(bytes);
}

/**
 * The per-directory key of `dir` (case 4), or `null` when the directory has none.
 * @throws Error when the key file exists but does not hold 64 hex digits
 */
export function readDirectoryKey(dir: string): Buffer | null {
  const path = join(dir, DIRECTORY_KEY_FILE);
  const bytes = readFileIfPresent(path);
  if (bytes === undefined) return null;
  const hex = bytes.toString('utf8').trim();
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`${path} is not a valid audit key (64 hex digits expected)`);
  return Buffer.from(hex, 'hex');
}

/**
 * The chain key: {@link configuredAuditKey}, else the directory's key, created (mode 0600, `O_EXCL`, fsynced) if
 * missing. See the module comment for what each choice protects against.
 * @param apiKey - `service.api_key`, or null
 * @throws Error on a bad key configuration, or fs errors when the directory key cannot be read or created
 * @example
 * const key = deriveAuditKey(config.audit, config.service.api_key);
 */
export function deriveAuditKey(config: AuditKeyConfig, apiKey: string | null): Buffer {
  const configured = configuredAuditKey(config, apiKey);
  if (configured !== null) return configured;
  const existing = readDirectoryKey(config.dir);
  if (existing !== null) return existing;
  ensureAuditDir(config.dir);
  const key = randomBytes(KEY_BYTES);
  try {
    createExclusive(join(config.dir, DIRECTORY_KEY_FILE), config.dir, `${key.toString('hex')}\n`);
    return key;
  } catch (e) {
    // Another process created it first: use theirs.
    if (hasErrorCode(e, 'EEXIST')) return readDirectoryKey(config.dir) ?? key;
    throw e;
  }
}
