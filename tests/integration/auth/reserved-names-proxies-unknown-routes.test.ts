/**
 * Issue 16 finding 11: collection names `.` and `..` are refused; the audited client address is the one the last
 * trusted proxy saw (`service.trusted_proxies`), never the leftmost, client-written `X-Forwarded-For` entry; and an
 * unknown route tells an unauthenticated client no more than a known route does (the same 401).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestApp } from '../../support/app.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';

const KEY = 'finding-11-admin-key-0123456789abcdef0123';

function rawPut(port: number, path: string, body: string): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'PUT', headers: { 'content-type': 'application/json' } }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

void describe('collection names . and ..', () => {
  void it('refuses them as collection and alias names', async () => {
    const app = await startTestApp();
    try {
      // Over a socket: an HTTP client may send the escaped dots as they are (inject would normalise the URL).
      await app.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (app.app.server.address() as AddressInfo).port;
      for (const name of ['%2E', '%2E%2E', '%2e']) {
        const r = await rawPut(port, `/collections/${name}`, JSON.stringify({ vectors: { size: 2, distance: 'Dot' } }));
        assert.equal(r.status, 400, r.text);
        assert.match(r.text, /collection name `\.{1,2}` is reserved/);
      }
      assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
      const alias = await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'c', alias_name: '..' } }] });
      assert.equal(alias.status, 400, alias.text);
      assert.deepEqual((await app.request('GET', '/collections')).body.result.collections, [{ name: 'c' }]);
    } finally {
      await app.destroy();
    }
  });
});

void describe('trusted proxies', () => {
  async function remoteSeen(env: Record<string, string>, peer: string, xff?: string): Promise<string | undefined> {
    const audit = new MemoryAuditSink();
    const app = await startTestApp(env, { audit });
    try {
      const r = await app.app.inject({ method: 'GET', url: '/collections', remoteAddress: peer, headers: xff === undefined ? {} : { 'x-forwarded-for': xff } });
      assert.equal(r.statusCode, 200);
      return audit.events.at(-1)?.remote;
    } finally {
      await app.destroy();
    }
  }

  void it('takes the address the last trusted proxy saw, skipping trusted hops from the right', async () => {
    const env = { QDRANT__SERVICE__TRUSTED_PROXIES: '10.0.0.0/8,fd00::/8' };
    assert.equal(await remoteSeen(env, '10.0.0.2', '6.6.6.6, 2.2.2.2'), '2.2.2.2');
    assert.equal(await remoteSeen(env, '10.0.0.2', '6.6.6.6, 2.2.2.2, 10.1.1.1'), '2.2.2.2');
    assert.equal(await remoteSeen(env, '::ffff:10.0.0.2', '203.0.113.9'), '203.0.113.9');
    assert.equal(await remoteSeen(env, '10.0.0.2', 'garbage, 10.1.1.1'), '10.1.1.1');
    assert.equal(await remoteSeen(env, '10.0.0.2'), '10.0.0.2');
    // An untrusted peer's header is ignored.
    assert.equal(await remoteSeen(env, '5.5.5.5', '1.1.1.1'), '5.5.5.5');
  });

  void it('ignores X-Forwarded-For without trusted proxies, and maps audit.trust_forwarded_headers to a loopback proxy', async () => {
    assert.equal(await remoteSeen({}, '127.0.0.1', '1.1.1.1'), '127.0.0.1');
    const legacy = { QDRANT__AUDIT__TRUST_FORWARDED_HEADERS: 'true' };
    assert.equal(await remoteSeen(legacy, '127.0.0.1', 'spoofed-by-client, 3.3.3.3'), '3.3.3.3');
    assert.equal(await remoteSeen(legacy, '192.0.2.10', '3.3.3.3'), '192.0.2.10');
  });
});

void describe('unknown routes', () => {
  void it('answer an unauthenticated client with the same 401 as a known route', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__API_KEY: KEY });
    try {
      for (const headers of [{}, { 'api-key': 'wrong-key' }]) {
        const known = await app.app.inject({ method: 'GET', url: '/collections', headers });
        for (const url of ['/no/such/route', '/collections/c/nope', '/collections/c/points/secret', '/collections/%zz']) {
          const unknown = await app.app.inject({ method: 'GET', url, headers });
          assert.equal(unknown.statusCode, known.statusCode, url);
          assert.equal(unknown.body, known.body, url);
          assert.equal(unknown.headers['content-type'], known.headers['content-type']);
        }
      }
      const authed = await app.app.inject({ method: 'GET', url: '/no/such/route', headers: { 'api-key': KEY } });
      assert.equal(authed.statusCode, 404);
      assert.equal((await app.app.inject({ method: 'GET', url: '/healthz' })).statusCode, 200);
    } finally {
      await app.destroy();
    }
    const open = await startTestApp();
    try {
      assert.equal((await open.app.inject({ method: 'GET', url: '/no/such/route' })).statusCode, 404);
    } finally {
      await open.destroy();
    }
  });
});
