/**
 * The access-matrix oracle, shared by the REST and gRPC matrices: docs/security.md's access table transcribed by hand
 * (not derived from ACCESS_TABLE), the credential kinds a matrix runs, and what each of them must get.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { hashApiKey, writeKeysFile } from '../../src/auth/keys-file.js';
import type { TestApp } from './app.js';

export const ADMIN = 'admin-key-0123456789abcdef0123456789abcdef';
export const ALT = 'alt-key-0123456789abcdef0123456789abcdef0';
export const RO = 'read-only-key-0123456789abcdef0123456789';
export const NAMED = 'qvk_named-key-for-collection-c-rw-0123456789';
export const EXPIRED_NAMED = 'qvk_expired-named-key-0123456789abcdef0123';

const Y = true;
const N = false;
/**
 * docs/security.md's access table. Columns: m, r, crw, cr, cprw, then (Quiver's tenant tokens) crw and cr with a
 * `tenant_filter`.
 */
export const ORACLE: ReadonlyArray<readonly [readonly string[], boolean, boolean, boolean, boolean, boolean, boolean, boolean]> = [
  [['get_collections', 'get_collections_aliases', 'get_issues'], Y, Y, Y, Y, Y, Y, Y],
  [['get_collection', 'collection_exists', 'get_optimizations', 'get_collection_aliases', 'list_shard_keys'], Y, Y, Y, Y, Y, N, N],
  [['collection_cluster_info'], Y, Y, Y, Y, N, N, N],
  [['create_collection', 'delete_collection', 'update_collection', 'update_aliases', 'create_shard_key', 'delete_shard_key', 'update_collection_cluster'], Y, N, N, N, N, N, N],
  [['create_field_index', 'delete_field_index', 'create_vector_name', 'delete_vector_name'], Y, N, Y, N, N, N, N],
  [['list_snapshots', 'get_snapshot', 'list_shard_snapshots', 'get_shard_snapshot'], Y, Y, Y, Y, N, N, N],
  [['create_snapshot', 'delete_snapshot', 'create_shard_snapshot', 'delete_shard_snapshot', 'stream_shard_snapshot'], Y, N, Y, N, N, N, N],
  [['recover_from_uploaded_snapshot', 'recover_from_snapshot', 'recover_shard_from_uploaded_snapshot', 'recover_shard_from_snapshot'], Y, N, N, N, N, N, N],
  [['list_full_snapshots', 'get_full_snapshot'], Y, Y, N, N, N, N, N],
  [['create_full_snapshot', 'delete_full_snapshot', 'recover_full_snapshot', 'recover_full_from_uploaded_snapshot'], Y, N, N, N, N, N, N],
  [['cluster_status', 'metrics', 'get_quotas', 'telemetry', 'cluster_telemetry', 'get_logger_config'], Y, Y, N, N, N, N, N],
  [['recover_current_peer', 'remove_peer', 'update_quotas', 'clear_issues', 'get_audit_logs', 'update_logger_config'], Y, N, N, N, N, N, N],
  [['get_point', 'get_points', 'scroll_points', 'count_points', 'query_points', 'query_batch_points', 'query_points_groups', 'search_points', 'search_batch_points', 'search_point_groups', 'recommend_points', 'recommend_batch_points', 'recommend_point_groups', 'discover_points', 'discover_batch_points', 'search_matrix_pairs', 'search_matrix_offsets', 'facet'], Y, Y, Y, Y, Y, Y, Y],
  [['upsert_points', 'batch_update', 'delete_points', 'update_vectors', 'delete_vectors', 'set_payload', 'overwrite_payload', 'delete_payload', 'clear_payload'], Y, N, Y, N, Y, Y, N],
  [['dashboard_session'], Y, Y, Y, Y, Y, Y, Y],
  [['create_access_token', 'list_api_keys', 'create_api_key', 'delete_api_key', 'verify_audit_logs'], Y, N, N, N, N, N, N],
];
export const OPEN = new Set(['root', 'healthz', 'livez', 'readyz', 'dashboard']);
export type Column = 0 | 1 | 2 | 3 | 4 | 5 | 6;
export const oracle = new Map<string, readonly boolean[]>();
for (const [ops, ...cells] of ORACLE) for (const op of ops) oracle.set(op, cells);

