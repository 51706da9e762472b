/**
 * Distributed mode with shard placement: 3 NATS servers + 3 Quiver nodes, a collection of 3 shards × replication 1
 * and one of 2 shards × replication 2 (Euclid, so results order by ascending distance). Each node holds (consumes
 * and applies) only the shards placed on it; every node answers every point read — its own shards from its
 * segment, the others fanned out to their holders — with the same, complete results as a single node holding the
 * same data (queries with offsets, filters, order_by, ids as examples, root fusion, batches, groups, legacy
 * search/recommend/discover, scroll pages, counts, retrieve, facets, collection info's point count). A paused holder
 * is passed over after the read timeout; with a holder of an R2 shard killed, reads still complete from the other
 * replica; with the only holder of an R1 shard down, reads of that collection fail with a 503 instead of answering
 * from part of it, and a wait=true write to it is not confirmed. (Collection and full snapshots on a node holding
 * only some shards: `cluster-snapshots.test.ts`; gRPC reads and the distance matrix over placed shards:
 * `cluster-grpc-fanout.test.ts`.)
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { startQuiverCluster, type QuiverCluster, type QuiverNode } from '../support/quiver-cluster.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { pollUntil } from '../support/poll.js';
import { sliceOf } from '../../src/index/filter/slice.js';

const missing = natsServerMissing();

const POINTS = 150;
const GROUPS = ['alpha', 'beta', 'gamma', 'delta'];

/** A deterministic spread of 4-d vectors (no two equal, so no ties in any ranking). */
function vectorOf(id: number): number[] {
  return [Math.sin(id * 1.3) + 1.5, Math.cos(id * 0.7) + 1.5, ((id * 37) % 101) / 50, ((id * 11) % 23) / 7];
}

function pointOf(id: number): { id: number; vector: number[]; payload: Record<string, unknown> } {
  return { id, vector: vectorOf(id), payload: { group: GROUPS[id % 4], n: id, even: id % 2 === 0 } };
}

interface Reply {
  status: number;
  body: any;
}

/**
 * Without `time` (differs per call) and `version` (a point's version is the operation number of the node that
 * applied it, as in Qdrant, where it is per shard replica), with scores rounded (float text may differ).
 */
function comparable(r: Reply): unknown {
  const round = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(round);
    if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'time' && k !== 'version').map(([k, x]) => [k, k === 'score' ? Math.round((x as number) * 1e5) / 1e5 : round(x)]));
    return v;
  };
  return { status: r.status, body: round(r.body) };
}

