/**
 * Distributed mode end to end: 3 NATS servers (JetStream, routed) + 3 Quiver nodes on loopback. A collection
 * with 2 shards × replication 3 is written through every node at once and read from every node; the replicas
 * converge to the same points, payloads and vectors per shard. Metadata changes go through compare-and-set.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { allPoints, shardDigests, startQuiverCluster, waitConverged, type QuiverCluster } from '../support/quiver-cluster.js';
import { pollUntil } from '../support/poll.js';

const missing = natsServerMissing();

void describe('distributed mode: 3 NATS servers + 3 Quiver nodes', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let cluster: QuiverCluster;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3);
    cluster = await startQuiverCluster(nats, 3);
  });

  after(async () => {
    await cluster?.stop();
    await nats?.stop();
  });

  void it('replicates a 2-shard × R3 collection written through every node concurrently; every node reads the same data', async () => {
    const [a, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const created = await a.call('PUT', '/collections/books', { vectors: { size: 4, distance: 'Dot' }, shard_number: 2, replication_factor: 3 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Creation returns once every live node applied it: every node can write at once.
    for (const n of cluster.nodes) assert.equal((await n.call('GET', '/collections/books')).status, 200);

    const perNode = 40;
    const expected = new Map<number, { payload: unknown; vector: number[] }>();
    await Promise.all(
      cluster.nodes.map(async (n) => {
        for (let batch = 0; batch < perNode / 10; batch++) {
          const points = Array.from({ length: 10 }, (_, k) => {
            const id = n.index * 1000 + batch * 10 + k;
            const vector = [id, 1, 0, n.index];
            const payload = { node: n.index, id, tags: [`t${id % 3}`] };
            expected.set(id, { payload, vector });
            return { id, vector, payload };
          });
          // wait=false: acknowledged once JetStream stored it; wait=true: also applied on the receiving node.
          const r = await n.call('PUT', `/collections/books/points?wait=${batch % 2 === 0}`, { points });
          assert.equal(r.status, 200, JSON.stringify(r.body));
          assert.equal(r.body.result.status, batch % 2 === 0 ? 'completed' : 'acknowledged');
        }
      }),
    );
    // Filter operations go to every shard; each shard applies them to its own points.
    const del = await b.call('POST', '/collections/books/points/delete?wait=true', { filter: { must: [{ key: 'tags', match: { value: 't0' } }] } });
    assert.equal(del.status, 200, JSON.stringify(del.body));
    for (const id of [...expected.keys()]) if (id % 3 === 0) expected.delete(id);
    const setPayload = await c.call('POST', '/collections/books/points/payload?wait=true', { payload: { seen: true }, points: [1, 2, 1001, 2002] });
    assert.equal(setPayload.status, 200, JSON.stringify(setPayload.body));
    for (const id of [1, 2, 1001, 2002]) expected.set(id, { ...expected.get(id)!, payload: { ...(expected.get(id)!.payload as object), seen: true } });

    // A read with consistency=all waits until the node applied everything stored: read-your-writes on any node.
    for (const n of cluster.nodes) {
      const count = await n.call('POST', '/collections/books/points/count?consistency=all', { exact: true });
      assert.equal(count.body.result.count, expected.size, `node ${n.index}`);
    }
    await waitConverged(cluster.nodes, 'books');
    const model = [...expected].map(([id, p]) => ({ id, payload: p.payload, vector: p.vector })).sort((x, y) => (String(x.id) < String(y.id) ? -1 : 1));
    const want = shardDigests(model, 2);
    for (const n of cluster.nodes) {
      const points = await allPoints(n, 'books');
      assert.equal(points.length, expected.size, `node ${n.index} point count`);
      assert.deepEqual(shardDigests(points, 2), want, `node ${n.index} shard digests`);
    }
    // Searches are answered by each node from its own replica, identically.
    const answers = await Promise.all(cluster.nodes.map((n) => n.call('POST', '/collections/books/points/search', { vector: [1, 0, 0, 0], limit: 5 })));
    for (const r of answers) assert.deepEqual(r.body.result.map((h: { id: number }) => h.id), answers[0]!.body.result.map((h: { id: number }) => h.id));
  });

  void it('reports peers, shard replicas and lag in GET /cluster and the collection cluster info', async () => {
    const status = await cluster.nodes[1]!.call('GET', '/cluster');
    assert.equal(status.body.result.status, 'enabled');
    assert.equal(Object.keys(status.body.result.peers).length, 3);
    const shards = status.body.result.quiver.collections.books.shards;
    assert.equal(shards.length, 2);
    for (const s of shards) {
      assert.equal(s.stream_replicas, 3);
      assert.equal(s.stream_peers.length, 2, 'a leader and two followers');
      assert.ok(s.stream_leader.startsWith('n'));
    }
    const info = await cluster.nodes[2]!.call('GET', '/collections/books/cluster');
    assert.equal(info.body.result.shard_count, 2);
    assert.equal(info.body.result.local_shards.length, 2);
    assert.equal(info.body.result.remote_shards.length, 4, 'two other peers hold both shards');
    const counted = info.body.result.local_shards.reduce((n: number, s: { points_count: number }) => n + s.points_count, 0);
    assert.equal(counted, (await cluster.nodes[2]!.call('POST', '/collections/books/points/count', { exact: true })).body.result.count);
  });

  void it('lets exactly one of two nodes create the same collection at once, and every node converges on the winner', async () => {
    const [a, b] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const results = await Promise.all([
      a.call('PUT', '/collections/race', { vectors: { size: 2, distance: 'Cosine' } }),
      b.call('PUT', '/collections/race', { vectors: { size: 3, distance: 'Cosine' } }),
    ]);
    const ok = results.filter((r) => r.status === 200);
    assert.equal(ok.length, 1, JSON.stringify(results.map((r) => r.body)));
    const loser = results.find((r) => r.status !== 200)!;
    assert.match(loser.body.status.error, /already exists/);
    const size = results[0].status === 200 ? 2 : 3;
    for (const n of cluster.nodes) {
      await pollUntil(`node ${n.index} has the winner's config`, async () => (await n.call('GET', '/collections/race')).body?.result?.config?.params?.vectors?.size === size);
    }
  });

  void it('converges aliases, payload indexes and deletions on every node', async () => {
    const [a, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
    assert.equal((await b.call('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'books', alias_name: 'library' } }] })).status, 200);
    assert.equal((await c.call('PUT', '/collections/books/index?wait=true', { field_name: 'node', field_schema: 'integer' })).status, 200);
    for (const n of cluster.nodes) {
      await pollUntil(`node ${n.index} sees the alias`, async () => (await n.call('GET', '/collections/library')).status === 200);
      await pollUntil(`node ${n.index} has the payload index`, async () => (await n.call('GET', '/collections/books')).body?.result?.payload_schema?.node !== undefined);
    }
    assert.equal((await a.call('DELETE', '/collections/race')).status, 200);
    for (const n of cluster.nodes) {
      assert.equal((await n.call('GET', '/collections/race')).status, 404, `node ${n.index}: deletion waits for every live node`);
    }
  });

  void it('replicates custom shard keys: keys created through one node, writes routed by shard_key_selector through any node, key deletion', async () => {
    const [a, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
    const created = await a.call('PUT', '/collections/regions', { vectors: { size: 2, distance: 'Euclid' }, sharding_method: 'custom', shard_number: 2, replication_factor: 3 });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Creating a key returns once every live node applied it: any node accepts writes to it at once.
    assert.equal((await b.call('PUT', '/collections/regions/shards', { shard_key: 'eu' })).status, 200);
    assert.equal((await c.call('PUT', '/collections/regions/shards', { shard_key: 7 })).status, 200);
    const again = await a.call('PUT', '/collections/regions/shards', { shard_key: 'eu' });
    assert.equal(again.status, 400, JSON.stringify(again.body));
    for (const n of cluster.nodes) {
      const keys = (await n.call('GET', '/collections/regions/shards')).body.result.shard_keys.map((k: { key: unknown }) => k.key);
      assert.deepEqual(keys, ['eu', 7], `node ${n.index} shard keys`);
    }
    const keyOf = (id: number): string | number => (id % 2 === 0 ? 'eu' : 7);
    await Promise.all(
      cluster.nodes.map(async (n) => {
        for (let batch = 0; batch < 4; batch++) {
          for (const key of ['eu', 7]) {
            const points = Array.from({ length: 5 }, (_, k) => n.index * 1000 + batch * 10 + k * 2 + (key === 'eu' ? 0 : 1)).map((id) => ({ id, vector: [id, 1], payload: { id } }));
            const r = await n.call('PUT', `/collections/regions/points?wait=${batch % 2 === 0}`, { points, shard_key: key });
            assert.equal(r.status, 200, JSON.stringify(r.body));
          }
        }
      }),
    );
    // An upsert without a key, or to an unknown key, is refused by every node.
    for (const n of cluster.nodes) {
      assert.equal((await n.call('PUT', '/collections/regions/points', { points: [{ id: 1, vector: [1, 1] }] })).status, 400, `node ${n.index}: no shard key`);
      assert.equal((await n.call('PUT', '/collections/regions/points', { points: [{ id: 1, vector: [1, 1] }], shard_key: 'us' })).status, 404, `node ${n.index}: unknown shard key`);
    }
    const idsOf = async (n: typeof a, key: string | number): Promise<number[]> => {
      const r = await n.call('POST', '/collections/regions/points/scroll?consistency=all', { limit: 1000, shard_key: key });
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return (r.body.result.points as Array<{ id: number }>).map((p) => p.id).sort((x, y) => x - y);
    };
    const all = cluster.nodes.flatMap((n) => Array.from({ length: 40 }, (_, i) => n.index * 1000 + i)).sort((x, y) => x - y);
    for (const n of cluster.nodes) {
      for (const key of ['eu', 7]) assert.deepEqual(await idsOf(n, key), all.filter((id) => keyOf(id) === key), `node ${n.index} key ${key}`);
    }
    await waitConverged(cluster.nodes, 'regions');
    const digests = await Promise.all(cluster.nodes.map(async (n) => shardDigests(await allPoints(n, 'regions'), 2)));
    for (const d of digests) assert.deepEqual(d, digests[0]);
    // Deleting a key through one node removes its points on every node; writes to it are refused afterwards.
    assert.equal((await c.call('POST', '/collections/regions/shards/delete', { shard_key: 7 })).status, 200);
    for (const n of cluster.nodes) {
      const count = await n.call('POST', '/collections/regions/points/count?consistency=all', { exact: true });
      assert.equal(count.body.result.count, all.filter((id) => keyOf(id) === 'eu').length, `node ${n.index} count after the key deletion`);
      assert.equal((await n.call('PUT', '/collections/regions/points', { points: [{ id: 1, vector: [1, 1] }], shard_key: 7 })).status, 404, `node ${n.index}: deleted key`);
      assert.deepEqual(await idsOf(n, 'eu'), all.filter((id) => keyOf(id) === 'eu'));
    }
  });

  void it('refuses what distributed mode does not do, with a Qdrant-format error', async () => {
    const missingPoint = await cluster.nodes[0]!.call('POST', '/collections/books/points/payload?wait=true', { payload: { x: 1 }, points: [987654] });
    assert.equal(missingPoint.status, 404);
    // A shard's part larger than NATS max_payload (1 MiB by default) is refused before anything is published.
    const before = (await cluster.nodes[0]!.call('POST', '/collections/books/points/count?consistency=all', { exact: true })).body.result.count;
    const big = 'x'.repeat(1_200_000);
    const tooLarge = await cluster.nodes[0]!.call('PUT', '/collections/books/points?wait=true', { points: [{ id: 5555, vector: [1, 1, 1, 1], payload: { big } }, { id: 5556, vector: [1, 1, 1, 1] }] });
    assert.equal(tooLarge.status, 413, JSON.stringify(tooLarge.body).slice(0, 300));
    assert.match(tooLarge.body.status.error, /max_payload/);
    assert.equal((await cluster.nodes[1]!.call('POST', '/collections/books/points/count?consistency=all', { exact: true })).body.result.count, before);
  });

  void it('takes a collection snapshot from one node\'s replica and recovers it onto every node through another', async () => {
    const [a, b, c] = cluster.nodes as [typeof cluster.nodes[0], typeof cluster.nodes[0], typeof cluster.nodes[0]];
    await a.call('POST', '/collections/books/points/count?consistency=all', { exact: true });
    await waitConverged(cluster.nodes, 'books');
    const snapshotted = await allPoints(b, 'books');
    const created = await b.call('POST', '/collections/books/snapshots?wait=true');
    assert.equal(created.status, 200, JSON.stringify(created.body));
    const name = created.body.result.name as string;
    const file = await fetch(`${b.server.url}/collections/books/snapshots/${encodeURIComponent(name)}`);
    assert.equal(file.status, 200);
    const archive = await file.arrayBuffer();
    // Changes after the snapshot, which the recovery must undo on every node.
    assert.equal((await a.call('POST', '/collections/books/points/delete?wait=true', { points: snapshotted.slice(0, 5).map((p) => p.id) })).status, 200);
    assert.equal((await c.call('PUT', '/collections/books/points?wait=true', { points: [{ id: 777_777, vector: [1, 1, 1, 1] }] })).status, 200);
    const upload = async (node: typeof a, collection: string): Promise<void> => {
      const form = new FormData();
      form.append('snapshot', new Blob([archive]), name);
      const r = await fetch(`${node.server.url}/collections/${collection}/snapshots/upload?wait=true`, { method: 'POST', body: form });
      assert.equal(r.status, 200, await r.text());
    };
    await upload(c, 'books');
    await upload(a, 'books_copy');
    for (const collection of ['books', 'books_copy']) {
      await waitConverged(cluster.nodes, collection);
      for (const n of cluster.nodes) {
        const points = await allPoints(n, collection);
        assert.equal(points.length, snapshotted.length, `node ${n.index} ${collection} point count`);
        assert.deepEqual(shardDigests(points, 2), shardDigests(snapshotted, 2), `node ${n.index} ${collection} shard digests`);
      }
    }
    // The recovered collection is written and replicated as any other.
    assert.equal((await b.call('PUT', '/collections/books/points?wait=true', { points: [{ id: 888_888, vector: [1, 0, 1, 0] }] })).status, 200);
    for (const n of cluster.nodes) assert.equal((await n.call('GET', '/collections/books/points/888888?consistency=all')).status, 200, `node ${n.index}`);
  });
});