export async function jwt(claims: Record<string, unknown>, secret = ADMIN, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const b = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b(header)}.${b(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

export type Expect = { kind: 'column'; column: Column } | { kind: 'deny'; status: number; text: string } | { kind: 'other-collection' };

export interface Credential {
  readonly name: string;
  readonly headers: Record<string, string>;
  /** Time-relative credentials are minted again right before each request, so their margin does not shrink
   *  with how long the matrix takes (a loaded machine must not expire a token meant to be inside its leeway). */
  readonly mint?: () => Promise<Record<string, string>>;
  readonly expect: Expect;
}

/** The tenant filter of the matrix's tenant tokens: every point but those of tenant `other` (the sample bodies' writes stay inside). */
const MATRIX_TENANT = { must_not: [{ key: 'tenant', match: { value: 'other' } }] };

export const MUST_PROVIDE = 'Must provide an API key or an Authorization bearer token';
const INVALID = 'Invalid API key or JWT';
const STATEFUL = 'Invalid JWT, stateful validation failed';

export async function credentials(): Promise<Credential[]> {
  const bearer = (t: string): Record<string, string> => ({ authorization: `Bearer ${t}` });
  const col = (column: Column): Expect => ({ kind: 'column', column });
  const deny = (status: number, text: string): Expect => ({ kind: 'deny', status, text });
  return [
    { name: 'no credential', headers: {}, expect: deny(401, MUST_PROVIDE) },
    { name: 'admin key', headers: { 'api-key': ADMIN }, expect: col(0) },
    { name: 'alt key', headers: { 'api-key': ALT }, expect: col(0) },
    { name: 'read-only key', headers: { 'api-key': RO }, expect: col(1) },
    { name: 'unknown key', headers: { 'api-key': 'nope-0123456789abcdef0123456789abcdef' }, expect: deny(401, INVALID) },
    { name: 'JWT m', headers: bearer(await jwt({ access: 'm' })), expect: col(0) },
    { name: 'JWT without access claim', headers: bearer(await jwt({})), expect: col(0) },
    { name: 'JWT signed with alt key', headers: bearer(await jwt({ access: 'r' }, ALT)), expect: col(1) },
    { name: 'JWT r', headers: bearer(await jwt({ access: 'r' })), expect: col(1) },
    { name: 'JWT collection rw', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'rw' }] })), expect: col(2) },
    { name: 'JWT collection r', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'r' }] })), expect: col(3) },
    { name: 'JWT collection prw', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'prw' }] })), expect: col(4) },
    // Tenant tokens (Quiver): point operations only, confined to the filter; the matrix's sample writes stay inside it.
    { name: 'JWT collection rw with a tenant filter', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'rw', tenant_filter: MATRIX_TENANT }] })), expect: col(5) },
    { name: 'JWT collection r with a tenant filter', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'r', tenant_filter: MATRIX_TENANT }] })), expect: col(6) },
    { name: 'JWT for another collection', headers: bearer(await jwt({ access: [{ collection: 'other', access: 'rw' }] })), expect: { kind: 'other-collection' } },
    { name: 'JWT expired 40 s ago', headers: {}, mint: async () => bearer(await jwt({ access: 'm', exp: Math.floor(Date.now() / 1000) - 40 })), expect: deny(403, 'ExpiredSignature') },
    // 15 s into the 30 s leeway: 15 s of margin either way for the one request it is minted for.
    { name: 'JWT expired 15 s ago (leeway)', headers: {}, mint: async () => bearer(await jwt({ access: 'm', exp: Math.floor(Date.now() / 1000) - 15 })), expect: col(0) },
    { name: 'JWT bad signature', headers: bearer(await jwt({ access: 'm' }, 'another-secret-0123456789abcdef01234')), expect: deny(403, 'InvalidSignature') },
    { name: 'JWT alg none', headers: bearer(unsigned({ alg: 'none', typ: 'JWT' }, { access: 'm' }).replace(/[^.]+$/, '')), expect: deny(401, INVALID) },
    { name: 'JWT HS512', headers: bearer(await jwt({ access: 'm' }, ADMIN, 'HS512')), expect: deny(401, INVALID) },
    { name: 'JWT RS256 header', headers: bearer(unsigned({ alg: 'RS256', typ: 'JWT' }, { access: 'm' })), expect: deny(401, INVALID) },
    { name: 'malformed token', headers: bearer('not.a.jwt'), expect: deny(401, INVALID) },
    { name: 'malformed tenant filter', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'r', tenant_filter: { must: [{ key: 'f', match: {} }] } }] })), expect: deny(401, INVALID) },
    { name: 'deprecated payload claim', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'r', payload: { user: 'x' } }] })), expect: deny(401, INVALID) },
    { name: 'value_exists hit', headers: bearer(await jwt({ access: 'm', value_exists: { collection: 'users', matches: [{ key: 'user', value: 'andrey' }, { key: 'role', value: 'manager' }] } })), expect: col(0) },
    { name: 'value_exists miss', headers: bearer(await jwt({ access: 'm', value_exists: { collection: 'users', matches: [{ key: 'user', value: 'andrey' }, { key: 'role', value: 'intern' }] } })), expect: deny(401, STATEFUL) },
    { name: 'value_exists on a missing collection', headers: bearer(await jwt({ access: 'm', value_exists: { collection: 'nobody', matches: [{ key: 'user', value: 'andrey' }] } })), expect: deny(403, STATEFUL) },
    { name: 'named key (c:rw)', headers: { 'api-key': NAMED }, expect: col(2) },
    { name: 'expired named key', headers: { 'api-key': EXPIRED_NAMED }, expect: deny(401, INVALID) },
  ];
}

