/**
 * Distributed mode under faults, in rounds (QUIVER_CLUSTER_ROUNDS, default 1 of each; `npm run faults:cluster`
 * runs more): writers upsert through every node while
 * - a Quiver node is killed with SIGKILL mid-write and restarted on its data directory, or
 * - a Quiver node is paused (SIGSTOP) until its heartbeat expires and the others drop it, then resumed, or
 * - the NATS server leading a shard's stream is killed with SIGKILL (writes continue after the election) and
 *   restarted.
 * The streams are compacted behind snapshots throughout (every 25 operations), so a node back from a fault may
 * catch up from a snapshot.
 * After every round, once every replica caught up: every acknowledged write is on every replica (the payload
 * version of each point is its last acknowledged one, or a later attempt whose answer was lost), and the
 * replicas agree shard by shard.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { startQuiverCluster, type QuiverCluster } from '../support/quiver-cluster.js';
import { checkInvariants, COLLECTION, Writers } from '../support/cluster-writers.js';
import { pollUntil } from '../support/poll.js';

const missing = natsServerMissing();
const ROUNDS = Number(process.env['QUIVER_CLUSTER_ROUNDS'] ?? '1');

void describe('distributed mode under faults', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let cluster: QuiverCluster;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3);
    // Streams are compacted all along (every 25 operations): a node back from a fault may find its stream
    // compacted past it and restore the shard's snapshot.
    cluster = await startQuiverCluster(nats, 3, () => undefined, { QDRANT__CLUSTER__COMPACTION__EVERY_OPERATIONS: '25', QDRANT__CLUSTER__COMPACTION__CHECK_INTERVAL_MS: '300' });
    const created = await cluster.nodes[0]!.call('PUT', `/collections/${COLLECTION}`, { vectors: { size: 2, distance: 'Euclid' }, shard_number: 2, replication_factor: 3 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  });

  after(async () => {
    await cluster?.stop();
    await nats?.stop();
  });

  for (let round = 1; round <= ROUNDS; round++) {
    void it(`round ${round}: SIGKILL a Quiver node mid-write, restart it: it catches up, nothing acknowledged is lost`, async () => {
      const victim = round % 3;
      const writers = new Writers(cluster.nodes, round * 2);
      try {
        await writers.more(15 + Math.floor(Math.random() * 30), 'before the kill');
        await cluster.nodes[victim]!.server.stop('SIGKILL');
        await writers.more(20, 'while the node is down');
        await cluster.restart(victim);
        await writers.more(20, 'after the restart');
      } finally {
        await writers.stop();
      }
      await checkInvariants(cluster, writers);
    });

    void it(`round ${round}: SIGSTOP a Quiver node until its peers drop it (heartbeat expired), SIGCONT: it rejoins and catches up`, async () => {
      const victim = (round + 1) % 3;
      const observer = cluster.nodes[(victim + 1) % 3]!;
      const livePeers = async (): Promise<number> => Object.keys((await observer.call('GET', '/cluster')).body.result.peers).length;
      const writers = new Writers(cluster.nodes.filter((n) => n.index !== victim), round * 2 + 100);
      try {
        await writers.more(10, 'before the pause');
        cluster.nodes[victim]!.server.proc.kill('SIGSTOP');
        try {
          await pollUntil('the paused node to drop out of the live peers', async () => (await livePeers()) === 2, 120_000, 250);
          await writers.more(20, 'while the node is paused');
        } finally {
          cluster.nodes[victim]!.server.proc.kill('SIGCONT');
        }
        await pollUntil('the resumed node to be a live peer again', async () => (await livePeers()) === 3, 120_000, 250);
        await writers.more(10, 'after the resume');
      } finally {
        await writers.stop();
      }
      await checkInvariants(cluster, writers);
    });

    void it(`round ${round}: SIGKILL the NATS server leading a shard's stream: writes continue, nothing acknowledged is lost`, async () => {
      const status = await cluster.nodes[0]!.call('GET', '/cluster');
      const leader = status.body.result.quiver.collections[COLLECTION].shards[round % 2].stream_leader as string;
      const index = nats.servers.findIndex((s) => s.name === leader);
      assert.ok(index >= 0, `leader ${leader} is one of the test's servers`);
      const writers = new Writers(cluster.nodes, round * 2 + 1);
      try {
        await writers.more(15 + Math.floor(Math.random() * 30), 'before the kill');
        await nats.kill(index);
        await writers.more(30, 'after the stream leader died');
        await nats.restart(index);
        await writers.more(10, 'after the server came back');
      } finally {
        await writers.stop();
      }
      await checkInvariants(cluster, writers);
    });
  }
});
