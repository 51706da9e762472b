/**
 * Service endpoints as a standalone Qdrant 1.19 node answers them: `GET /` is exactly Qdrant's
 * VersionInfo (Quiver's own version moves to the `x-quiver-version` header and /telemetry), and
 * `GET/POST /logger` reads and changes the runtime log level with global read / manage access.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { QUIVER_VERSION } from '../../../src/version.js';

const ADMIN = 'admin-key-for-service-conformance-0123456789';
const RO = 'read-only-key-for-service-conformance-012345';

describe('conformance: service endpoints', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: ADMIN, QDRANT__SERVICE__READ_ONLY_API_KEY: RO });
  });
  after(async () => {
    await app.destroy();
  });

  it('GET / is exactly {title, version, commit}; Quiver\'s version is a header and in /telemetry', async () => {
    const r = await app.request('GET', '/');
    assert.equal(r.status, 200);
    assert.deepEqual(r.body, { title: 'qdrant - vector search engine', version: '1.19.0', commit: null });
    assert.equal(r.headers['x-quiver-version'], QUIVER_VERSION);
    const t = await app.request('GET', '/telemetry', undefined, { 'api-key': ADMIN });
    assert.equal(t.status, 200, t.text);
    assert.equal(t.body.result.app.version, '1.19.0');
    assert.equal(t.body.result.app.quiver_version, QUIVER_VERSION);
  });

  it('GET /logger needs global read; POST /logger needs manage and changes the level', async () => {
    assert.equal((await app.request('GET', '/logger')).status, 401);
    const ro = await app.request('GET', '/logger', undefined, { 'api-key': RO });
    assert.equal(ro.status, 200, ro.text);
    assert.equal(typeof ro.body.result.log_level, 'string');
    const refused = await app.request('POST', '/logger', { log_level: 'debug' }, { 'api-key': RO });
    assert.equal(refused.status, 403, refused.text);
    const set = await app.request('POST', '/logger', { log_level: 'DEBUG' }, { 'api-key': ADMIN });
    assert.equal(set.status, 200, set.text);
    assert.equal(set.body.result, true);
    assert.equal((await app.request('GET', '/logger', undefined, { 'api-key': ADMIN })).body.result.log_level, 'DEBUG');
    const bad = await app.request('POST', '/logger', { log_level: 'loud' }, { 'api-key': ADMIN });
    assert.equal(bad.status, 400);
    assert.equal((await app.request('GET', '/logger', undefined, { 'api-key': ADMIN })).body.result.log_level, 'DEBUG', 'a refused level changes nothing');
  });

  it('cluster endpoints answer as a standalone node', async () => {
    const r = await app.request('GET', '/cluster', undefined, { 'api-key': ADMIN });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.result, { status: 'disabled' });
  });
});
