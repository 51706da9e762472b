/**
 * Issue 16 finding 2: a local server without a key must not be reachable from a web page the developer visits.
 * Each rule over HTTP: no CORS unless the origin is listed, write bodies must be JSON (415 otherwise), cross-origin
 * writes are refused, and on a loopback bind the Host header must name a loopback host or an allowed name.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { multipart } from '../../support/snapshots.js';

const EVIL = 'https://evil.example';
const APP = 'https://app.example.com';

async function raw(app: TestApp, method: string, url: string, headers: Record<string, string>, payload?: string | Buffer) {
  const res = await app.app.inject({ method: method as 'GET', url, headers, ...(payload === undefined ? {} : { payload }) });
  let body: any;
  try {
    body = JSON.parse(res.body);
  } catch {
    body = undefined;
  }
  return { status: res.statusCode, headers: res.headers, body };
}

function assertQdrantError(r: { body: any }, pattern: RegExp): void {
  assert.equal(typeof r.body?.time, 'number');
  assert.match(String(r.body?.status?.error), pattern);
}

void describe('browser guard: defaults (no key, loopback bind)', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
  });
  after(() => app.destroy());

  void it('answers no CORS preflight and sends no Access-Control-Allow-Origin for any origin', async () => {
    const pre = await raw(app, 'OPTIONS', '/collections', { origin: EVIL, 'access-control-request-method': 'PUT' });
    assert.equal(pre.headers['access-control-allow-origin'], undefined);
    const get = await raw(app, 'GET', '/collections', { origin: EVIL });
    assert.equal(get.status, 200);
    assert.equal(get.headers['access-control-allow-origin'], undefined);
  });

  void it('refuses a write body that is not application/json with 415', async () => {
    const body = JSON.stringify({ points: [{ id: 1, vector: [1, 2] }] });
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonx']) {
      const r = await raw(app, 'PUT', '/collections/c/points?wait=true', { 'content-type': type }, body);
      assert.equal(r.status, 415, type);
      assertQdrantError(r, /^Unsupported Media Type: the request body must be application\/json/);
    }
    const none = await raw(app, 'PUT', '/collections/c/points?wait=true', {}, body);
    assert.equal(none.status, 415);
    assertQdrantError(none, /no Content-Type/);
    assert.equal((await app.request('POST', '/collections/c/points/count', { exact: true })).body.result.count, 0);
    const ok = await raw(app, 'PUT', '/collections/c/points?wait=true', { 'content-type': 'Application/JSON; charset=utf-8' }, body);
    assert.equal(ok.status, 200);
  });

  void it('accepts body-less writes without a content type, and multipart on snapshot upload routes only', async () => {
    const snap = await raw(app, 'POST', '/collections/c/snapshots', {});
    assert.equal(snap.status, 200);
    const { body, contentType } = multipart(Buffer.from('not a snapshot'));
    const upload = await raw(app, 'POST', '/collections/c/snapshots/upload', { 'content-type': contentType }, body);
    assert.notEqual(upload.status, 415);
    assert.equal(upload.status, 400);
  });

  void it('refuses a write carrying an Origin header that CORS does not allow', async () => {
    const r = await raw(app, 'DELETE', '/collections/c', { origin: EVIL });
    assert.equal(r.status, 403);
    assertQdrantError(r, /^Forbidden: cross-origin writes are refused/);
    assert.equal((await app.request('GET', '/collections/c/exists')).body.result.exists, true);
  });

  void it('accepts a write from a page this server served (Origin = the Host it was sent to), such as the dashboard', async () => {
    const other = await raw(app, 'PUT', '/collections/c/index', { origin: 'http://localhost:7000', host: 'localhost:6333', 'content-type': 'application/json' }, JSON.stringify({ field_name: 'f', field_schema: 'keyword' }));
    assert.equal(other.status, 403, 'another port is another origin');
    const own = await raw(app, 'PUT', '/collections/c/index', { origin: 'http://localhost:6333', host: 'localhost:6333', 'content-type': 'application/json' }, JSON.stringify({ field_name: 'f', field_schema: 'keyword' }));
    assert.equal(own.status, 200, JSON.stringify(own.body));
  });

  void it('refuses a Host header that does not name a loopback host (DNS rebinding)', async () => {
    for (const host of ['evil.example', 'evil.example:6333', '10.0.0.1:6333', '127.0.0.1.evil.example', '[::2]:6333']) {
      const r = await raw(app, 'GET', '/collections', { host });
      assert.equal(r.status, 403, host);
      assertQdrantError(r, /^Forbidden: the Host header does not name this server/);
    }
    for (const host of ['localhost', 'localhost:6333', 'LOCALHOST:1', '127.0.0.1:6333', '127.8.9.10', '[::1]:6333', '[::1]']) {
      assert.equal((await raw(app, 'GET', '/collections', { host })).status, 200, host);
    }
  });
});

void describe('browser guard: configured', () => {
  void it('answers CORS for listed origins only, and not at all when enable_cors is false', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__CORS_ALLOWED_ORIGINS: APP });
    try {
      const ok = await raw(app, 'OPTIONS', '/collections', { origin: APP, 'access-control-request-method': 'PUT' });
      assert.equal(ok.headers['access-control-allow-origin'], APP);
      const evil = await raw(app, 'GET', '/collections', { origin: EVIL });
      assert.equal(evil.headers['access-control-allow-origin'], undefined);
      const write = await raw(app, 'PUT', '/collections/d', { origin: APP, 'content-type': 'application/json' }, JSON.stringify({ vectors: { size: 2, distance: 'Dot' } }));
      assert.equal(write.status, 200);
    } finally {
      await app.destroy();
    }
    const off = await startTestApp({ QDRANT__SERVICE__CORS_ALLOWED_ORIGINS: APP, QDRANT__SERVICE__ENABLE_CORS: 'false' });
    try {
      const r = await raw(off, 'GET', '/collections', { origin: APP });
      assert.equal(r.headers['access-control-allow-origin'], undefined);
    } finally {
      await off.destroy();
    }
  });

  void it('accepts a Host listed in service.allowed_hosts, and checks no Host on a non-loopback bind', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__ALLOWED_HOSTS: 'quiver.internal' });
    try {
      assert.equal((await raw(app, 'GET', '/collections', { host: 'quiver.internal:8080' })).status, 200);
      assert.equal((await raw(app, 'GET', '/collections', { host: 'other.internal' })).status, 403);
    } finally {
      await app.destroy();
    }
    const pub = await startTestApp({ QDRANT__SERVICE__HOST: '0.0.0.0', QDRANT__SERVICE__ALLOW_INSECURE: 'true' });
    try {
      assert.equal((await raw(pub, 'GET', '/collections', { host: 'db.example.com' })).status, 200);
    } finally {
      await pub.destroy();
    }
  });
});
