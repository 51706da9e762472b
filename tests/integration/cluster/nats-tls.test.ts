/**
 * Distributed mode over TLS: the node verifies the NATS server against `cluster.nats.tls.ca_cert` and presents its
 * own client certificate where the server requires mutual TLS; without the certificate, or trusting another CA,
 * the node does not join and the server refuses to start.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { startTestApp } from '../../support/app.js';
import { makeTestPki, type TestPki } from '../../support/certs.js';
import { StartupError } from '../../../src/server.js';

const missing = natsServerMissing();

void describe('distributed mode: TLS to NATS', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let pki: TestPki;

  before(async () => {
    assertCanRun(missing);
    pki = makeTestPki();
    nats = await startNatsCluster(1, () => ['--tlsverify', '--tlscert', pki.server.cert, '--tlskey', pki.server.key, '--tlscacert', pki.ca.cert]);
  });

  after(async () => {
    await nats?.stop();
    pki?.cleanup();
  });

  const tlsEnv = (extra: Record<string, string>): Record<string, string> => ({
    QDRANT__CLUSTER__ENABLED: 'true',
    QDRANT__CLUSTER__NATS__SERVERS: `tls://127.0.0.1:${nats.servers[0]!.port}`,
    QDRANT__CLUSTER__DEPLOYMENT: 'tls',
    QDRANT__CLUSTER__TIMEOUT_MS: '5000',
    QDRANT__CLUSTER__NATS__TLS__ENABLED: 'true',
    ...extra,
  });

  void it('joins over mutual TLS with its client certificate and replicates writes', async () => {
    const app = await startTestApp(tlsEnv({ QDRANT__CLUSTER__NATS__TLS__CA_CERT: pki.ca.cert, QDRANT__CLUSTER__NATS__TLS__CERT: pki.client.cert, QDRANT__CLUSTER__NATS__TLS__KEY: pki.client.key }));
    try {
      assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
      const r = await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 2] }] });
      assert.equal(r.body.result.status, 'completed');
    } finally {
      await app.destroy();
    }
  });

  void it('does not join without a client certificate', async () => {
    await assert.rejects(startTestApp(tlsEnv({ QDRANT__CLUSTER__NATS__TLS__CA_CERT: pki.ca.cert })), (e: unknown) => e instanceof StartupError && /cannot join NATS/.test(e.message));
  });

  void it('does not join a server whose certificate another CA signed', async () => {
    await assert.rejects(
      startTestApp(tlsEnv({ QDRANT__CLUSTER__NATS__TLS__CA_CERT: pki.otherCa.cert, QDRANT__CLUSTER__NATS__TLS__CERT: pki.client.cert, QDRANT__CLUSTER__NATS__TLS__KEY: pki.client.key })),
      (e: unknown) => e instanceof StartupError && /cannot join NATS/.test(e.message),
    );
  });
});
