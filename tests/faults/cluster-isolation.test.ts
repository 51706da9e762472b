/**
 * Distributed mode under a network partition: one Quiver node reaches NATS only through a TCP proxy (the NATS
 * servers do not advertise other addresses, so it cannot fail over around it). The proxy is cut while writers
 * write through every node, long enough for the other nodes to drop the isolated one from their live peers, then
 * healed: the node reconnects and catches up; every acknowledged write is on every replica and the replicas agree.
 * Rounds: QUIVER_CLUSTER_ROUNDS (default 1).
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { startQuiverCluster, type QuiverCluster } from '../support/quiver-cluster.js';
import { checkInvariants, COLLECTION, Writers } from '../support/cluster-writers.js';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy.js';
import { pollUntil } from '../support/poll.js';

const missing = natsServerMissing();
const ROUNDS = Number(process.env['QUIVER_CLUSTER_ROUNDS'] ?? '1');
const ISOLATED = 2;

void describe('distributed mode: a node isolated from NATS, then healed', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let cluster: QuiverCluster;
  let proxy: TcpProxy;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3, () => ['--no_advertise']);
    proxy = await startTcpProxy(nats.servers[ISOLATED]!.port);
    cluster = await startQuiverCluster(nats, 3, (i) => (i === ISOLATED ? `nats://127.0.0.1:${proxy.port}` : undefined));
    const created = await cluster.nodes[0]!.call('PUT', `/collections/${COLLECTION}`, { vectors: { size: 2, distance: 'Euclid' }, shard_number: 2, replication_factor: 3 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  });

  after(async () => {
    await cluster?.stop();
    await proxy?.close();
    await nats?.stop();
  });

  for (let round = 1; round <= ROUNDS; round++) {
    void it(`round ${round}: writes continue through the other nodes; the healed node catches up`, async () => {
      const observer = cluster.nodes[0]!;
      const livePeers = async (): Promise<number> => Object.keys((await observer.call('GET', '/cluster')).body.result.peers).length;
      const writers = new Writers(cluster.nodes, round + 200);
      try {
        await writers.more(10, 'before the partition');
        proxy.cut();
        try {
          await pollUntil('the isolated node to drop out of the live peers', async () => (await livePeers()) === 2, 120_000, 250);
          await writers.more(20, 'during the partition');
        } finally {
          proxy.heal();
        }
        await pollUntil('the healed node to be a live peer again', async () => (await livePeers()) === 3, 120_000, 250);
        await writers.more(10, 'after healing');
      } finally {
        await writers.stop();
      }
      await checkInvariants(cluster, writers);
    });
  }
});
