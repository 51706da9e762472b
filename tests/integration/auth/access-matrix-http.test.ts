/**
 * The access matrix through the real REST layer: every registered route × every kind of credential, with
 * the expected outcome from an oracle transcribed by hand from docs/security.md (not derived from ACCESS_TABLE).
 * Denials must have docs/security.md's exact status and body and must leave the stored state unchanged.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { SignJWT } from 'jose';
import { startTestApp, type TestApp } from '../../support/app.js';
import { ALL_ROUTES } from '../../../src/api/rest/routes/index.js';
import { OPERATION_NAMES } from '../../../src/auth/access-table.js';
import { DASHBOARD_OPERATION } from '../../../src/api/dashboard/static.js';
import { hashApiKey, writeKeysFile } from '../../../src/auth/keys-file.js';
import { validateBody, hasBody, operationSpec } from '../../../src/api/rest/schemas/validator.js';

const ADMIN = 'admin-key-0123456789abcdef0123456789abcdef';
const ALT = 'alt-key-0123456789abcdef0123456789abcdef0';
const RO = 'read-only-key-0123456789abcdef0123456789';
const NAMED = 'qvk_named-key-for-collection-c-rw-0123456789';
const EXPIRED_NAMED = 'qvk_expired-named-key-0123456789abcdef0123';

const Y = true;
const N = false;
/** docs/security.md's access table. Columns: m, r, crw, cr, cprw. */
const ORACLE: ReadonlyArray<readonly [readonly string[], boolean, boolean, boolean, boolean, boolean]> = [
  [['get_collections', 'get_collections_aliases', 'get_issues'], Y, Y, Y, Y, Y],
  [['get_collection', 'collection_exists', 'get_optimizations', 'get_collection_aliases', 'list_shard_keys'], Y, Y, Y, Y, Y],
  [['collection_cluster_info'], Y, Y, Y, Y, N],
  [['create_collection', 'delete_collection', 'update_collection', 'update_aliases', 'create_shard_key', 'delete_shard_key', 'update_collection_cluster'], Y, N, N, N, N],
  [['create_field_index', 'delete_field_index', 'create_vector_name', 'delete_vector_name'], Y, N, Y, N, N],
  [['list_snapshots', 'get_snapshot', 'list_shard_snapshots', 'get_shard_snapshot'], Y, Y, Y, Y, N],
  [['create_snapshot', 'delete_snapshot', 'create_shard_snapshot', 'delete_shard_snapshot', 'stream_shard_snapshot'], Y, N, Y, N, N],
  [['recover_from_uploaded_snapshot', 'recover_from_snapshot', 'recover_shard_from_uploaded_snapshot', 'recover_shard_from_snapshot'], Y, N, N, N, N],
  [['list_full_snapshots', 'get_full_snapshot'], Y, Y, N, N, N],
  [['create_full_snapshot', 'delete_full_snapshot'], Y, N, N, N, N],
  [['cluster_status', 'metrics', 'get_quotas', 'telemetry', 'cluster_telemetry', 'get_logger_config'], Y, Y, N, N, N],
  [['recover_current_peer', 'remove_peer', 'update_quotas', 'clear_issues', 'get_audit_logs', 'update_logger_config'], Y, N, N, N, N],
  [['get_point', 'get_points', 'scroll_points', 'count_points', 'query_points', 'query_batch_points', 'query_points_groups', 'search_points', 'search_batch_points', 'search_point_groups', 'recommend_points', 'recommend_batch_points', 'recommend_point_groups', 'discover_points', 'discover_batch_points', 'search_matrix_pairs', 'search_matrix_offsets', 'facet'], Y, Y, Y, Y, Y],
  [['upsert_points', 'batch_update', 'delete_points', 'update_vectors', 'delete_vectors', 'set_payload', 'overwrite_payload', 'delete_payload', 'clear_payload'], Y, N, Y, N, Y],
  [['dashboard_session'], Y, Y, Y, Y, Y],
  [['create_access_token', 'list_api_keys', 'create_api_key', 'delete_api_key', 'verify_audit_logs'], Y, N, N, N, N],
];
const OPEN = new Set(['root', 'healthz', 'livez', 'readyz', 'dashboard']);
type Column = 0 | 1 | 2 | 3 | 4;
const oracle = new Map<string, readonly boolean[]>();
for (const [ops, ...cells] of ORACLE) for (const op of ops) oracle.set(op, cells);