/** The server environment of a matrix: every kind of key, JWT RBAC, and a keys file with a named and an expired key. */
export function matrixEnv(dir: string): Record<string, string> {
  const keysFile = join(dir, 'keys.yaml');
  writeKeysFile(keysFile, [
    { name: 'ci', hash: hashApiKey(NAMED), access: { kind: 'collections', grants: [{ collection: 'c', access: 'rw' }] }, createdAt: new Date() },
    { name: 'old', hash: hashApiKey(EXPIRED_NAMED), access: { kind: 'global', level: 'm' }, expiresAt: new Date(Date.now() - 60_000), createdAt: new Date(Date.now() - 86_400_000) },
  ]);
  return {
    QDRANT__SERVICE__API_KEY: ADMIN,
    QDRANT__SERVICE__ALT_API_KEY: ALT,
    QDRANT__SERVICE__READ_ONLY_API_KEY: RO,
    QDRANT__SERVICE__JWT_RBAC: 'true',
    QDRANT__SERVICE__API_KEYS_FILE: keysFile,
  };
}

/**
 * The stored state a matrix runs against (collections `c`, `other`, `users`, alias `ca`): `reset()` restores it,
 * `fingerprint()` is everything a denied request could have changed.
 */
export function matrixState(app: TestApp): { reset: () => Promise<void>; fingerprint: () => Promise<string> } {
  const admin = { 'api-key': ADMIN };
  /** GET/POST as admin; a state dump fails on any answer but 200. */
  const ok200 = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const r = await app.request(method, path, body, admin);
    assert.equal(r.status, 200, `state dump ${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    return r.body.result;
  };
  return {
    reset: async () => {
      for (const name of ['c', 'other', 'users']) await app.request('DELETE', `/collections/${name}`, undefined, admin);
      for (const name of ['c', 'other', 'users']) await app.request('PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Dot' } }, admin);
      await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { f: 'a' } }, { id: 2, vector: [0, 1], payload: { f: 'b' } }] }, admin);
      await app.request('PUT', '/collections/users/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { user: 'andrey', role: 'manager' } }] }, admin);
      await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'c', alias_name: 'ca' } }] }, admin);
    },
    fingerprint: async () => {
      const collections = (await ok200('GET', '/collections')) as { collections: Array<{ name: string }> };
      const parts: unknown[] = [collections, await ok200('GET', '/aliases'), ((await ok200('GET', '/quotas')) as { config: unknown }).config];
      // Only collections that exist are dumped (an allowed cell may have deleted one; the list above records that).
      const existing = new Set(collections.collections.map((c) => c.name));
      for (const c of ['c', 'other', 'users'].filter((name) => existing.has(name))) {
        const info = (await ok200('GET', `/collections/${c}`)) as { config: unknown; payload_schema: unknown };
        parts.push(info.config, info.payload_schema);
        parts.push(await ok200('POST', `/collections/${c}/points/scroll`, { limit: 100, with_vector: true }));
      }
      return JSON.stringify(parts);
    },
  };
}
