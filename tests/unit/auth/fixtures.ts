/** Shared fixtures for the auth unit tests: keys, a credential store, token builders, authorize deps. */
import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';
import type { AuthorizeDeps, ValueExistsOutcome } from '../../../src/auth/authorize.js';
import { CredentialStore, type CredentialConfig } from '../../../src/auth/credentials.js';
import type { ValueExistsClaim } from '../../../src/auth/jwt.js';
import { hashApiKey, writeKeysFile } from '../../../src/auth/keys-file.js';

export const ADMIN_KEY = 'admin-key-0123456789abcdef0123456789abcdef';
export const ALT_KEY = 'alt-key-0123456789abcdef0123456789abcdef';
export const RO_KEY = 'read-only-key-0123456789abcdef0123456789';
export const NAMED_KEY = 'qvk_named-key-for-collection-c-rw-0123456789abcd';
export const EXPIRED_NAMED_KEY = 'qvk_expired-named-key-0123456789abcdef012345';
export const NAMED_READ_KEY = 'qvk_named-global-read-key-0123456789abcdef0123';

/** The fixed clock of every test. */
export const NOW = new Date('2030-06-01T12:00:00Z');
export const NOW_S = Math.floor(NOW.getTime() / 1000);

const encoder = new TextEncoder();

export function b64url(json: unknown): string {
  return Buffer.from(JSON.stringify(json)).toString('base64url');
}

/** An HS256 token over arbitrary claims, signed with `secret` (default: the admin key). */
export function hs256(claims: Record<string, unknown>, secret: string = ADMIN_KEY): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS256', typ: 'JWT' }).sign(encoder.encode(secret));
}

/** A token signed with HS512 using the admin key (a valid signature, a refused algorithm). */
export function hs512(claims: Record<string, unknown>): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg: 'HS512', typ: 'JWT' }).sign(encoder.encode(ADMIN_KEY));
}

/** A genuine RS256 token from a fresh RSA key pair. */
export function rs256(claims: Record<string, unknown>): Promise<string> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return new SignJWT(claims).setProtectedHeader({ alg: 'RS256', typ: 'JWT' }).sign(privateKey);
}

/** An unsecured token: `alg: none`, empty signature. */
export function algNone(claims: Record<string, unknown>): string {
  return `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(claims)}.`;
}

/** A temp dir, removed by the returned cleanup. */
export function tempDir(): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'quiver-auth-'));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

/** Writes the fixture keys file: a named `c:rw` key, an expired one, and a global read one. */
export function writeFixtureKeysFile(path: string): void {
  writeKeysFile(path, [
    {
      name: 'ci',
      hash: hashApiKey(NAMED_KEY),
      access: { kind: 'collections', grants: [{ collection: 'c', access: 'rw' }] },
      expiresAt: new Date(NOW.getTime() + 86_400_000),
      createdAt: new Date('2030-01-01T00:00:00Z'),
    },
    {
      name: 'old',
      hash: hashApiKey(EXPIRED_NAMED_KEY),
      access: { kind: 'global', level: 'm' },
      expiresAt: new Date(NOW.getTime() - 1000),
      createdAt: new Date('2029-01-01T00:00:00Z'),
    },
    {
      name: 'reader',
      hash: hashApiKey(NAMED_READ_KEY),
      access: { kind: 'global', level: 'r' },
      createdAt: new Date('2030-01-01T00:00:00Z'),
    },
  ]);
}

/** The full configuration: every kind of key, JWT on, a keys file. */
export function fullConfig(keysFile: string): CredentialConfig {
  return { api_key: ADMIN_KEY, alt_api_key: ALT_KEY, read_only_api_key: RO_KEY, jwt_rbac: true, api_keys_file: keysFile };
}

export async function fullStore(keysFile: string): Promise<CredentialStore> {
  writeFixtureKeysFile(keysFile);
  return CredentialStore.create(fullConfig(keysFile));
}

/** `value_exists` backed by one collection `users` holding `{user: "andrey", role: "manager"}`. */
export function valueExistsFixture(claim: ValueExistsClaim): Promise<ValueExistsOutcome> {
  if (claim.collection !== 'users') return Promise.resolve('no_collection');
  const point: Record<string, unknown> = { user: 'andrey', role: 'manager' };
  return Promise.resolve(claim.matches.every((m) => point[m.key] === m.value) ? 'ok' : 'no_match');
}

/** Deps for authorize(): aliases `alias_c → c`, `alias_x → x`; an in-memory audit sink. */
export function deps(overrides: Partial<AuthorizeDeps> = {}): AuthorizeDeps & { audit: MemoryAuditSink } {
  const aliases: Record<string, string> = { alias_c: 'c', alias_x: 'x' };
  return {
    resolveAlias: (name) => aliases[name] ?? name,
    valueExists: valueExistsFixture,
    audit: new MemoryAuditSink(),
    request: { api: '/collections/{collection_name}/points', remote: '10.0.0.7', tracingId: 'trace-1' },
    now: () => NOW,
    ...overrides,
  } as AuthorizeDeps & { audit: MemoryAuditSink };
}
