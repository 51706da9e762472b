/**
 * TLS on Quiver's own process (`src/main.ts` with `service.enable_tls`), not a stand-alone HTTPS server:
 * it serves the Qdrant API over HTTPS with the configured certificate, re-reads certificate, key and CA every
 * `tls.cert_ttl` seconds (new connections get the new ones, without a restart), keeps serving the previous
 * ones when the files on disk turn bad, and with `verify_https_client_certificate` accepts exactly the clients
 * signed by the CA currently on disk.
 */
import { strict as assert } from 'node:assert';
import { X509Certificate } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { request as httpsRequest } from 'node:https';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { after, before, describe, it } from 'node:test';
import { removeDir, startChildServer, tempDir, type ChildServer } from '../support/app.js';
import { issueCert, makeCa, makeTestPki, type CertPair, type TestPki } from '../support/certs.js';
import { pollUntil } from '../support/poll.js';

let pki: TestPki;
before(() => {
  pki = makeTestPki();
});
after(() => pki.cleanup());

interface Reply {
  status: number;
  body: any;
  fingerprint: string;
}

/** One request on a fresh TLS connection (no agent, no session reuse) trusting `ca`. */
function get(port: number, path: string, ca: string, client?: CertPair): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, agent: false, ca: readFileSync(ca), ...(client === undefined ? {} : { cert: readFileSync(client.cert), key: readFileSync(client.key) }) },
      (res) => {
        const fingerprint = (res.socket as TLSSocket).getPeerCertificate().fingerprint256;
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text.startsWith('{') ? JSON.parse(text) : text, fingerprint }));
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

const fingerprintOf = (certFile: string): string => new X509Certificate(readFileSync(certFile)).fingerprint256;

/** Atomic replacement, as a certificate manager does it. */
function replaceFile(target: string, bytes: Buffer | string): void {
  writeFileSync(`${target}.tmp`, bytes);
  renameSync(`${target}.tmp`, target);
}

interface Setup {
  dir: string;
  files: { cert: string; key: string; ca: string };
  server: ChildServer;
}

async function startTls(extraEnv: Record<string, string>, trust: () => string, client?: () => CertPair | undefined): Promise<Setup> {
  const dir = tempDir('quiver-tls-server-');
  const tls = join(dir, 'tls');
  mkdirSync(tls);
  const files = { cert: join(tls, 'cert.pem'), key: join(tls, 'key.pem'), ca: join(tls, 'ca.pem') };
  writeFileSync(files.cert, readFileSync(pki.server.cert));
  writeFileSync(files.key, readFileSync(pki.server.key));
  writeFileSync(files.ca, readFileSync(pki.ca.cert));
  const env = {
    QDRANT__STORAGE__STORAGE_PATH: join(dir, 'storage'),
    QDRANT__SERVICE__ENABLE_TLS: 'true',
    QDRANT__TLS__CERT: files.cert,
    QDRANT__TLS__KEY: files.key,
    QDRANT__TLS__CA_CERT: files.ca,
    QDRANT__TLS__CERT_TTL: '1',
    QDRANT__LOG_LEVEL: 'INFO',
    ...extraEnv,
  };
  const server = await startChildServer(dir, env, undefined, [], {
    scheme: 'https',
    probe: async (url) => (await get(Number(new URL(url).port), '/readyz', trust(), client?.())).status === 200,
  });
  return { dir, files, server };
}

void describe('TLS on the Quiver process', () => {
  void it('serves the API over HTTPS and reloads certificate and key every cert_ttl seconds, keeping the old ones when the new files are bad', { timeout: 120_000 }, async () => {
    const { dir, files, server } = await startTls({}, () => pki.ca.cert);
    try {
      const first = await get(server.port, '/collections', pki.ca.cert);
      assert.equal(first.status, 200);
      assert.deepEqual(first.body.result, { collections: [] });
      assert.equal(first.fingerprint, fingerprintOf(pki.server.cert));

      // A renewed certificate (key first, then certificate) is served to new connections without a restart.
      const renewed = issueCert(pki.dir, 'renewed', pki.ca, 'server', 'localhost');
      replaceFile(files.key, readFileSync(renewed.key));
      replaceFile(files.cert, readFileSync(renewed.cert));
      await pollUntil('the renewed certificate to be served', async () => (await get(server.port, '/readyz', pki.ca.cert)).fingerprint === fingerprintOf(renewed.cert));
      assert.match(server.output(), /TLS material reloaded/);

      // Half-written and mismatched files: the renewed certificate stays in force, and the failure is logged.
      const failures = (): number => server.output().split('TLS reload failed, still serving the previous certificate').length - 1;
      replaceFile(files.cert, readFileSync(renewed.cert).subarray(0, 100));
      await pollUntil('a failed reload to be logged (truncated certificate)', () => failures() >= 1);
      assert.equal((await get(server.port, '/readyz', pki.ca.cert)).fingerprint, fingerprintOf(renewed.cert));
      replaceFile(files.cert, readFileSync(pki.server.cert)); // does not match the renewed key
      const before = failures();
      await pollUntil('a failed reload to be logged (key mismatch)', () => failures() > before);
      const still = await get(server.port, '/collections', pki.ca.cert);
      assert.equal(still.status, 200);
      assert.equal(still.fingerprint, fingerprintOf(renewed.cert));
      assert.equal(server.proc.exitCode, null);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });

  void it('with verify_https_client_certificate accepts exactly the clients of the CA on disk, reloading the CA too', { timeout: 120_000 }, async () => {
    let client: CertPair = pki.client;
    const { dir, files, server } = await startTls({ QDRANT__SERVICE__VERIFY_HTTPS_CLIENT_CERTIFICATE: 'true' }, () => pki.ca.cert, () => client);
    try {
      assert.equal((await get(server.port, '/collections', pki.ca.cert, pki.client)).status, 200);
      await assert.rejects(get(server.port, '/collections', pki.ca.cert));
      await assert.rejects(get(server.port, '/collections', pki.ca.cert, pki.otherClient));

      // The client CA is rotated on disk: clients of the new CA get in, those of the old one no longer do.
      const newCa = makeCa(pki.dir, 'rotated-ca');
      const newClient = issueCert(pki.dir, 'rotated-client', newCa, 'client', 'quiver-rotated-client');
      replaceFile(files.ca, readFileSync(newCa.cert));
      client = newClient;
      await pollUntil('the rotated CA to be in force', async () => {
        try {
          return (await get(server.port, '/collections', pki.ca.cert, newClient)).status === 200;
        } catch {
          return false;
        }
      });
      await assert.rejects(get(server.port, '/collections', pki.ca.cert, pki.client));
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
