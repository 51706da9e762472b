/**
 * Distributed mode: collection and full snapshots taken through a node that holds only some shards of a collection
 * (3 NATS servers + 3 Quiver nodes; a collection of 3 shards × replication 1 with a dense and a sparse vector, and
 * one of 2 shards × replication 2). The snapshot holds the whole collection — the node's own shards and the others,
 * read page by page from their holders — so recovering it onto the cluster (an upload through another node) gives
 * back exactly the points written, on every holder. With the only holder of a shard the node lacks killed, a
 * collection or full snapshot there is a 503 in Qdrant's error format and no snapshot (nor partial file) is left.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { QdrantClient } from '@qdrant/js-client-grpc';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { allPoints, startQuiverCluster, type QuiverCluster, type QuiverNode, type StoredPoint } from '../support/quiver-cluster.js';
import { filesUnder } from '../support/snapshots.js';
import { pollUntil } from '../support/poll.js';
import { sliceOf } from '../../src/index/filter/slice.js';

const missing = natsServerMissing();

/** Enough payload text that the shards held elsewhere take more than one page (512 KiB) to send. */
const POINTS = 2000;
const TEXT = 'lorem ipsum dolor sit amet, ünïcödé ✓ '.repeat(12);

const COLLECTIONS = {
  placed: { shards: 3, config: { vectors: { d: { size: 4, distance: 'Dot' } }, sparse_vectors: { s: {} }, shard_number: 3, replication_factor: 1 } },
  mirrored: { shards: 2, config: { vectors: { size: 4, distance: 'Euclid' }, shard_number: 2, replication_factor: 2 } },
} as const;
type Name = keyof typeof COLLECTIONS;

/** Ids: integers and a few UUIDs (routed by the slice hash like any id). */
function idOf(i: number): number | string {
  return i % 97 === 0 ? `00000000-0000-4000-8000-${String(i).padStart(12, '0')}` : i;
}

/** Quarter values: exact in float32, so a vector reads back as written (Dot and Euclid do not normalise). */
function denseOf(i: number): number[] {
  return [((i * 7) % 16) / 4, ((i * 3) % 9) / 4 - 1, (i % 5) / 4, 1 + (i % 3) / 4];
}

function payloadOf(i: number): Record<string, unknown> {
  return { n: i, group: ['alpha', 'beta', 'gamma'][i % 3], text: `${i} ${TEXT}`, nested: { list: [i, { k: 'é' }], flag: i % 2 === 0 } };
}

function pointsOf(name: Name, from: number, to: number): Array<Record<string, unknown>> {
  return Array.from({ length: to - from }, (_, k) => {
    const i = from + k;
    const vector = name === 'placed' ? { d: denseOf(i), s: { indices: [i % 7, 10 + (i % 5)], values: [0.5, (i % 4) / 4 + 0.25] } } : denseOf(i);
    return { id: idOf(i), vector, payload: payloadOf(i) };
  });
}

async function localShards(node: QuiverNode, name: string): Promise<Array<{ shard_id: number; points_count: number }>> {
  const info = await node.call('GET', `/collections/${name}/cluster`);
  assert.equal(info.status, 200, JSON.stringify(info.body));
  return info.body.result.local_shards;
}

/** The bytes of a snapshot stored on `node`. */
async function download(node: QuiverNode, path: string): Promise<ArrayBuffer> {
  const r = await fetch(`${node.server.url}${path}`);
  assert.equal(r.status, 200, `GET ${path}`);
  return r.arrayBuffer();
}

async function upload(node: QuiverNode, path: string, archive: ArrayBuffer, name: string): Promise<void> {
  const form = new FormData();
  form.append('snapshot', new Blob([archive]), name);
  const r = await fetch(`${node.server.url}${path}`, { method: 'POST', body: form });
  assert.equal(r.status, 200, `POST ${path}: ${await r.text()}`);
}