/** A valid body for each operation that takes one (checked against the spec below). */
const BODIES: Record<string, unknown> = {
  create_shard_key: { shard_key: 'k' },
  delete_shard_key: { shard_key: 'k' },
  create_collection: { vectors: { size: 2, distance: 'Dot' } },
  update_collection: { optimizers_config: { indexing_threshold: 1000 } },
  update_aliases: { actions: [{ create_alias: { collection_name: 'c', alias_name: 'c_new_alias' } }] },
  create_field_index: { field_name: 'f', field_schema: 'keyword' },
  create_vector_name: { dense: { size: 2, distance: 'Dot' } },
  update_collection_cluster: { move_shard: { shard_id: 0, from_peer_id: 1, to_peer_id: 2 } },
  recover_from_snapshot: { location: 'file:///nonexistent.snapshot' },
  recover_shard_from_snapshot: { location: 'file:///nonexistent.snapshot' },
  get_points: { ids: [1] },
  upsert_points: { points: [{ id: 7, vector: [1, 2] }] },
  delete_points: { points: [1] },
  update_vectors: { points: [{ id: 1, vector: [3, 3] }] },
  delete_vectors: { points: [1], vector: [''] },
  set_payload: { payload: { a: 1 }, points: [1] },
  overwrite_payload: { payload: { a: 1 }, points: [1] },
  delete_payload: { keys: ['f'], points: [1] },
  clear_payload: { points: [1] },
  batch_update: { operations: [{ delete: { points: [1] } }] },
  scroll_points: { limit: 1 },
  search_points: { vector: [1, 2], limit: 1 },
  search_batch_points: { searches: [{ vector: [1, 2], limit: 1 }] },
  search_point_groups: { vector: [1, 2], group_by: 'f', limit: 1, group_size: 1 },
  recommend_points: { positive: [1], limit: 1 },
  recommend_batch_points: { searches: [{ positive: [1], limit: 1 }] },
  recommend_point_groups: { positive: [1], group_by: 'f', limit: 1, group_size: 1 },
  discover_points: { target: 1, context: [{ positive: 1, negative: 2 }], limit: 1 },
  discover_batch_points: { searches: [{ target: 1, context: [{ positive: 1, negative: 2 }], limit: 1 }] },
  count_points: {},
  facet: { key: 'f' },
  query_points: { query: [1, 2] },
  query_batch_points: { searches: [{ query: [1, 2] }] },
  query_points_groups: { query: [1, 2], group_by: 'f' },
  search_matrix_pairs: { sample: 2, limit: 1 },
  search_matrix_offsets: { sample: 2, limit: 1 },
  update_quotas: { enabled: false },
  get_audit_logs: {},
  update_logger_config: { log_level: 'OFF' }, // OFF: the in-process test server's logger stays quiet
  create_access_token: { access: [{ collection: 'c', access: 'r' }], expires_in: 60 },
  create_api_key: { name: 'matrix-key', access: 'r' },
};

const PARAMS: Record<string, string> = { collection_name: 'c', id: '1', vector_name: 'v2', field_name: 'f', shard_id: '0', snapshot_name: 's.snapshot', peer_id: '1' };

function url(path: string): string {
  return path.replace(/\{([^}]+)\}/g, (_, name: string) => PARAMS[name] ?? 'x');
}

async function jwt(claims: Record<string, unknown>, secret = ADMIN, alg = 'HS256'): Promise<string> {
  return new SignJWT(claims).setProtectedHeader({ alg, typ: 'JWT' }).sign(new TextEncoder().encode(secret));
}

function unsigned(header: Record<string, unknown>, claims: Record<string, unknown>): string {
  const b = (o: unknown): string => Buffer.from(JSON.stringify(o)).toString('base64url');
  return `${b(header)}.${b(claims)}.${Buffer.from('sig').toString('base64url')}`;
}

type Expect = { kind: 'column'; column: Column } | { kind: 'deny'; status: number; text: string } | { kind: 'other-collection' };

interface Credential {
  readonly name: string;
  readonly headers: Record<string, string>;
  /** Time-relative credentials are minted again right before each request, so their margin does not shrink
   *  with how long the matrix takes (a loaded machine must not expire a token meant to be inside its leeway). */
  readonly mint?: () => Promise<Record<string, string>>;
  readonly expect: Expect;
}

const MUST_PROVIDE = 'Must provide an API key or an Authorization bearer token';
const INVALID = 'Invalid API key or JWT';
const STATEFUL = 'Invalid JWT, stateful validation failed';

