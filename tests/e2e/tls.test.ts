/**
 * TLS on a real socket: a plain Node HTTPS server (and one Fastify instance, the way app.ts is wired) built from
 * `httpsServerOptions()`, with `TlsReloader` swapping certificates under it.
 */
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, request as httpsRequest, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import Fastify from 'fastify';
import { TlsReloader, httpsServerOptions, loadTlsMaterial } from '../../src/auth/tls.js';
import { issueCert, makeTestPki, type CertPair, type TestPki } from '../support/certs.js';

let pki: TestPki;
let caPem: Buffer;
let caseNo = 0;

interface Files {
  cert: string;
  key: string;
  ca_cert: string;
}

function serverFiles(): Files {
  const dir = join(pki.dir, `e2e-${caseNo++}`);
  mkdirSync(dir);
  const files = { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem'), ca_cert: join(dir, 'ca.pem') };
  copyFileSync(pki.server.cert, files.cert);
  copyFileSync(pki.server.key, files.key);
  copyFileSync(pki.ca.cert, files.ca_cert);
  return files;
}

/** Replaces `target` with the bytes of `source` atomically, as a certificate manager would. */
function replaceFile(source: string | Buffer, target: string): void {
  const tmp = `${target}.tmp`;
  writeFileSync(tmp, typeof source === 'string' ? readFileSync(source) : source);
  renameSync(tmp, target);
}

function fingerprintOf(certFile: string): string {
  return new X509Certificate(readFileSync(certFile)).fingerprint256;
}

interface Reply {
  status: number;
  body: { authorized: boolean; client: string | null };
  serverFingerprint: string;
}

/** One HTTPS request on a fresh connection (no agent, no session reuse), trusting the test CA. */
function get(port: number, client?: CertPair): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/',
        agent: false,
        ca: caPem,
        ...(client === undefined ? {} : { cert: readFileSync(client.cert), key: readFileSync(client.key) }),
      },
      (res) => {
        const serverFingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text), serverFingerprint }));
        res.on('error', reject);
      },
    );
    req.setTimeout(5000, () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

/** A Node HTTPS server; `handled()` counts the requests that reached the handler. */
async function startHttps(files: Files, verify: boolean): Promise<{ server: Server; port: number; handled: () => number }> {
  const material = loadTlsMaterial(files);
  let handled = 0;
  const server = createServer(httpsServerOptions({ service: { verify_https_client_certificate: verify } }, material), (req, res) => {
    handled++;
    const socket = req.socket as TLSSocket;
    const peer = socket.getPeerCertificate();
    const client = peer.subject === undefined ? null : String(peer.subject.CN);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ authorized: socket.authorized, client }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port, handled: () => handled };
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

async function eventually(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

before(() => {
  pki = makeTestPki();
  caPem = readFileSync(pki.ca.cert);
});

after(() => pki.cleanup());

void describe('HTTPS', () => {
  void it('serves HTTPS with the configured certificate', async () => {
    const files = serverFiles();
    const { server, port } = await startHttps(files, false);
    try {
      const reply = await get(port);
      assert.equal(reply.status, 200);
      assert.equal(reply.serverFingerprint, fingerprintOf(pki.server.cert));
      assert.equal(reply.body.client, null);
    } finally {
      await close(server);
    }
  });

  void it('does not answer plain HTTP on the TLS port', async () => {
    const { server, port, handled } = await startHttps(serverFiles(), false);
    try {
      const outcome = await new Promise<string>((resolve) => {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          res.resume();
          resolve(`status ${res.statusCode}`);
        });
        req.setTimeout(5000, () => req.destroy(new Error('timeout')));
        req.on('error', (error) => resolve(`error ${error.message}`));
        req.end();
      });
      assert.match(outcome, /^error /, outcome);
      assert.equal(handled(), 0);
    } finally {
      await close(server);
    }
  });

  void it('is rejected by a client that does not trust the server CA', async () => {
    const { server, port } = await startHttps(serverFiles(), false);
    try {
      await assert.rejects(
        new Promise((resolve, reject) => {
          const req = httpsRequest({ host: '127.0.0.1', port, agent: false, ca: readFileSync(pki.otherCa.cert) }, resolve);
          req.on('error', reject);
          req.end();
        }),
        /self-signed certificate in certificate chain|unable to verify|unable to get local issuer/,
      );
    } finally {
      await close(server);
    }
  });

  void it('works as the https option of Fastify, reloading through app.server', async () => {
    const files = serverFiles();
    const material = loadTlsMaterial(files);
    const app = Fastify({ https: httpsServerOptions({ service: { verify_https_client_certificate: false } }, material) });
    app.get('/', () => ({ authorized: false, client: null }));
    await app.listen({ host: '127.0.0.1', port: 0 });
    try {
      const port = (app.server.address() as AddressInfo).port;
      assert.equal((await get(port)).serverFingerprint, fingerprintOf(pki.server.cert));
      const reloader = new TlsReloader(app.server, { files, ttlSeconds: null, initial: material, warn: () => undefined });
      const next = issueCert(pki.dir, `fastify-${caseNo++}`, pki.ca, 'server');
      replaceFile(next.key, files.key);
      replaceFile(next.cert, files.cert);
      assert.equal(reloader.reloadNow(), 'reloaded');
      assert.equal((await get(port)).serverFingerprint, fingerprintOf(next.cert));
    } finally {
      await app.close();
    }
  });
});

void describe('mTLS (verify_https_client_certificate)', () => {
  void it('accepts a client certificate signed by tls.ca_cert', async () => {
    const { server, port } = await startHttps(serverFiles(), true);
    try {
      const reply = await get(port, pki.client);
      assert.equal(reply.status, 200);
      assert.deepEqual(reply.body, { authorized: true, client: 'quiver-test-client' });
    } finally {
      await close(server);
    }
  });

  void it('fails the handshake without a client certificate', async () => {
    const { server, port, handled } = await startHttps(serverFiles(), true);
    try {
      await assert.rejects(get(port));
      assert.equal(handled(), 0);
    } finally {
      await close(server);
    }
  });

  void it('fails the handshake with a client certificate from another CA', async () => {
    const { server, port, handled } = await startHttps(serverFiles(), true);
    try {
      await assert.rejects(get(port, pki.otherClient));
      assert.equal(handled(), 0);
    } finally {
      await close(server);
    }
  });
});

void describe('certificate reload', () => {
  void it('picks up a rotated certificate and key after cert_ttl', async () => {
    const files = serverFiles();
    const { server, port } = await startHttps(files, false);
    const warnings: string[] = [];
    const reloader = new TlsReloader(server, {
      files, ttlSeconds: 1, initial: loadTlsMaterial(files), warn: (m) => warnings.push(m),
    }).start();
    try {
      assert.equal((await get(port)).serverFingerprint, fingerprintOf(pki.server.cert));
      const next = issueCert(pki.dir, `rotated-${caseNo++}`, pki.ca, 'server');
      replaceFile(next.key, files.key);
      replaceFile(next.cert, files.cert);
      const expected = fingerprintOf(next.cert);
      await eventually(async () => (await get(port)).serverFingerprint === expected, 5000);
      // A tick between the two renames sees a mismatched pair and keeps the old one; nothing else may go wrong.
      for (const w of warnings) assert.match(w, /does not match the certificate/);
    } finally {
      reloader.stop();
      await close(server);
    }
  });

  void it('keeps serving the old certificate when the replacement is broken', async () => {
    const files = serverFiles();
    const { server, port } = await startHttps(files, false);
    const warnings: string[] = [];
    const reloader = new TlsReloader(server, { files, ttlSeconds: 60, initial: loadTlsMaterial(files), warn: (m) => warnings.push(m) });
    try {
      replaceFile(Buffer.from('-----BEGIN CERTIFICATE-----\ntruncated'), files.cert);
      assert.equal(reloader.reloadNow(), 'failed');
      assert.match(warnings[0] ?? '', new RegExp(`tls\\.cert: ${files.cert} `));
      const other = issueCert(pki.dir, `mismatch-${caseNo++}`, pki.ca, 'server');
      replaceFile(other.cert, files.cert);
      assert.equal(reloader.reloadNow(), 'failed');
      assert.match(warnings[1] ?? '', /does not match the certificate/);
      const reply = await get(port);
      assert.equal(reply.status, 200);
      assert.equal(reply.serverFingerprint, fingerprintOf(pki.server.cert));
    } finally {
      await close(server);
    }
  });

  void it('reloads the CA: clients of a new CA are accepted once the CA file is replaced', async () => {
    const files = serverFiles();
    const { server, port, handled } = await startHttps(files, true);
    const reloader = new TlsReloader(server, { files, ttlSeconds: 60, initial: loadTlsMaterial(files), warn: () => undefined });
    try {
      await assert.rejects(get(port, pki.otherClient));
      assert.equal((await get(port, pki.client)).status, 200);
      assert.equal(handled(), 1);

      replaceFile(pki.otherCa.cert, files.ca_cert);
      assert.equal(reloader.reloadNow(), 'reloaded');

      const reply = await get(port, pki.otherClient);
      assert.deepEqual(reply.body, { authorized: true, client: 'quiver-other-client' });
      await assert.rejects(get(port, pki.client), Error, 'the old CA is no longer trusted');
      await assert.rejects(get(port), Error, 'client certificates are still required after a reload');
      assert.equal(handled(), 2);
    } finally {
      await close(server);
    }
  });

  void it('keeps the old CA when the new CA file is broken', async () => {
    const files = serverFiles();
    const { server, port } = await startHttps(files, true);
    const warnings: string[] = [];
    const reloader = new TlsReloader(server, { files, ttlSeconds: 60, initial: loadTlsMaterial(files), warn: (m) => warnings.push(m) });
    try {
      replaceFile(Buffer.from('not a CA'), files.ca_cert);
      assert.equal(reloader.reloadNow(), 'failed');
      assert.match(warnings[0] ?? '', /tls\.ca_cert: /);
      assert.equal((await get(port, pki.client)).status, 200);
      await assert.rejects(get(port, pki.otherClient));
    } finally {
      await close(server);
    }
  });
});
