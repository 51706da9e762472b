/**
 * Catch-up and compaction in distributed mode: 3 NATS servers + 3 Quiver nodes compacting every 20 operations
 * (`cluster.compaction`). Once the shard streams were purged behind a snapshot in the object store,
 * - a fresh 4th node restores each shard's snapshot, consumes the tail and holds exactly what the others hold
 *   (including points whose operations the streams no longer have);
 * - a node away (stopped) while its stream was compacted past it restores the snapshot over its stale store
 *   (points deleted meanwhile disappear) and converges;
 * - a node whose store was wiped is killed with SIGKILL while it restores, restarted, and converges.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { allPoints, shardDigests, startQuiverCluster, waitConverged, type QuiverCluster, type QuiverNode } from '../support/quiver-cluster.js';
import { pollUntil } from '../support/poll.js';

const missing = natsServerMissing();
const COLLECTION = 'catchup';
const SHARDS = 2;

interface ShardStatus {
  first_sequence: number;
  last_sequence: number;
  applied_sequence: number;
}

void describe('distributed mode: catch-up from snapshots and stream compaction', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let cluster: QuiverCluster;
  const model = new Map<number, { payload: unknown; vector: number[] }>();

  const shardsOf = async (node: QuiverNode): Promise<ShardStatus[]> => (await node.call('GET', '/cluster')).body.result.quiver.collections[COLLECTION].shards as ShardStatus[];

  /** `batches` upserts of 5 points through `node`, from id `from`, recorded in the model. */
  const write = async (node: QuiverNode, from: number, batches: number): Promise<void> => {
    for (let b = 0; b < batches; b++) {
      const points = Array.from({ length: 5 }, (_, k) => {
        const id = from + b * 5 + k;
        const p = { id, vector: [id % 17, 1, 0, node.index], payload: { id, by: node.index, parity: id % 2 === 0 ? 'even' : 'odd' } };
        model.set(id, { payload: p.payload, vector: p.vector });
        return p;
      });
      const r = await node.call('PUT', `/collections/${COLLECTION}/points?wait=${b % 2 === 0}`, { points });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    }
  };

  const assertAgree = async (nodes: readonly QuiverNode[]): Promise<void> => {
    await waitConverged(nodes, COLLECTION, 180_000);
    const want = shardDigests(
      [...model].map(([id, p]) => ({ id, payload: p.payload, vector: p.vector })).sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1)),
      SHARDS,
    );
    for (const n of nodes) {
      const points = await allPoints(n, COLLECTION);
      assert.equal(points.length, model.size, `node ${n.index} point count`);
      assert.deepEqual(shardDigests(points, SHARDS), want, `node ${n.index} shard digests`);
    }
  };

  /** Waits until node 0 reports every shard's stream starting after `after[shard]` (compacted past it). */
  const compactedPast = (after: readonly number[]): Promise<ShardStatus[]> =>
    pollUntil(`the streams compacted past ${after.join(', ')}`, async () => {
      const shards = await shardsOf(cluster.nodes[0]!);
      return shards.every((s, i) => s.first_sequence > after[i]! + 1) && shards;
    }, 120_000, 100);

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3);
    cluster = await startQuiverCluster(nats, 3, () => undefined, {
      QDRANT__CLUSTER__COMPACTION__EVERY_OPERATIONS: '20',
      QDRANT__CLUSTER__COMPACTION__CHECK_INTERVAL_MS: '200',
    });
    const created = await cluster.nodes[0]!.call('PUT', `/collections/${COLLECTION}`, { vectors: { size: 4, distance: 'Dot' }, shard_number: SHARDS, replication_factor: 3 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
  });

  after(async () => {
    await cluster?.stop();
    await nats?.stop();
  });

  void it('compacts each shard stream behind a snapshot; a fresh 4th node restores it plus the tail and converges', async () => {
    await Promise.all(cluster.nodes.map((n) => write(n, n.index * 10_000, 20)));
    const compacted = await compactedPast([0, 0]);
    // The tail after the snapshot: replayed from the stream, not from the snapshot.
    await write(cluster.nodes[1]!, 50_000, 6);
    const fourth = await cluster.add();
    await assertAgree(cluster.nodes);
    // The streams no longer hold the first operations: the 4th node has their points from the snapshots.
    const now = await shardsOf(fourth);
    for (let s = 0; s < SHARDS; s++) assert.ok(now[s]!.first_sequence >= compacted[s]!.first_sequence, `shard ${s} stream still compacted`);
    assert.ok(model.has(0) && (await fourth.call('GET', `/collections/${COLLECTION}/points/0`)).status === 200);
  });

  void it('a node away while its streams were compacted past it restores the snapshot over its stale store', async () => {
    const away = cluster.nodes[2]!;
    const before = (await shardsOf(away)).map((s) => s.applied_sequence);
    await away.server.stop('SIGTERM');
    // Deletes while it is away: the restore must remove these points from its store.
    const del = await cluster.nodes[0]!.call('POST', `/collections/${COLLECTION}/points/delete?wait=true`, { filter: { must: [{ key: 'parity', match: { value: 'odd' } }] } });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    for (const [id, p] of [...model]) if ((p.payload as { parity: string }).parity === 'odd') model.delete(id);
    let round = 0;
    await pollUntil('enough writes for the streams to be compacted past the stopped node', async () => {
      await write(cluster.nodes[round % 2]!, 60_000 + round * 25, 5);
      round++;
      const shards = await shardsOf(cluster.nodes[0]!);
      return shards.every((s, i) => s.first_sequence > before[i]! + 1);
    }, 180_000, 0);
    await cluster.restart(2);
    await assertAgree(cluster.nodes);
  });

  void it('a node whose store was wiped, killed with SIGKILL while it restores the snapshot, converges after a restart', async () => {
    const victim = cluster.nodes[1]!;
    await victim.server.stop('SIGTERM');
    cluster.wipe(1);
    await write(cluster.nodes[0]!, 70_000, 4);
    await compactedPast([0, 0]);
    let killed = false;
    await cluster
      .restart(1, { QDRANT__LOG_LEVEL: 'INFO' }, {
        onOutput: (out, proc) => {
          if (!killed && /restoring from the snapshot/.test(out)) {
            killed = true;
            proc.kill('SIGKILL');
          }
        },
      })
      .catch(() => undefined);
    await pollUntil('the node to begin restoring (and be killed)', () => killed, 120_000, 50);
    await victim.server?.stop('SIGKILL').catch(() => undefined);
    await write(cluster.nodes[2]!, 80_000, 4);
    await cluster.restart(1);
    await assertAgree(cluster.nodes);
  });
});