/** The reads every node must answer as the reference does, for collection `name`. */
function reads(name: string): Array<{ what: string; method: string; path: string; body?: unknown }> {
  const P = `/collections/${name}/points`;
  return [
    { what: 'query, offset after the merge', method: 'POST', path: `${P}/query`, body: { query: [1, 2, 0.5, 1], limit: 7, offset: 4, with_payload: true } },
    { what: 'query with a filter', method: 'POST', path: `${P}/query`, body: { query: [2, 1, 1, 0], filter: { must: [{ key: 'group', match: { value: 'beta' } }] }, limit: 5 } },
    { what: 'query by order_by', method: 'POST', path: `${P}/query`, body: { query: { order_by: { key: 'n', direction: 'desc' } }, limit: 6 } },
    { what: 'query without a query (by id)', method: 'POST', path: `${P}/query`, body: { limit: 9, offset: 2 } },
    { what: 'query batch', method: 'POST', path: `${P}/query/batch`, body: { searches: [{ query: [1, 1, 1, 1], limit: 3 }, { query: [0, 2, 1, 3], limit: 4, offset: 1 }] } },
    { what: 'query groups', method: 'POST', path: `${P}/query/groups`, body: { query: [1, 2, 3, 1], group_by: 'group', limit: 4, group_size: 2 } },
    { what: 'query by point id (its vector held by some node)', method: 'POST', path: `${P}/query`, body: { query: 5, limit: 6 } },
    { what: 'recommend by ids, examples excluded', method: 'POST', path: `${P}/query`, body: { query: { recommend: { positive: [1, 8, 22], negative: [40] } }, limit: 5, with_payload: true } },
    { what: 'discover by ids', method: 'POST', path: `${P}/query`, body: { query: { discover: { target: 3, context: [{ positive: 10, negative: 11 }] } }, limit: 4 } },
    { what: 'legacy recommend', method: 'POST', path: `${P}/recommend`, body: { positive: [2, 77], limit: 5, offset: 1 } },
    { what: 'legacy recommend batch', method: 'POST', path: `${P}/recommend/batch`, body: { searches: [{ positive: [9], limit: 3 }, { positive: [130], negative: [7], limit: 2 }] } },
    { what: 'legacy discover', method: 'POST', path: `${P}/discover`, body: { target: 12, context: [{ positive: 13, negative: 14 }], limit: 3 } },
    { what: 'query by a missing point id', method: 'POST', path: `${P}/query`, body: { query: 9999, limit: 3 } },
    { what: 'rrf fusion of prefetches, fused over the whole collection', method: 'POST', path: `${P}/query`, body: { prefetch: [{ query: [1, 0, 0, 0], limit: 12 }, { query: [0, 0, 1, 1], limit: 9, filter: { must: [{ key: 'even', match: { value: false } }] } }, { query: { recommend: { positive: [4] } }, limit: 6 }], query: { fusion: 'rrf' }, limit: 5, offset: 1, with_payload: ['group'] } },
    { what: 'query batch with a fused entry', method: 'POST', path: `${P}/query/batch`, body: { searches: [{ query: [1, 1, 0, 0], limit: 3 }, { prefetch: [{ query: [0, 1, 0, 1], limit: 10 }, { query: [1, 0, 1, 0], limit: 10 }], query: { fusion: 'rrf' }, limit: 4 }] } },
    { what: 'dbsf fusion with a root filter', method: 'POST', path: `${P}/query`, body: { prefetch: [{ query: [2, 1, 0, 0], limit: 15 }, { query: [0, 1, 2, 0], limit: 15 }], query: { fusion: 'dbsf' }, filter: { must: [{ key: 'group', match: { except: ['delta'] } }] }, limit: 6 } },
    { what: 'legacy search', method: 'POST', path: `${P}/search`, body: { vector: [3, 1, 0.2, 2], limit: 6, offset: 1, with_payload: ['n'] } },
    { what: 'legacy search batch', method: 'POST', path: `${P}/search/batch`, body: { searches: [{ vector: [1, 0, 1, 0], limit: 2 }, { vector: [0, 1, 0, 1], limit: 3 }] } },
    { what: 'scroll page', method: 'POST', path: `${P}/scroll`, body: { limit: 20, offset: 33, with_payload: true } },
    { what: 'scroll with a filter', method: 'POST', path: `${P}/scroll`, body: { limit: 10, filter: { must: [{ key: 'even', match: { value: true } }] } } },
    { what: 'scroll ordered by a payload value', method: 'POST', path: `${P}/scroll`, body: { limit: 8, order_by: { key: 'n', direction: 'desc' } } },
    { what: 'count', method: 'POST', path: `${P}/count`, body: { exact: true } },
    { what: 'count with a filter', method: 'POST', path: `${P}/count`, body: { exact: true, filter: { must: [{ key: 'group', match: { any: ['alpha', 'gamma'] } }] } } },
    { what: 'retrieve', method: 'POST', path: `${P}`, body: { ids: [1, 2, 3, 50, 99, 149, 777], with_vector: true } },
    { what: 'get one point', method: 'GET', path: `${P}/17` },
    { what: 'get a missing point', method: 'GET', path: `${P}/9999` },
    { what: 'facet', method: 'POST', path: `/collections/${name}/facet`, body: { key: 'group', exact: true } },
    { what: 'facet with a filter and a limit', method: 'POST', path: `/collections/${name}/facet`, body: { key: 'group', limit: 2, exact: true, filter: { must: [{ key: 'even', match: { value: true } }] } } },
  ];
}

/** Retrieve answers in no particular order across shards: sorted by id for the comparison. */
function normalized(what: string, r: Reply): unknown {
  if (what === 'retrieve' && Array.isArray(r.body?.result)) r.body.result.sort((a: { id: number }, b: { id: number }) => a.id - b.id);
  return comparable(r);
}

async function localShards(node: QuiverNode, name: string): Promise<Array<{ shard_id: number; points_count: number }>> {
  const info = await node.call('GET', `/collections/${name}/cluster`);
  assert.equal(info.status, 200, JSON.stringify(info.body));
  return info.body.result.local_shards;
}

