/**
 * The gRPC transport: TLS and mTLS from the same files as HTTPS, the client address allow-list, server
 * reflection, the standard health service, and the message size limit.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { credentials, loadPackageDefinition, Metadata, status, type Client, type CallOptions, type ChannelCredentials, type ServiceError } from '@grpc/grpc-js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { issueCert, makeTestPki, type TestPki } from '../../support/certs.js';
import { contract } from '../../../src/api/grpc/proto.js';

type Unary = (req: unknown, md: Metadata, options: CallOptions, cb: (e: ServiceError | null, res?: any) => void) => void;

/**
 * One unary call. Every call has a deadline (20 s): a call that never completes (seen once in CI, in a certificate
 * reload test) answers DEADLINE_EXCEEDED, which fails the assertion or is retried by a polling loop, instead of
 * hanging the file until the runner's timeout.
 */
function call(client: Client, method: string, req: unknown = {}, md = new Metadata()): Promise<{ code: status; details: string; res?: any }> {
  return new Promise((resolve) => {
    (client as unknown as Record<string, Unary>)[method]!.call(client, req, md, { deadline: Date.now() + 20_000 }, (e, res) => resolve(e === null ? { code: status.OK, details: '', res } : { code: e.code, details: e.details }));
  });
}

/** `list_services` through server reflection (v1alpha): the names, or the status that ended the stream. */
async function reflectServices(port: number): Promise<{ code: status; details: string; names: string[] }> {
  const def = loadSync('grpc/reflection/v1alpha/reflection.proto', { includeDirs: ['node_modules/@grpc/reflection/build/proto'], keepCase: true });
  const pkg = loadPackageDefinition(def) as any;
  const client = new pkg.grpc.reflection.v1alpha.ServerReflection(`127.0.0.1:${port}`, credentials.createInsecure());
  try {
    return await new Promise((resolve) => {
      const stream = client.ServerReflectionInfo();
      stream.on('data', (m: any) => {
        resolve({ code: status.OK, details: '', names: (m.list_services_response?.service ?? []).map((s: any) => s.name) });
        stream.end();
      });
      stream.on('error', (e: ServiceError) => resolve({ code: e.code, details: e.details, names: [] }));
      stream.write({ list_services: '*' });
    });
  } finally {
    client.close();
  }
}

function qdrant(port: number, creds: ChannelCredentials): Client {
  return new (contract().qdrant.Qdrant)(`127.0.0.1:${port}`, creds, { 'grpc.ssl_target_name_override': 'localhost' });
}

describe('gRPC over TLS and mTLS (service.enable_tls covers both ports)', () => {
  let pki: TestPki;
  let app: TestApp;
  let port: number;
  before(async () => {
    pki = makeTestPki();
    app = await startTestApp({
      QDRANT__SERVICE__ENABLE_TLS: 'true',
      QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true',
      QDRANT__TLS__CERT: pki.server.cert,
      QDRANT__TLS__KEY: pki.server.key,
      QDRANT__TLS__CA_CERT: pki.ca.cert,
    });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
  });
  after(async () => {
    await app.destroy();
    pki.cleanup();
  });

  it('serves a client with a certificate signed by tls.ca_cert', async () => {
    const c = qdrant(port, credentials.createSsl(readFileSync(pki.ca.cert), readFileSync(pki.client.key), readFileSync(pki.client.cert)));
    const r = await call(c, 'HealthCheck');
    c.close();
    assert.equal(r.code, status.OK, r.details);
    assert.equal(r.res.title, 'qdrant - vector search engine');
  });

  it('refuses a client without a certificate, with one from another CA, and plaintext', async () => {
    const attempts = [
      credentials.createSsl(readFileSync(pki.ca.cert)),
      credentials.createSsl(readFileSync(pki.ca.cert), readFileSync(pki.otherClient.key), readFileSync(pki.otherClient.cert)),
      credentials.createInsecure(),
    ];
    for (const creds of attempts) {
      const c = qdrant(port, creds);
      const r = await call(c, 'HealthCheck');
      c.close();
      assert.equal(r.code, status.UNAVAILABLE, r.details);
    }
  });
});

describe('gRPC certificate reload (tls.cert_ttl, shared with HTTPS)', () => {
  let pki: TestPki;
  let app: TestApp;
  let port: number;
  let files: { cert: string; key: string };
  before(async () => {
    pki = makeTestPki();
    files = { cert: join(pki.dir, 'live-cert.pem'), key: join(pki.dir, 'live-key.pem') };
    copyFileSync(pki.server.cert, files.cert);
    copyFileSync(pki.server.key, files.key);
    app = await startTestApp({ QDRANT__SERVICE__ENABLE_TLS: 'true', QDRANT__TLS__CERT: files.cert, QDRANT__TLS__KEY: files.key, QDRANT__TLS__CERT_TTL: '1' });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
  });
  after(async () => {
    await app.destroy();
    pki.cleanup();
  });

  async function healthWith(ca: string): Promise<status> {
    const c = qdrant(port, credentials.createSsl(readFileSync(ca)));
    const r = await call(c, 'HealthCheck');
    c.close();
    return r.code;
  }

  it('serves a renewed certificate to new connections without a restart', async () => {
    assert.equal(await healthWith(pki.ca.cert), status.OK);
    assert.equal(await healthWith(pki.otherCa.cert), status.UNAVAILABLE);
    const renewed = issueCert(pki.dir, 'renewed', pki.otherCa, 'server');
    copyFileSync(renewed.key, files.key);
    copyFileSync(renewed.cert, files.cert);
    // Poll the observable state: the reloader re-reads the files every second.
    const deadline = Date.now() + 15_000;
    let code: status = status.UNAVAILABLE;
    while (Date.now() < deadline && code !== status.OK) code = await healthWith(pki.otherCa.cert);
    assert.equal(code, status.OK);
    assert.equal(await healthWith(pki.ca.cert), status.UNAVAILABLE);
  });
});