async function credentials(): Promise<Credential[]> {
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
    { name: 'JWT for another collection', headers: bearer(await jwt({ access: [{ collection: 'other', access: 'rw' }] })), expect: { kind: 'other-collection' } },
    { name: 'JWT expired 40 s ago', headers: {}, mint: async () => bearer(await jwt({ access: 'm', exp: Math.floor(Date.now() / 1000) - 40 })), expect: deny(403, 'ExpiredSignature') },
    // 15 s into the 30 s leeway: 15 s of margin either way for the one request it is minted for.
    { name: 'JWT expired 15 s ago (leeway)', headers: {}, mint: async () => bearer(await jwt({ access: 'm', exp: Math.floor(Date.now() / 1000) - 15 })), expect: col(0) },
    { name: 'JWT bad signature', headers: bearer(await jwt({ access: 'm' }, 'another-secret-0123456789abcdef01234')), expect: deny(403, 'InvalidSignature') },
    { name: 'JWT alg none', headers: bearer(unsigned({ alg: 'none', typ: 'JWT' }, { access: 'm' }).replace(/[^.]+$/, '')), expect: deny(401, INVALID) },
    { name: 'JWT HS512', headers: bearer(await jwt({ access: 'm' }, ADMIN, 'HS512')), expect: deny(401, INVALID) },
    { name: 'JWT RS256 header', headers: bearer(unsigned({ alg: 'RS256', typ: 'JWT' }, { access: 'm' })), expect: deny(401, INVALID) },
    { name: 'malformed token', headers: bearer('not.a.jwt'), expect: deny(401, INVALID) },
    { name: 'deprecated payload claim', headers: bearer(await jwt({ access: [{ collection: 'c', access: 'r', payload: { user: 'x' } }] })), expect: deny(401, INVALID) },
    { name: 'value_exists hit', headers: bearer(await jwt({ access: 'm', value_exists: { collection: 'users', matches: [{ key: 'user', value: 'andrey' }, { key: 'role', value: 'manager' }] } })), expect: col(0) },
    { name: 'value_exists miss', headers: bearer(await jwt({ access: 'm', value_exists: { collection: 'users', matches: [{ key: 'user', value: 'andrey' }, { key: 'role', value: 'intern' }] } })), expect: deny(401, STATEFUL) },
    { name: 'value_exists on a missing collection', headers: bearer(await jwt({ access: 'm', value_exists: { collection: 'nobody', matches: [{ key: 'user', value: 'andrey' }] } })), expect: deny(403, STATEFUL) },
    { name: 'named key (c:rw)', headers: { 'api-key': NAMED }, expect: col(2) },
    { name: 'expired named key', headers: { 'api-key': EXPIRED_NAMED }, expect: deny(401, INVALID) },
  ];
}

