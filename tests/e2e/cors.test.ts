/**
 * CORS on a real process, against the rule of the security work (issue 16 #2, branch `security`): **no CORS unless
 * `service.cors_allowed_origins` lists the origin**. A listed origin gets `access-control-allow-origin` on
 * simple requests and preflights; any other origin gets none, and with no list configured no origin gets it.
 *
 * DEPENDS ON THE `security` BRANCH: before it is merged Quiver echoes any origin when no list is configured, so
 * "answers no origin when cors_allowed_origins is not set" fails on a branch without it.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { httpJson, startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';

const APP = 'https://app.example';
const EVIL = 'https://evil.example';

async function preflight(server: ChildServer, origin: string): Promise<{ status: number; allowOrigin: string | null; allowMethods: string | null }> {
  const r = await fetch(`${server.url}/collections/c/points?wait=true`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type,api-key' },
  });
  await r.arrayBuffer();
  return { status: r.status, allowOrigin: r.headers.get('access-control-allow-origin'), allowMethods: r.headers.get('access-control-allow-methods') };
}

describe('CORS on a real process [depends on the security branch: no CORS unless cors_allowed_origins lists the origin]', () => {
  describe('with service.cors_allowed_origins: ["https://app.example"]', () => {
    let dir: string;
    let server: ChildServer;
    before(async () => {
      dir = tempDir('quiver-cors-');
      server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), QDRANT__SERVICE__CORS_ALLOWED_ORIGINS: JSON.stringify([APP]) });
    });
    after(async () => {
      await server.stop();
      removeDir(dir);
    });

    it('answers the listed origin on simple requests and preflights', async () => {
      const r = await httpJson(server.url, 'GET', '/collections', undefined, { origin: APP });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), APP);
      assert.match(r.headers.get('vary') ?? '', /origin/i, 'a cache must not serve one origin’s answer to another');
      const p = await preflight(server, APP);
      assert.ok(p.status === 200 || p.status === 204, `preflight status ${p.status}`);
      assert.equal(p.allowOrigin, APP);
      assert.match(p.allowMethods ?? '', /\bPUT\b/);
    });

    it('does not answer another origin, on simple requests or preflights', async () => {
      const r = await httpJson(server.url, 'GET', '/collections', undefined, { origin: EVIL });
      assert.equal(r.headers.get('access-control-allow-origin'), null);
      const p = await preflight(server, EVIL);
      assert.equal(p.allowOrigin, null, `preflight for ${EVIL} answered with access-control-allow-origin`);
    });
  });

  it('answers no origin when cors_allowed_origins is not set', { timeout: 60_000 }, async () => {
    const dir = tempDir('quiver-cors-default-');
    const server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage') });
    try {
      const r = await httpJson(server.url, 'GET', '/collections', undefined, { origin: APP });
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('access-control-allow-origin'), null, 'CORS must be off unless origins are listed');
      assert.equal((await preflight(server, APP)).allowOrigin, null);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