describe('gRPC CA reload (tls.ca_cert, shared with HTTPS)', () => {
  let pki: TestPki;
  let app: TestApp;
  let port: number;
  let caFile: string;
  before(async () => {
    pki = makeTestPki();
    caFile = join(pki.dir, 'live-ca.pem');
    copyFileSync(pki.ca.cert, caFile);
    app = await startTestApp({
      QDRANT__SERVICE__ENABLE_TLS: 'true',
      QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true',
      QDRANT__TLS__CERT: pki.server.cert,
      QDRANT__TLS__KEY: pki.server.key,
      QDRANT__TLS__CA_CERT: caFile,
      QDRANT__TLS__CERT_TTL: '1',
    });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
  });
  after(async () => {
    await app.destroy();
    pki.cleanup();
  });

  async function healthAs(client: { cert: string; key: string }): Promise<status> {
    const c = qdrant(port, credentials.createSsl(readFileSync(pki.ca.cert), readFileSync(client.key), readFileSync(client.cert)));
    const r = await call(c, 'HealthCheck');
    c.close();
    return r.code;
  }

  it('trusts clients of a new CA once the CA file is replaced, and no longer those of the old one', async () => {
    assert.equal(await healthAs(pki.client), status.OK);
    assert.equal(await healthAs(pki.otherClient), status.UNAVAILABLE);
    copyFileSync(pki.otherCa.cert, caFile);
    // Poll the observable state: the reloader re-reads the files every second.
    const deadline = Date.now() + 15_000;
    let code: status = status.UNAVAILABLE;
    while (Date.now() < deadline && code !== status.OK) code = await healthAs(pki.otherClient);
    assert.equal(code, status.OK);
    assert.equal(await healthAs(pki.client), status.UNAVAILABLE);
  });
});

describe('gRPC service surface', () => {
  let app: TestApp;
  let port: number;
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__API_KEY: 'admin-key-0123456789abcdef0123456789abcdef' });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
  });
  after(async () => {
    await app.destroy();
  });

  it('answers grpc.health.v1.Health/Check SERVING without a credential, and qdrant calls need one', async () => {
    const health = new (contract().health.Health)(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Client;
    const r = await call(health, 'Check', { service: '' });
    const points = await call(health, 'Check', { service: 'qdrant.Points' });
    const unknown = await call(health, 'Check', { service: 'qdrant.Nope' });
    health.close();
    assert.equal(r.code, status.OK);
    assert.equal(r.res.status, 'SERVING');
    assert.equal(points.res.status, 'SERVING');
    assert.equal(unknown.code, status.NOT_FOUND);
    const c = new (contract().qdrant.Collections)(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Client;
    const denied = await call(c, 'List');
    c.close();
    assert.equal(denied.code, status.UNAUTHENTICATED);
    assert.equal(denied.details, 'Must provide an API key or an Authorization bearer token');
  });

  it('lists every served service through server reflection, without a credential', async () => {
    const r = await reflectServices(port);
    assert.equal(r.code, status.OK, r.details);
    for (const s of ['qdrant.Qdrant', 'qdrant.Collections', 'qdrant.Points', 'qdrant.Snapshots', 'qdrant.ShardSnapshots', 'grpc.health.v1.Health']) assert.ok(r.names.includes(s), `${s} in ${r.names.join(', ')}`);
  });
});

describe('gRPC client address allow-list', () => {
  let app: TestApp;
  let port: number;
  before(async () => {
    app = await startTestApp({ QDRANT__SERVICE__ALLOWED_CLIENT_IPS: '10.9.8.7' });
    port = (await app.startGrpc('127.0.0.1', 0)).port;
  });
  after(async () => {
    await app.destroy();
  });

  it('refuses a client outside service.allowed_client_ips with PERMISSION_DENIED before authentication', async () => {
    const c = new (contract().qdrant.Collections)(`127.0.0.1:${port}`, credentials.createInsecure()) as unknown as Client;
    const r = await call(c, 'List');
    c.close();
    assert.equal(r.code, status.PERMISSION_DENIED);
    assert.equal(r.details, 'Forbidden: client address 127.0.0.1 is not allowed');
  });

  it('refuses the open RPCs too: health checks and server reflection', async () => {
    const c = qdrant(port, credentials.createInsecure());
    const health = await call(c, 'HealthCheck');
    c.close();
    assert.equal(health.code, status.PERMISSION_DENIED);
    const reflection = await reflectServices(port);
    assert.equal(reflection.code, status.PERMISSION_DENIED, reflection.details);
    assert.equal(reflection.details, 'Forbidden: client address 127.0.0.1 is not allowed');
  });
});
