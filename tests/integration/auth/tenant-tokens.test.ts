/**
 * Issue 17 §1, examples beside the property test (tenant-tokens-property.test.ts): reads of another collection go
 * through the grant on that collection, collection-level operations need an unrestricted grant, and the refusal of a
 * write that would leave the tenant changes nothing.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { jwt } from '../../support/access-oracle.js';

const KEY = 'tenant-examples-admin-key-0123456789abcdef';
const ADMIN = { 'api-key': KEY };
const ACME = { must: [{ key: 'tenant', match: { value: 'acme' } }] };

describe('tenant tokens', () => {
  let app: TestApp;
  let acme: Record<string, string>;
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY, QDRANT__SERVICE__JWT_RBAC: 'true' });
    for (const name of ['docs', 'profiles', 'shared']) {
      assert.equal((await app.request('PUT', `/collections/${name}`, { vectors: { size: 2, distance: 'Dot' } }, ADMIN)).status, 200);
      const points = [{ id: 1, vector: [1, 0], payload: { tenant: 'acme' } }, { id: 2, vector: [0, 1], payload: { tenant: 'globex' } }];
      assert.equal((await app.request('PUT', `/collections/${name}/points?wait=true`, { points }, ADMIN)).status, 200);
    }
    const token = await jwt({ access: [
      { collection: 'docs', access: 'rw', tenant_filter: ACME },
      { collection: 'profiles', access: 'r', tenant_filter: ACME },
      { collection: 'shared', access: 'r' },
    ] }, KEY);
    acme = { authorization: `Bearer ${token}` };
  });
  after(() => app.destroy());

  it('looks ids up in another collection within the grant on that collection', async () => {
    const own = await app.request('POST', '/collections/docs/points/query', { query: 1, using: '', lookup_from: { collection: 'profiles' }, with_payload: true }, acme);
    assert.equal(own.status, 200, own.text);
    assert.deepEqual(own.body.result.points.map((p: { id: number }) => p.id), [1]);
    const foreign = await app.request('POST', '/collections/docs/points/query', { query: 2, lookup_from: { collection: 'profiles' } }, acme);
    assert.equal(foreign.status, 404, foreign.text);
    assert.equal(foreign.body.status.error, 'Not found: No point with id 2 found');
    // An unrestricted grant on the lookup collection reaches all of it.
    const shared = await app.request('POST', '/collections/docs/points/query', { query: 2, lookup_from: { collection: 'shared' } }, acme);
    assert.equal(shared.status, 200, shared.text);
    assert.equal((await app.request('POST', '/collections/shared/points/count', {}, acme)).body.result.count, 2);
  });

  it('groups look their records up within the tenant', async () => {
    const r = await app.request('POST', '/collections/docs/points/query/groups', { query: [1, 1], group_by: 'tenant', with_lookup: 'profiles' }, acme);
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(r.body.result.groups.map((g: { id: string }) => g.id), ['acme']);
  });

  it('needs an unrestricted grant for collection-level operations, reads included', async () => {
    for (const [method, path, body] of [
      ['GET', '/collections/docs', undefined],
      ['GET', '/collections/docs/exists', undefined],
      ['GET', '/collections/docs/snapshots', undefined],
      ['PUT', '/collections/docs/index', { field_name: 'tenant', field_schema: 'keyword' }],
    ] as const) {
      const r = await app.request(method, path, body, acme);
      assert.equal(r.status, 403, `${method} ${path}: ${r.text}`);
      assert.equal(r.body.status.error, 'Forbidden: Access to collection docs without a tenant filter is required');
    }
    assert.equal((await app.request('GET', '/collections/shared', undefined, acme)).status, 200);
  });

  it('refuses a batch whose later operation moves a point out, writing none of it', async () => {
    const before = (await app.request('POST', '/collections/docs/points/scroll', { with_vector: true }, ADMIN)).text;
    const r = await app.request('POST', '/collections/docs/points/batch?wait=true', { operations: [
      { upsert: { points: [{ id: 3, vector: [1, 1], payload: { tenant: 'acme' } }] } },
      { set_payload: { points: [1], payload: { tenant: 'globex' } } },
    ] }, acme);
    assert.equal(r.status, 403, r.text);
    assert.equal((await app.request('POST', '/collections/docs/points/scroll', { with_vector: true }, ADMIN)).text.replace(/"time":[0-9.e-]+/, ''), before.replace(/"time":[0-9.e-]+/, ''));
  });
});
