/**
 * Distributed mode's NATS security: a node joins with its own nkey (no anonymous access when the NATS server
 * requires authentication); a node without credentials, or with another deployment's permissions, cannot join
 * and the server refuses to start with the reason.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { nkeys } from 'nats';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { removeDir, startTestApp, tempDir } from '../../support/app.js';
import { StartupError } from '../../../src/server.js';

const missing = natsServerMissing();

void describe('distributed mode: per-node NATS credentials', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  const dir = tempDir('quiver-nats-auth-');
  const nodeA = nkeys.createUser();
  const confined = nkeys.createUser();

  before(async () => {
    assertCanRun(missing);
    // Node A may use everything; the confined user only another deployment's subjects.
    const conf = join(dir, 'auth.conf');
    writeFileSync(conf, [
      'authorization {',
      '  users = [',
      `    { nkey: "${nodeA.getPublicKey()}" }`,
      `    { nkey: "${confined.getPublicKey()}", permissions: { publish: ["other.>"], subscribe: ["other.>", "_INBOX.>"] } }`,
      '  ]',
      '}',
    ].join('\n'));
    nats = await startNatsCluster(1, () => ['-c', conf]);
  });

  after(async () => {
    await nats?.stop();
    removeDir(dir);
  });

  const seedFile = (name: string, seed: Uint8Array): string => {
    const path = join(dir, name);
    writeFileSync(path, new TextDecoder().decode(seed), { mode: 0o600 });
    return path;
  };

  const clusterEnv = (extra: Record<string, string>): Record<string, string> => ({
    QDRANT__CLUSTER__ENABLED: 'true',
    QDRANT__CLUSTER__NATS__SERVERS: nats.urls,
    QDRANT__CLUSTER__DEPLOYMENT: 'secure',
    QDRANT__CLUSTER__TIMEOUT_MS: '5000',
    ...extra,
  });

  void it('joins with its own nkey seed and serves writes', async () => {
    const app = await startTestApp(clusterEnv({ QDRANT__CLUSTER__NATS__NKEY_SEED_FILE: seedFile('a.seed', nodeA.getSeed()) }));
    try {
      assert.equal((await app.request('PUT', '/collections/c', { vectors: { size: 2, distance: 'Dot' } })).status, 200);
      const r = await app.request('PUT', '/collections/c/points?wait=true', { points: [{ id: 1, vector: [1, 2] }] });
      assert.equal(r.body.result.status, 'completed');
      assert.equal((await app.request('GET', '/cluster')).body.result.status, 'enabled');
    } finally {
      await app.destroy();
    }
  });

  void it('refuses to start without credentials, naming the NATS refusal', async () => {
    await assert.rejects(startTestApp(clusterEnv({})), (e: unknown) => e instanceof StartupError && /cannot join NATS/.test(e.message) && /AUTHORIZATION|Authorization/i.test(e.message));
  });

  void it('refuses to start with credentials confined to another deployment', async () => {
    await assert.rejects(startTestApp(clusterEnv({ QDRANT__CLUSTER__NATS__NKEY_SEED_FILE: seedFile('confined.seed', confined.getSeed()) })), (e: unknown) => e instanceof StartupError && /cannot join NATS/.test(e.message));
  });
});