void describe('distributed mode: shard placement and fanned-out reads', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  let cluster: QuiverCluster;
  let reference: TestApp;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3);
    cluster = await startQuiverCluster(nats, 3);
    reference = await startTestApp();
    // Placement is chosen among the live nodes: every node must see the others' heartbeats first.
    for (const n of cluster.nodes) {
      await pollUntil(`node ${n.index} sees 3 live nodes`, async () => Object.keys((await n.call('GET', '/cluster')).body?.result?.peers ?? {}).length === 3, 60_000, 100);
    }
  });

  after(async () => {
    await cluster?.stop();
    await nats?.stop();
    await reference?.destroy();
  });

  const collections = [
    { name: 'placed', config: { vectors: { size: 4, distance: 'Cosine' }, shard_number: 3, replication_factor: 1 }, shards: 3, factor: 1 },
    { name: 'mirrored', config: { vectors: { size: 4, distance: 'Euclid' }, shard_number: 2, replication_factor: 2 }, shards: 2, factor: 2 },
  ];

  void it('places each shard on replication_factor nodes, balanced; a node applies only the shards it holds', async () => {
    const [a, b, c] = cluster.nodes as [QuiverNode, QuiverNode, QuiverNode];
    for (const col of collections) {
      const created = await a.call('PUT', `/collections/${col.name}`, col.config);
      assert.equal(created.status, 200, JSON.stringify(created.body));
      assert.equal((await reference.request('PUT', `/collections/${col.name}`, col.config)).status, 200);
      for (const target of [b, reference]) {
        const indexed = target === reference ? await reference.request('PUT', `/collections/${col.name}/index?wait=true`, { field_name: 'group', field_schema: 'keyword' }) : await b.call('PUT', `/collections/${col.name}/index?wait=true`, { field_name: 'group', field_schema: 'keyword' });
        assert.equal(indexed.status, 200, JSON.stringify(indexed.body));
      }
      const nIndexed = await c.call('PUT', `/collections/${col.name}/index?wait=true`, { field_name: 'n', field_schema: 'integer' });
      assert.equal(nIndexed.status, 200, JSON.stringify(nIndexed.body));
      assert.equal((await reference.request('PUT', `/collections/${col.name}/index?wait=true`, { field_name: 'n', field_schema: 'integer' })).status, 200);
    }
    // Writes through every node, wait=true: `completed` once a holder of each shard applied it (this node or another).
    const ids = Array.from({ length: POINTS }, (_, i) => i);
    for (let start = 0; start < POINTS; start += 25) {
      const points = ids.slice(start, start + 25).map(pointOf);
      const via = cluster.nodes[(start / 25) % 3]!;
      for (const col of collections) {
        const r = await via.call('PUT', `/collections/${col.name}/points?wait=true`, { points });
        assert.equal(r.status, 200, JSON.stringify(r.body));
        assert.equal(r.body.result.status, 'completed');
        assert.equal((await reference.request('PUT', `/collections/${col.name}/points?wait=true`, { points })).status, 200);
        // Read-your-writes on the node that took the write, whichever nodes hold the points.
        const got = await via.call('POST', `/collections/${col.name}/points`, { ids: points.map((p) => p.id) });
        assert.equal(got.body.result?.length, points.length, `${col.name} via node ${via.index}: ${JSON.stringify(got.body).slice(0, 300)}`);
      }
    }
    for (const col of collections) {
      const holders = new Map<number, number[]>();
      for (const n of cluster.nodes) {
        const held = await localShards(n, col.name);
        // Each node holds the same number of shard replicas of a collection, ± 1.
        assert.ok(held.length === Math.floor((col.shards * col.factor) / 3) || held.length === Math.ceil((col.shards * col.factor) / 3), `${col.name}: node ${n.index} holds ${held.length}`);
        for (const s of held) {
          holders.set(s.shard_id, [...(holders.get(s.shard_id) ?? []), n.index]);
          // A held shard has exactly its points: the ids the slice hash sends there.
          await pollUntil(`${col.name} shard ${s.shard_id} on node ${n.index} applied`, async () => (await localShards(n, col.name)).find((x) => x.shard_id === s.shard_id)?.points_count === ids.filter((id) => sliceOf(id, col.shards) === s.shard_id).length, 60_000, 100);
        }
        // …and nothing else: the node's segment holds only its shards.
        const local = (await localShards(n, col.name)).reduce((sum, s) => sum + s.points_count, 0);
        assert.equal(local, ids.filter((id) => held.some((s) => sliceOf(id, col.shards) === s.shard_id)).length);
        if (held.length < col.shards) assert.ok(local < POINTS, `${col.name}: node ${n.index} holds only part of the collection`);
        // Remote shards: the other holders, by peer id, each Active.
        const info = (await n.call('GET', `/collections/${col.name}/cluster`)).body.result;
        assert.equal(info.shard_count, col.shards);
        assert.equal(info.local_shards.length + info.remote_shards.length, col.shards * col.factor);
        for (const r of info.remote_shards) assert.equal(r.state, 'Active');
      }
      for (let shard = 0; shard < col.shards; shard++) assert.equal(holders.get(shard)?.length, col.factor, `${col.name} shard ${shard} holders`);
      // GET /cluster names the holders of every shard with their applied sequence.
      const status = (await a.call('GET', '/cluster')).body.result.quiver.collections[col.name];
      assert.equal(status.placement, 'placed');
      assert.equal(status.shard_holders.length, col.shards);
      for (const s of status.shard_holders) assert.equal(s.holders.length, col.factor);
    }
  });

  void it('answers every point read from every node as a single node with the same data does', async () => {
    for (const col of collections) {
      for (const read of reads(col.name)) {
        const want = await reference.request(read.method, read.path, read.body);
        assert.ok(want.status === 200 || read.what.includes('missing'), `reference ${read.what}: ${want.text}`);
        for (const n of cluster.nodes) {
          const got = await n.call(read.method, read.path, read.body);
          assert.deepEqual(normalized(read.what, got), normalized(read.what, want), `${col.name}, ${read.what}, node ${n.index}`);
        }
      }
      // A full scroll, page by page, from every node: every point once, in id order.
      for (const n of cluster.nodes) {
        const seen: number[] = [];
        let offset: unknown = null;
        do {
          const page = await n.call('POST', `/collections/${col.name}/points/scroll`, { limit: 17, ...(offset === null ? {} : { offset }) });
          assert.equal(page.status, 200, JSON.stringify(page.body));
          seen.push(...page.body.result.points.map((p: { id: number }) => p.id));
          offset = page.body.result.next_page_offset;
        } while (offset !== null);
        assert.deepEqual(seen, Array.from({ length: POINTS }, (_, i) => i), `${col.name}: full scroll from node ${n.index}`);
        // Collection info counts the points of every shard, as Qdrant's does.
        assert.equal((await n.call('GET', `/collections/${col.name}`)).body.result.points_count, POINTS, `${col.name}: points_count on node ${n.index}`);
      }
      // A wait=true write refused where it is applied (a missing point) is refused through every node, as on one node:
      // by the receiving node's check when it holds the point's shard, by the holder's answer otherwise.
      const missingPoint = { payload: { x: 1 }, points: [9999] };
      const refused = await reference.request('POST', `/collections/${col.name}/points/payload?wait=true`, missingPoint);
      assert.equal(refused.status, 404, refused.text);
      for (const n of cluster.nodes) {
        const r = await n.call('POST', `/collections/${col.name}/points/payload?wait=true`, missingPoint);
        assert.deepEqual(comparable(r), comparable(refused), `${col.name}: refused write through node ${n.index}`);
      }
      // Read-your-writes across nodes: a wait=false write through one node, read with consistency=all through another.
      const fresh = { payload: { fresh: true }, points: Array.from({ length: 30 }, (_, i) => i * 5) };
      assert.equal((await cluster.nodes[2]!.call('POST', `/collections/${col.name}/points/payload?wait=false`, fresh)).status, 200);
      assert.equal((await reference.request('POST', `/collections/${col.name}/points/payload?wait=true`, fresh)).status, 200);
      const counted = await cluster.nodes[0]!.call('POST', `/collections/${col.name}/points/count?consistency=all`, { exact: true, filter: { must: [{ key: 'fresh', match: { value: true } }] } });
      assert.equal(counted.body.result?.count, 30, JSON.stringify(counted.body));
    }
  });

  void it('refuses shard snapshots on a node holding only some shards, instead of taking them from part of the collection', async () => {
    // A shard snapshot is taken from one node's replica: refused where it holds only some shards (a collection
    // snapshot there reads the others from their holders: tests/e2e/cluster-snapshots.test.ts), taken where it holds all.
    const partial = await cluster.nodes[0]!.call('POST', '/collections/placed/shards/0/snapshots');
    assert.equal(partial.status, 503, JSON.stringify(partial.body));
    assert.match(partial.body.status.error, /holds only some shards of collection placed: a shard snapshot/);
    let whole: QuiverNode | undefined;
    for (const n of cluster.nodes) if ((await localShards(n, 'mirrored')).length === 2) whole = n;
    assert.ok(whole !== undefined, 'one node holds both shards of mirrored (2 shards × 2 replicas on 3 nodes)');
    const taken = await whole.call('POST', '/collections/mirrored/snapshots');
    assert.equal(taken.status, 200, JSON.stringify(taken.body));
    // Recovered through a node holding one shard of it, as a new collection: placed again, and complete everywhere.
    const name = taken.body.result.name as string;
    const archive = await (await fetch(`${whole.server.url}/collections/mirrored/snapshots/${encodeURIComponent(name)}`)).arrayBuffer();
    const through = cluster.nodes.find((n) => n !== whole)!;
    const form = new FormData();
    form.append('snapshot', new Blob([archive]), name);
    const uploaded = await fetch(`${through.server.url}/collections/mirrored_copy/snapshots/upload?wait=true`, { method: 'POST', body: form });
    assert.equal(uploaded.status, 200, await uploaded.text());
    for (const n of cluster.nodes) {
      await pollUntil(`node ${n.index} reads the whole recovered collection`, async () => (await n.call('POST', '/collections/mirrored_copy/points/count', { exact: true })).body?.result?.count === POINTS, 60_000, 100);
      const held = await localShards(n, 'mirrored_copy');
      assert.ok(held.length >= 1 && held.length <= 2, `node ${n.index} holds ${held.length} shards of the recovered collection`);
      for (const read of reads('mirrored').filter((r) => !r.what.startsWith('facet'))) {
        const want = await reference.request(read.method, read.path, read.body);
        const got = await n.call(read.method, read.path.replace('/collections/mirrored/', '/collections/mirrored_copy/'), read.body);
        assert.deepEqual(normalized(read.what, got), normalized(read.what, want), `mirrored_copy, ${read.what}, node ${n.index}`);
      }
    }
  });

  void it('a holder that does not answer (SIGSTOP) is passed over for another replica after the read timeout', async () => {
    // The node holding both shards of `mirrored` pauses; each other node lacks one shard, also held by the third.
    let whole: QuiverNode | undefined;
    for (const n of cluster.nodes) if ((await localShards(n, 'mirrored')).length === 2) whole = n;
    const others = cluster.nodes.filter((n) => n !== whole);
    const want = await reference.request('POST', '/collections/mirrored/points/query', { query: [1, 2, 0.5, 1], limit: 7, with_payload: true });
    whole!.server.proc.kill('SIGSTOP');
    try {
      // Holders are taken in turn from one read to the next: of two reads, one asks the paused node first.
      for (const n of others) {
        for (let i = 0; i < 2; i++) {
          const got = await n.call('POST', '/collections/mirrored/points/query', { query: [1, 2, 0.5, 1], limit: 7, with_payload: true });
          assert.deepEqual(comparable(got), comparable(want), `node ${n.index}, read ${i} with node ${whole!.index} paused`);
        }
      }
    } finally {
      whole!.server.proc.kill('SIGCONT');
    }
  });

  void it('reads complete from the other replica when a holder of an R2 shard is killed; an R1 shard without its holder is a 503', async () => {
    // Kill a node holding a shard of `mirrored` (every node holds one) and one shard of `placed`.
    const victim = cluster.nodes[1]!;
    const lostShard = (await localShards(victim, 'placed'))[0]!.shard_id;
    await victim.server.stop('SIGKILL');
    const survivors = cluster.nodes.filter((n) => n !== victim);
    for (const n of survivors) {
      for (const read of reads('mirrored')) {
        const want = await reference.request(read.method, read.path, read.body);
        const got = await n.call(read.method, read.path, read.body);
        assert.deepEqual(normalized(read.what, got), normalized(read.what, want), `mirrored, ${read.what}, node ${n.index} with node 1 down`);
      }
      const count = await n.call('POST', '/collections/placed/points/count', { exact: true });
      assert.equal(count.status, 503, JSON.stringify(count.body));
      assert.match(count.body.status.error, new RegExp(`shard ${lostShard} of collection placed`));
      const query = await n.call('POST', '/collections/placed/points/query', { query: [1, 1, 1, 1], limit: 3 });
      assert.equal(query.status, 503, JSON.stringify(query.body));
    }
    // A wait=true write of the lost shard is stored in its stream but no holder confirms it: 503, not `completed`.
    const orphan = Array.from({ length: 100 }, (_, i) => POINTS + i).find((id) => sliceOf(id, 3) === lostShard)!;
    const write = await survivors[0]!.call('PUT', '/collections/placed/points?wait=true', { points: [pointOf(orphan)] });
    assert.equal(write.status, 503, JSON.stringify(write.body));
    assert.match(write.body.status.error, /no holder of the shard confirmed/);
    // Back: the node resumes its shard (and applies the write it missed); reads are complete again.
    await cluster.restart(1);
    await pollUntil('reads of placed complete again', async () => (await survivors[0]!.call('POST', '/collections/placed/points/count', { exact: true })).body?.result?.count === POINTS + 1, 120_000, 200);
    const back = await survivors[1]!.call('GET', `/collections/placed/points/${orphan}`);
    assert.equal(back.status, 200, JSON.stringify(back.body));
  });
});
