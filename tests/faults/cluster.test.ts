/**
 * Distributed mode under faults, in rounds (QUIVER_CLUSTER_ROUNDS, default 1 of each; `npm run faults:cluster`
 * runs more): writers upsert through every node while
 * - a Quiver node is killed with SIGKILL mid-write and restarted on its data directory, or
 * - a Quiver node is paused (SIGSTOP) until its heartbeat expires and the others drop it, then resumed, or
 * - the NATS server leading a shard's stream is killed with SIGKILL (writes continue after the election) and
 *   restarted.
 * After every round, once every replica caught up: every acknowledged write is on every replica (the payload
 * version of each point is its last acknowledged one, or a later attempt whose answer was lost), and the
 * replicas agree shard by shard.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { allPoints, shardDigests, startQuiverCluster, waitConverged, type QuiverCluster, type QuiverNode } from '../support/quiver-cluster.js';
import { pollUntil } from '../support/poll.js';

const missing = natsServerMissing();
const ROUNDS = Number(process.env['QUIVER_CLUSTER_ROUNDS'] ?? '1');
const IDS_PER_WRITER = 25;
const COLLECTION = 'faults';

/** One writer per node: upserts its own ids with increasing versions; records what was acknowledged. */
class Writers {
  readonly acked = new Map<number, number>();
  /** Versions whose request failed (they may or may not have been stored). */
  readonly failed = new Map<number, Set<number>>();
  ackCount = 0;
  private stopping = false;
  private readonly loops: Array<Promise<void>>;

  constructor(nodes: readonly QuiverNode[], round: number) {
    this.loops = nodes.map((n) => this.loop(n, round));
  }

  private async loop(node: QuiverNode, round: number): Promise<void> {
    for (let version = 1; !this.stopping; version++) {
      const id = node.index * 1000 + (version % IDS_PER_WRITER);
      const v = round * 1_000_000 + version;
      let ok = false;
      try {
        const r = await node.call('PUT', `/collections/${COLLECTION}/points?wait=${version % 4 === 0}`, { points: [{ id, vector: [v % 97, 1], payload: { v, node: node.index } }] });
        ok = r.status === 200;
      } catch {
        // connection refused while the node is down
      }
      if (ok) {
        this.acked.set(id, v);
        this.ackCount++;
      } else {
        const set = this.failed.get(id) ?? new Set<number>();
        set.add(v);
        this.failed.set(id, set);
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  /** Resolves once `n` more writes were acknowledged. */
  async more(n: number, what: string): Promise<void> {
    const target = this.ackCount + n;
    await pollUntil(`${n} more acknowledged writes (${what})`, () => this.ackCount >= target, 180_000, 20);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await Promise.all(this.loops);
  }
}

async function checkInvariants(cluster: QuiverCluster, writers: Writers): Promise<void> {
  await waitConverged(cluster.nodes, COLLECTION, 180_000);
  const replicas = await Promise.all(cluster.nodes.map((n) => allPoints(n, COLLECTION)));
  const digests = replicas.map((points) => shardDigests(points, 2));
  for (let i = 1; i < digests.length; i++) assert.deepEqual(digests[i], digests[0], `node ${i} agrees with node 0 shard by shard`);
  const stored = new Map(replicas[0]!.map((p) => [p.id as number, (p.payload as { v: number }).v]));
  for (const [id, v] of writers.acked) {
    const got = stored.get(id);
    assert.notEqual(got, undefined, `acknowledged point ${id} is missing`);
    if (got !== v) assert.ok(got! > v && writers.failed.get(id)?.has(got!) === true, `point ${id}: version ${got}, last acknowledged ${v}`);
  }
}

void describe('distributed mode under faults', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let cluster: QuiverCluster;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3);
    cluster = await startQuiverCluster(nats, 3);
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
