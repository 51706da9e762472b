/**
 * Certificate identities over gRPC: with mTLS on, `service.tls_client_access` maps the client certificate to access
 * on port 6334 exactly as on REST (tests/integration/auth/cert-identity.test.ts) — over a real mTLS connection with
 * certificates generated here. The identity is the audit subject; an unmapped certificate is no credential; a sent
 * api-key is judged instead of the certificate.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { credentials, Metadata, status, type Client, type ServiceError } from '@grpc/grpc-js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { certIdentityEnv, issueCert, makeTestPki, type CertPair, type TestPki } from '../../support/certs.js';
import { MemoryAuditSink } from '../../../src/auth/audit-event.js';
import { contract } from '../../../src/api/grpc/proto.js';

const KEY = 'grpc-cert-identity-admin-key-0123456789ab';

type Unary = (req: unknown, md: Metadata, cb: (e: ServiceError | null, res?: unknown) => void) => void;

describe('certificate identities over gRPC (mTLS)', () => {
  let pki: TestPki;
  let app: TestApp;
  let port = 0;
  let reader: CertPair;
  let spiffe: CertPair;
  const audit = new MemoryAuditSink();
  const clients: Client[] = [];

  before(async () => {
    pki = makeTestPki();
    reader = issueCert(pki.dir, 'reader', pki.ca, 'client', 'svc-reader');
    spiffe = issueCert(pki.dir, 'spiffe', pki.ca, 'client', 'svc-spiffe');
    app = await startTestApp(certIdentityEnv(pki, KEY), { audit });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
  });
  after(async () => {
    for (const c of clients) c.close();
    await app.destroy();
    pki.cleanup();
  });

  function rpc(service: 'Collections' | 'Points', method: string, cert: CertPair, req: unknown, headers: Record<string, string> = {}): Promise<{ code: status; details: string }> {
    const creds = credentials.createSsl(readFileSync(pki.ca.cert), readFileSync(cert.key), readFileSync(cert.cert));
    const client = new (contract().qdrant[service])(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'localhost' }) as unknown as Client;
    clients.push(client);
    const md = new Metadata();
    for (const [k, v] of Object.entries(headers)) md.set(k, v);
    return new Promise((resolve) => {
      (client as unknown as Record<string, Unary>)[method]!.call(client, req, md, (e) => resolve(e === null ? { code: status.OK, details: '' } : { code: e.code, details: e.details }));
    });
  }

  const upsert = (id: number) => ({ collection_name: 'docs', wait: true, points: [{ id: { num: id }, vectors: { vector: { dense: { data: [1, 0] } } } }] });

  it('a mapped certificate is the credential, with its grants, and its identity is the audit subject', async () => {
    const created = await rpc('Collections', 'Create', pki.client, { collection_name: 'docs', vectors_config: { params: { size: 2, distance: 'Dot' } } }, { 'api-key': KEY });
    assert.equal(created.code, status.OK, created.details);
    const from = audit.events.length;
    const w = await rpc('Points', 'Upsert', pki.client, upsert(1));
    assert.equal(w.code, status.OK, w.details);
    const e = audit.events.slice(from).find((x) => x.method === 'upsert_points');
    assert.equal(e?.api, '/qdrant.Points/Upsert');
    assert.equal(e?.auth_type, 'Certificate');
    assert.equal(e?.subject, 'CN=quiver-test-client');
    assert.equal(e?.result, 'ok');
    const denied = await rpc('Collections', 'Delete', pki.client, { collection_name: 'docs' });
    assert.equal(denied.code, status.PERMISSION_DENIED, denied.details);
    const refusal = audit.events.slice(from).find((x) => x.method === 'delete_collection');
    assert.equal(refusal?.subject, 'CN=quiver-test-client');
    assert.equal(refusal?.result, 'denied');
  });

  it('the first matching entry decides: a read-only certificate cannot write', async () => {
    assert.equal((await rpc('Points', 'Count', reader, { collection_name: 'docs' })).code, status.OK);
    assert.equal((await rpc('Collections', 'List', reader, {})).code, status.OK, 'global r');
    const w = await rpc('Points', 'Upsert', reader, upsert(2));
    assert.equal(w.code, status.PERMISSION_DENIED, w.details);
    assert.match(w.details, /^Forbidden: /);
  });

  it('an unmapped (but CA-signed) certificate is no credential; a sent key is judged instead of the certificate', async () => {
    const r = await rpc('Collections', 'List', spiffe, {});
    assert.equal(r.code, status.UNAUTHENTICATED);
    assert.equal(r.details, 'Must provide an API key or an Authorization bearer token');
    const wrong = await rpc('Collections', 'List', pki.client, {}, { 'api-key': 'wrong-key-0123456789abcdef0123456789' });
    assert.equal(wrong.code, status.UNAUTHENTICATED);
    assert.equal(wrong.details, 'Invalid API key or JWT');
  });
});
