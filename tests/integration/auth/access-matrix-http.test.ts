/**
 * The access matrix through the real REST layer: every registered route × every kind of credential, with
 * the expected outcome from an oracle transcribed by hand from docs/security.md (not derived from ACCESS_TABLE).
 * Denials must have docs/security.md's exact status and body and must leave the stored state unchanged.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { startTestApp, type TestApp } from '../../support/app.js';
import { ALL_ROUTES } from '../../../src/api/rest/routes/index.js';
import { OPERATION_NAMES } from '../../../src/auth/access-table.js';
import { MUST_PROVIDE, OPEN, credentials, jwt, matrixEnv, matrixState, oracle, type Credential } from '../../support/access-oracle.js';
import { DASHBOARD_OPERATION } from '../../../src/api/dashboard/static.js';
import { validateBody, hasBody, operationSpec } from '../../../src/api/rest/schemas/validator.js';

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

describe('access matrix over HTTP', () => {
  let app: TestApp;
  let creds: Credential[];

  let reset: () => Promise<void>;
  let fingerprint: () => Promise<string>;

  before(async () => {
    const dir = (await import('../../support/app.js')).tempDir();
    app = await startTestApp(matrixEnv(dir), {}, dir);
    ({ reset, fingerprint } = matrixState(app));
    creds = await credentials();
    // Inside snapshots_path, so an allowed caller gets past the location check (a missing file is a 4xx).
    const location = `file://${join(dir, 'snapshots', 'nonexistent.snapshot')}`;
    BODIES['recover_from_snapshot'] = { location };
    BODIES['recover_shard_from_snapshot'] = { location };
    BODIES['recover_full_snapshot'] = { location };
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
