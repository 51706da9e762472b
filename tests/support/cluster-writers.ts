/**
 * The model of the distributed fault tests: one writer per node upserting its own ids with increasing versions,
 * recording what was acknowledged; and the invariant checked after every fault round.
 */
import assert from 'node:assert/strict';
import { allPoints, shardDigests, waitConverged, type QuiverCluster, type QuiverNode } from './quiver-cluster.js';
import { pollUntil } from './poll.js';

const IDS_PER_WRITER = 25;
export const COLLECTION = 'faults';

/** One writer per node: upserts its own ids with increasing versions; records what was acknowledged. */
export class Writers {
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

export async function checkInvariants(cluster: QuiverCluster, writers: Writers): Promise<void> {
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