describe('access matrix over HTTP', () => {
  let app: TestApp;
  let creds: Credential[];
  const admin = { 'api-key': ADMIN };

  async function reset(): Promise<void> {
    for (const name of ['c', 'other', 'users']) await app.request('DELETE', `/collections/${name}`, undefined, admin);
    await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } }, admin);
    await app.request('PUT', '/collections/other', { vectors: { size: 2, distance: 'Dot' } }, admin);
    await app.request('PUT', '/collections/users', { vectors: { size: 2, distance: 'Dot' } }, admin);
    await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { f: 'a' } }, { id: 2, vector: [0, 1], payload: { f: 'b' } }] }, admin);
    await app.request('PUT', '/collections/users/points?wait=true', { points: [{ id: 1, vector: [1, 0], payload: { user: 'andrey', role: 'manager' } }] }, admin);
    await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'c', alias_name: 'ca' } }] }, admin);
  }

  /** Everything a denied request could have changed. */
  /** GET/POST as admin; a state dump fails on any answer but 200. */
  async function ok200(method: string, path: string, body?: unknown): Promise<any> {
    const r = await app.request(method, path, body, admin);
    assert.equal(r.status, 200, `state dump ${method} ${path}: ${r.status} ${r.text.slice(0, 200)}`);
    return r.body.result;
  }

  async function fingerprint(): Promise<string> {
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
  }

  before(async () => {
    const dir = (await import('../../support/app.js')).tempDir();
    const keysFile = join(dir, 'keys.yaml');
    writeKeysFile(keysFile, [
      { name: 'ci', hash: hashApiKey(NAMED), access: { kind: 'collections', grants: [{ collection: 'c', access: 'rw' }] }, createdAt: new Date() },
      { name: 'old', hash: hashApiKey(EXPIRED_NAMED), access: { kind: 'global', level: 'm' }, expiresAt: new Date(Date.now() - 60_000), createdAt: new Date(Date.now() - 86_400_000) },
    ]);
    app = await startTestApp(
      {
        QDRANT__SERVICE__API_KEY: ADMIN,
        QDRANT__SERVICE__ALT_API_KEY: ALT,
        QDRANT__SERVICE__READ_ONLY_API_KEY: RO,
        QDRANT__SERVICE__JWT_RBAC: 'true',
        QDRANT__SERVICE__API_KEYS_FILE: keysFile,
      },
      {},
      dir,
    );
    creds = await credentials();
    // Inside snapshots_path, so an allowed caller gets past the location check (a missing file is a 4xx).
    const location = `file://${join(dir, 'snapshots', 'nonexistent.snapshot')}`;
    BODIES['recover_from_snapshot'] = { location };
    BODIES['recover_shard_from_snapshot'] = { location };
    await reset();
  });
  after(async () => {
    await app.destroy();
  });

  it('has an oracle row and a valid sample body for every registered route, and serves every operation', () => {
    // The dashboard's static files are served by their own route (src/api/dashboard/static.ts), not a row.
    const served = new Set([...ALL_ROUTES.map((r) => r.operation), DASHBOARD_OPERATION]);
    for (const op of OPERATION_NAMES) assert.ok(served.has(op), `operation ${op} has an access rule but no route`);
    for (const r of ALL_ROUTES) {
      assert.ok(OPEN.has(r.operation) || oracle.has(r.operation), `route ${r.method} ${r.path} (${r.operation}) has no matrix entry`);
      if (operationSpec(r.operation) !== undefined && hasBody(r.operation) && r.operation in BODIES) validateBody(r.operation, BODIES[r.operation]);
    }
  });

  for (const route of ALL_ROUTES) {
    it(`${route.method} ${route.path} (${route.operation})`, async () => {
      for (const cred of creds) {
        const body = route.operation in BODIES ? BODIES[route.operation] : route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
        const before = await fingerprint();
        const r = await app.request(route.method, url(route.path), body, cred.mint === undefined ? cred.headers : await cred.mint());
        const where = `${cred.name} → ${route.operation}: ${r.status} ${r.text.slice(0, 200)}`;
        let allowed: boolean;
        if (OPEN.has(route.operation)) {
          allowed = true;
        } else if (cred.expect.kind === 'deny') {
          assert.equal(r.status, cred.expect.status, where);
          assert.equal(r.text, cred.expect.text, where);
          allowed = false;
        } else if (cred.expect.kind === 'other-collection') {
          // Only list endpoints and issues are open to a token of another collection; never a 404 hint.
          allowed = ['get_collections', 'get_collections_aliases', 'get_issues', 'dashboard_session'].includes(route.operation);
        } else {
          allowed = oracle.get(route.operation)![cred.expect.column]!;
        }
        if (allowed) {
          assert.ok(r.status !== 401 && r.status !== 403, `expected access: ${where}`);
          assert.ok(r.status < 500, `an allowed request failed on the server: ${where}`);
        } else {
          if (cred.expect.kind !== 'deny') {
            assert.equal(r.status, 403, where);
            assert.match(r.body?.status?.error ?? '', /^Forbidden: /, where);
          }
          assert.equal(await fingerprint(), before, `a denied request changed state: ${where}`);
        }
        if ((await fingerprint()) !== before) await reset();
      }
    });
  }

  it('filters list endpoints for collection-scoped credentials', async () => {
    const token = await jwt({ access: [{ collection: 'c', access: 'r' }] });
    const r = await app.request('GET', '/collections', undefined, { authorization: `Bearer ${token}` });
    assert.deepEqual(r.body.result.collections, [{ name: 'c' }]);
    const aliases = await app.request('GET', '/aliases', undefined, { authorization: `Bearer ${token}` });
    assert.deepEqual(aliases.body.result.aliases, [{ alias_name: 'ca', collection_name: 'c' }]);
  });

  it('resolves aliases before the check and answers 403, never 404, for collections outside the grant', async () => {
    const token = { authorization: `Bearer ${await jwt({ access: [{ collection: 'c', access: 'r' }] })}` };
    assert.equal((await app.request('POST', '/collections/ca/points/count', {}, token)).status, 200);
    const missing = await app.request('GET', '/collections/does-not-exist', undefined, token);
    assert.equal(missing.status, 403);
    const other = await app.request('GET', '/collections/other', undefined, token);
    assert.equal(other.status, 403);
    assert.equal(other.body.status.error, missing.body.status.error.replace('does-not-exist', 'other'));
  });

  it('never matches the whitelist on the raw URL', async () => {
    for (const path of ['/healthz/../collections', '/healthz/%2e%2e/collections', '/%2e%2e/collections', '/healthz%2f..%2fcollections', '//collections', '/collections/']) {
      const r = await app.request('GET', path);
      assert.ok(r.status === 401 || r.status === 404, `${path}: ${r.status} ${r.text}`);
    }
  });

  it('refuses an unauthenticated oversized upload without reading the body', async () => {
    const r = await app.request('PUT', '/collections/c/points', 'x'.repeat(30 * 1024 * 1024));
    assert.equal(r.status, 401);
    assert.equal(r.text, MUST_PROVIDE);
  });
});