void describe('distributed mode: snapshots through a node holding only some shards', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let cluster: QuiverCluster;
  /** Every point of each collection as written, read back once written (sorted by id as `allPoints` sorts). */
  const written = new Map<Name, StoredPoint[]>();

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3);
    cluster = await startQuiverCluster(nats, 3);
    // Placement is chosen among the live nodes: every node must see the others' heartbeats first.
    for (const n of cluster.nodes) {
      await pollUntil(`node ${n.index} sees 3 live nodes`, async () => Object.keys((await n.call('GET', '/cluster')).body?.result?.peers ?? {}).length === 3, 60_000, 100);
    }
  });

  after(async () => {
    await cluster?.stop();
    await nats?.stop();
  });

  /** A node holding only some shards of `name`, and (for an R1 collection) which node holds which shard. */
  async function partialNode(name: Name): Promise<QuiverNode> {
    for (const n of cluster.nodes) if ((await localShards(n, name)).length < COLLECTIONS[name].shards) return n;
    throw new Error(`every node holds every shard of ${name}`);
  }

  /** Every point of `name` through every node equals what was written; each node holds exactly its shards' points. */
  async function assertComplete(name: string, want: readonly StoredPoint[], shards: number): Promise<void> {
    for (const n of cluster.nodes) {
      // Each holder restores the recovered shards on its own: a read through a node may reach one that has not yet
      // (the count can already be complete through another holder), so the whole content is polled for.
      const expected = JSON.stringify(want);
      await pollUntil(`node ${n.index} reads every point of ${name}`, async () => JSON.stringify(await allPoints(n, name).catch(() => [])) === expected, 60_000, 200);
      assert.deepEqual(await allPoints(n, name), want, `${name} through node ${n.index}`);
      const held = await localShards(n, name);
      for (const s of held) {
        const expected = want.filter((p) => sliceOf(p.id, shards) === s.shard_id).length;
        await pollUntil(`${name} shard ${s.shard_id} on node ${n.index} holds its ${expected} points`, async () => (await localShards(n, name)).find((x) => x.shard_id === s.shard_id)?.points_count === expected, 60_000, 100);
      }
    }
  }

  void it('writes both collections through every node; some node lacks a shard of each', async () => {
    for (const [name, c] of Object.entries(COLLECTIONS) as Array<[Name, (typeof COLLECTIONS)[Name]]>) {
      const created = await cluster.nodes[0]!.call('PUT', `/collections/${name}`, c.config);
      assert.equal(created.status, 200, JSON.stringify(created.body));
      for (let start = 0; start < POINTS; start += 250) {
        const via = cluster.nodes[(start / 250) % 3]!;
        const r = await via.call('PUT', `/collections/${name}/points?wait=true`, { points: pointsOf(name, start, start + 250) });
        assert.equal(r.status, 200, JSON.stringify(r.body));
      }
      const partial = await partialNode(name);
      const points = await allPoints(partial, name);
      // What was written, read back: ids, payloads and vectors exactly.
      assert.equal(points.length, POINTS);
      for (const p of points) {
        const i = typeof p.id === 'number' ? p.id : Number(String(p.id).slice(-12));
        assert.deepEqual(p.payload, payloadOf(i), `payload of ${p.id}`);
        const vector = p.vector as any;
        assert.deepEqual(name === 'placed' ? vector.d : vector, denseOf(i), `vector of ${p.id}`);
        if (name === 'placed') assert.deepEqual([...vector.s.indices].sort((a: number, b: number) => a - b), [i % 7, 10 + (i % 5)]);
      }
      written.set(name, points);
    }
  });

  void it('a collection snapshot taken through a node lacking a shard (REST, and gRPC) recovers the whole collection onto the cluster', async () => {
    for (const name of Object.keys(COLLECTIONS) as Name[]) {
      const node = await partialNode(name);
      let snapshot: string;
      if (name === 'placed') {
        const r = await node.call('POST', `/collections/${name}/snapshots`);
        assert.equal(r.status, 200, JSON.stringify(r.body));
        snapshot = r.body.result.name;
      } else {
        const grpc = new QdrantClient({ host: '127.0.0.1', port: node.server.grpcPort, checkCompatibility: false });
        snapshot = (await grpc.api('snapshots').create({ collectionName: name })).snapshotDescription!.name;
      }
      assert.ok((await node.call('GET', `/collections/${name}/snapshots`)).body.result.some((s: { name: string }) => s.name === snapshot));
      // Recovered as a new collection through another node: placed again, and complete on every node.
      const archive = await download(node, `/collections/${name}/snapshots/${encodeURIComponent(snapshot)}`);
      const through = cluster.nodes[(node.index + 1) % 3]!;
      await upload(through, `/collections/${name}_copy/snapshots/upload?wait=true`, archive, snapshot);
      await assertComplete(`${name}_copy`, written.get(name)!, COLLECTIONS[name].shards);
      assert.ok((await Promise.all(cluster.nodes.map((n) => localShards(n, `${name}_copy`)))).some((held) => held.length < COLLECTIONS[name].shards), `${name}_copy is placed`);
    }
  });

  void it('a full snapshot taken (over gRPC) through a node lacking shards restores every collection onto the cluster', async () => {
    const node = await partialNode('placed');
    const grpc = new QdrantClient({ host: '127.0.0.1', port: node.server.grpcPort, checkCompatibility: false });
    const snapshot = (await grpc.api('snapshots').createFull({})).snapshotDescription!.name;
    const archive = await download(node, `/snapshots/${encodeURIComponent(snapshot)}`);
    // Changes after the snapshot, which the restore undoes.
    const removed = written.get('placed')!.slice(0, 40).map((p) => p.id);
    assert.equal((await cluster.nodes[1]!.call('POST', '/collections/placed/points/delete?wait=true', { points: removed })).status, 200);
    assert.equal((await cluster.nodes[2]!.call('POST', '/collections/mirrored/points/payload?wait=true', { payload: { changed: true }, filter: { must: [{ key: 'group', match: { value: 'beta' } }] } })).status, 200);
    assert.equal((await cluster.nodes[0]!.call('DELETE', '/collections/placed_copy?wait=true')).status, 200);
    await upload(cluster.nodes[(node.index + 2) % 3]!, '/snapshots/upload?force=true&wait=true', archive, snapshot);
    for (const name of Object.keys(COLLECTIONS) as Name[]) {
      await assertComplete(name, written.get(name)!, COLLECTIONS[name].shards);
      await assertComplete(`${name}_copy`, written.get(name)!, COLLECTIONS[name].shards);
    }
  });

  void it('with the only holder of a shard down, a snapshot through a node lacking it is a 503 and leaves nothing', async () => {
    const node = await partialNode('placed');
    const held = new Set((await localShards(node, 'placed')).map((s) => s.shard_id));
    const lacking = [0, 1, 2].find((s) => !held.has(s))!;
    let holder: QuiverNode | undefined;
    for (const n of cluster.nodes) if (n !== node && (await localShards(n, 'placed')).some((s) => s.shard_id === lacking)) holder = n;
    assert.ok(holder !== undefined);
    const listed = async (path: string): Promise<string[]> => ((await node.call('GET', path)).body.result as Array<{ name: string }>).map((s) => s.name).sort();
    const before = { collection: await listed('/collections/placed/snapshots'), full: await listed('/snapshots') };
    const files = filesUnder(join(node.dir, 'snapshots'));
    await holder.server.stop('SIGKILL');
    try {
      for (const path of ['/collections/placed/snapshots', '/snapshots']) {
        const r = await node.call('POST', path);
        assert.equal(r.status, 503, `${path}: ${JSON.stringify(r.body)}`);
        assert.equal(typeof r.body.time, 'number');
        assert.match(r.body.status.error, new RegExp(`shard ${lacking} of collection placed has no active replica`), path);
      }
      assert.deepEqual({ collection: await listed('/collections/placed/snapshots'), full: await listed('/snapshots') }, before);
      assert.deepEqual(filesUnder(join(node.dir, 'snapshots')), files, 'no partial snapshot file is left');
    } finally {
      await cluster.restart(holder.index);
    }
    // The holder back: the snapshot is taken again, whole.
    await pollUntil('a snapshot through the partial node succeeds again', async () => (await node.call('POST', '/collections/placed/snapshots')).status === 200, 60_000, 200);
  });
});
