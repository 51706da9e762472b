/**
 * Issue 17 §3 over HTTP: a JWT grant on `team-a-*` reads and writes every collection whose name starts with
 * `team-a-`, including one created after the token was minted; list endpoints show only those; an alias whose name
 * matches but whose collection does not grants nothing, and an alias of a matching collection works.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { mintJwt } from '../../../src/auth/jwt.js';

const KEY = 'prefix-grants-admin-key-0123456789abcdef';
const VECTORS = { size: 2, distance: 'Dot' };

void describe('prefix grants over HTTP', () => {
  let app: TestApp;
  let token = '';
  const admin = { 'api-key': KEY };
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY, QDRANT__SERVICE__JWT_RBAC: 'true' });
    for (const name of ['team-a-docs', 'team-b-docs']) {
      assert.equal((await app.request('PUT', `/collections/${name}`, { vectors: VECTORS }, admin)).status, 200);
    }
    const aliases = await app.request('POST', '/collections/aliases', {
      actions: [
        { create_alias: { collection_name: 'team-b-docs', alias_name: 'team-a-trap' } },
        { create_alias: { collection_name: 'team-a-docs', alias_name: 'docs-of-a' } },
      ],
    }, admin);
    assert.equal(aliases.status, 200, aliases.text);
    token = await mintJwt(KEY, { access: { kind: 'collections', grants: [{ collection: 'team-a-*', access: 'rw' }] } });
  });
  after(() => app.destroy());

  const asTeamA = (method: string, url: string, body?: unknown) => app.request(method, url, body, { authorization: `Bearer ${token}` });

  void it('lists only matching collections and the aliases of matching collections', async () => {
    const names = (await asTeamA('GET', '/collections')).body.result.collections.map((c: { name: string }) => c.name);
    assert.deepEqual(names, ['team-a-docs']);
    const aliases = (await asTeamA('GET', '/aliases')).body.result.aliases.map((a: { alias_name: string }) => a.alias_name);
    assert.deepEqual(aliases, ['docs-of-a']);
  });

  void it('reads and writes a matching collection, and not another', async () => {
    assert.equal((await asTeamA('PUT', '/collections/team-a-docs/points?wait=true', { points: [{ id: 1, vector: [1, 0] }] })).status, 200);
    assert.equal((await asTeamA('POST', '/collections/team-a-docs/points/count', {})).body.result.count, 1);
    const other = await asTeamA('POST', '/collections/team-b-docs/points/count', {});
    assert.equal(other.status, 403);
    assert.equal(other.body.status.error, 'Forbidden: Access to collection team-b-docs is required');
  });

  void it('covers a collection created after the token was minted', async () => {
    assert.equal((await asTeamA('GET', '/collections/team-a-later')).status, 404);
    assert.equal((await app.request('PUT', '/collections/team-a-later', { vectors: VECTORS }, admin)).status, 200);
    assert.equal((await asTeamA('GET', '/collections/team-a-later')).status, 200);
    assert.equal((await asTeamA('PUT', '/collections/team-a-later', { vectors: VECTORS })).status, 403, 'creating needs manage');
  });

  void it('judges an alias by its collection: a matching alias name to another team is refused', async () => {
    const trap = await asTeamA('POST', '/collections/team-a-trap/points/count', {});
    assert.equal(trap.status, 403);
    assert.equal(trap.body.status.error, 'Forbidden: Access to collection team-a-trap is required');
    assert.equal((await asTeamA('POST', '/collections/docs-of-a/points/count', {})).body.result.count, 1);
  });
});
