/**
 * The transport settings as the real server applies them: secure-startup refusals, client IP
 * restrictions before authentication, and HTTPS / mTLS on the API port.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import { startTestApp, tempDir, removeDir, testConfig } from '../support/app.js';
import { makeTestPki, type TestPki } from '../support/certs.js';
import { createServer } from '../../src/server.js';
import { pino } from 'pino';

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

function runMain(env: Record<string, string>): { status: number | null; stderr: string } {
  const dir = tempDir();
  try {
    const r = spawnSync(process.execPath, ['--import', import.meta.resolve('tsx'), MAIN], {
      cwd: dir,
      env: { PATH: process.env['PATH'] ?? '', QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'), ...env },
      encoding: 'utf8',
      timeout: 30_000,
    });
    return { status: r.status, stderr: r.stderr };
  } finally {
    removeDir(dir);
  }
}

describe('secure startup', () => {
  it('refuses a non-loopback address without any API key and explains how to add one', () => {
    const r = runMain({ QDRANT__SERVICE__HOST: '0.0.0.0', QDRANT__SERVICE__HTTP_PORT: '0' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /api_key/);
    assert.match(r.stderr, /QDRANT__SERVICE__API_KEY|quiver keys create/);
  });

  it('stops on a bad config value with a message naming the key', () => {
    const r = runMain({ QDRANT__SERVICE__HTTP_PORT: 'abc' });
    assert.notEqual(r.status, 0);
    assert.match(r.stderr, /service\.http_port/);
  });

  it('stops when a TLS file is missing, naming the file', () => {
    const r = runMain({ QDRANT__SERVICE__ENABLE_TLS: 'true', QDRANT__TLS__CERT: '/nonexistent/cert.pem', QDRANT__TLS__KEY: '/nonexistent/key.pem' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /tls\.cert.*\/nonexistent\/cert\.pem/);
  });
});

describe('client IP restrictions', () => {
  it('refuses an address outside service.allowed_client_ips with 403 before authentication', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__ALLOWED_CLIENT_IPS: '10.0.0.0/8,fd00::/8', QDRANT__SERVICE__API_KEY: 'k'.repeat(32) });
    try {
      const r = await app.request('GET', '/collections');
      assert.equal(r.status, 403);
      assert.equal(r.body.status.error, 'Forbidden: client address 127.0.0.1 is not allowed');
      const health = await app.request('GET', '/healthz');
      assert.equal(health.status, 403);
    } finally {
      await app.destroy();
    }
  });

  it('lets listed addresses through to authentication', async () => {
    const app = await startTestApp({ QDRANT__SERVICE__ALLOWED_CLIENT_IPS: '["127.0.0.0/8", "::1"]', QDRANT__SERVICE__API_KEY: 'k'.repeat(32) });
    try {
      assert.equal((await app.request('GET', '/collections')).status, 401);
      assert.equal((await app.request('GET', '/collections', undefined, { 'api-key': 'k'.repeat(32) })).status, 200);
    } finally {
      await app.destroy();
    }
  });
});

describe('HTTPS on the API port', () => {
  let pki: TestPki;
  before(() => {
    pki = makeTestPki();
  });
  after(() => {
    pki.cleanup();
  });

  function get(port: number, path: string, client?: { cert: string; key: string }): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = httpsRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          ca: readFileSync(pki.ca.cert),
          ...(client ? { cert: readFileSync(client.cert), key: readFileSync(client.key) } : {}),
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end();
    });
  }

  it('serves the API over TLS and requires a client certificate signed by tls.ca_cert when asked', async () => {
    const dir = tempDir();
    const config = testConfig(dir, {
      QDRANT__SERVICE__ENABLE_TLS: 'true',
      QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true',
      QDRANT__TLS__CERT: pki.server.cert,
      QDRANT__TLS__KEY: pki.server.key,
      QDRANT__TLS__CA_CERT: pki.ca.cert,
    });
    const server = await createServer(config, { logger: pino({ level: 'silent' }) });
    try {
      await server.app.listen({ host: '127.0.0.1', port: 0 });
      const port = (server.app.server.address() as { port: number }).port;
      const ok = await get(port, '/collections', pki.client);
      assert.equal(ok.status, 200);
      assert.equal(JSON.parse(ok.body).status, 'ok');
      await assert.rejects(get(port, '/collections'));
      await assert.rejects(get(port, '/collections', pki.otherClient));
      await assert.rejects(fetch(`http://127.0.0.1:${port}/collections`));
    } finally {
      await server.close();
      removeDir(dir);
    }
  });
});
