/**
 * Issue 17 §6: with mTLS on, a client certificate mapped by `service.tls_client_access` is the credential — over a
 * real TLS connection with certificates generated here. The identity is the audit subject; an unmapped certificate
 * gets 401 as a request without a credential; a sent api-key is judged instead of the certificate.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { startTestApp, type TestApp } from '../../support/app.js';
import { certIdentityEnv, issueCert, makeTestPki, type CertPair, type TestPki } from '../../support/certs.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';
import { certIdentities } from '../../../src/auth/cert-identity.js';

const KEY = 'cert-identity-admin-key-0123456789abcdef';

void describe('certificate identities (mTLS)', () => {
  let pki: TestPki;
  let app: TestApp;
  let port = 0;
  let reader: CertPair;
  const audit = new MemoryAuditSink();
  before(async () => {
    pki = makeTestPki();
    reader = issueCert(pki.dir, 'reader', pki.ca, 'client', 'svc-reader');
    app = await startTestApp(certIdentityEnv(pki, KEY), { audit });
    await app.app.listen({ host: '127.0.0.1', port: 0 });
    port = (app.app.server.address() as AddressInfo).port;
  });
  after(async () => {
    await app.destroy();
    pki.cleanup();
  });

  function call(method: string, path: string, cert: CertPair, headers: Record<string, string> = {}, body?: unknown): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({
        host: '127.0.0.1', port, method, path, ca: readFileSync(pki.ca.cert), cert: readFileSync(cert.cert), key: readFileSync(cert.key),
        servername: 'localhost', headers: body === undefined ? headers : { 'content-type': 'application/json', ...headers },
      }, (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      });
      req.on('error', reject);
      req.end(body === undefined ? undefined : JSON.stringify(body));
    });
  }

  void it('a mapped certificate is the credential, with its grants, and its identity is the audit subject', async () => {
    assert.equal((await call('PUT', '/collections/docs', pki.client, { 'api-key': KEY }, { vectors: { size: 2, distance: 'Dot' } })).status, 200);
    const before = audit.events.length;
    const w = await call('PUT', '/collections/docs/points?wait=true', pki.client, {}, { points: [{ id: 1, vector: [1, 0] }] });
    assert.equal(w.status, 200, w.body);
    const e = audit.events.slice(before).find((x) => x.method === 'upsert_points');
    assert.equal(e?.auth_type, 'Certificate');
    assert.equal(e?.subject, 'CN=quiver-test-client');
    assert.equal(e?.result, 'ok');
    const denied = await call('DELETE', '/collections/docs', pki.client);
    assert.equal(denied.status, 403);
  });

  void it('the first matching entry decides: a read-only certificate cannot write', async () => {
    assert.equal((await call('POST', '/collections/docs/points/count', reader, {}, {})).status, 200);
    assert.equal((await call('PUT', '/collections/docs/points?wait=true', reader, {}, { points: [{ id: 2, vector: [0, 1] }] })).status, 403);
    assert.equal((await call('GET', '/metrics', reader)).status, 200, 'global r');
  });

  void it('an unmapped (but CA-signed) certificate is no credential; a sent key is judged instead of the certificate', async () => {
    const stranger = issueCert(pki.dir, 'stranger', pki.ca, 'client', 'svc-stranger');
    const r = await call('GET', '/collections', stranger);
    assert.equal(r.status, 401);
    assert.equal(r.body, 'Must provide an API key or an Authorization bearer token');
    assert.equal((await call('GET', '/collections', pki.client, { 'api-key': 'wrong' })).status, 401);
  });

  void it('reads CN and subject alternative names in the configuration spelling', () => {
    assert.deepEqual(
      certIdentities({ subject: { CN: 'a' }, subjectaltname: 'DNS:a.internal, URI:spiffe://ex.org/ns/rag, IP Address:10.0.0.1, email:a@ex.org' }),
      ['CN=a', 'DNS:a.internal', 'URI:spiffe://ex.org/ns/rag', 'IP:10.0.0.1', 'email:a@ex.org'],
    );
  });
});
