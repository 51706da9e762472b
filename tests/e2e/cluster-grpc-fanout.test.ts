/**
 * Distributed mode: gRPC point reads and the distance matrix on nodes holding only some shards. A 3-server NATS
 * JetStream cluster, 3 Quiver nodes (JWT RBAC on), a collection of 3 shards × replication 1: each node holds one
 * shard, so every read below needs the other two nodes' shards. Through every node, each read is asked over gRPC
 * (the official @qdrant/js-client-grpc) and over REST; both answer the same, and the same as an exact oracle the
 * test computes from the points it wrote (cosine scores, orderings, groups, counts, facets, matrices). The matrix
 * over a filter selecting fewer points than the sample is exact; over the whole collection its structure is checked
 * (sample size, each pair's score is the true distance, each row holds its nearest among the sample). A tenant
 * token's gRPC reads through either node see exactly its tenant's points of every shard.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantClient as GrpcClient } from '@qdrant/js-client-grpc';
import { connect } from 'nats';
import { assertCanRun, skipUnlessRequired } from '../support/skips.js';
import { jwtClusterNodeEnv, natsServerMissing, startNatsCluster, type NatsCluster } from '../support/nats-cluster.js';
import { startTestApp, type TestApp } from '../support/app.js';
import { jwt } from '../support/access-oracle.js';
import { pollUntil } from '../support/poll.js';
import { fromPayload, fromPid, pid, withPayload } from '../support/grpc-values.js';
import { sliceOf } from '../../src/index/filter/slice.js';

const missing = natsServerMissing();
const KEY = 'cluster-grpc-fanout-key-0123456789abcdef';
const ADMIN = { 'api-key': KEY };
const GROUPS = ['alpha', 'beta', 'gamma', 'delta'];
const IDS = Array.from({ length: 60 }, (_, i) => i + 1);
const tenantOf = (id: number): string => (id % 3 === 0 ? 'globex' : 'acme');
const ACME_IDS = IDS.filter((id) => tenantOf(id) === 'acme');
const SHARDS = 3;

/** A deterministic spread of 4-d vectors (no two parallel, so no ties in any cosine ranking). */
function vectorOf(id: number): number[] {
  return [Math.sin(id * 1.3) + 1.5, Math.cos(id * 0.7) + 1.5, ((id * 37) % 101) / 50 + 0.1, ((id * 11) % 23) / 7 + 0.1];
}
const payloadOf = (id: number): Record<string, unknown> => ({ group: GROUPS[id % 4]!, n: id, tenant: tenantOf(id), bucket: id % 5 });
/** The points of collection `labels`, placed too: the lookup of a group by `bucket` (its id 0..4). */
const LABELS = [0, 1, 2, 3, 4];
/** The points of collection `anchors`, placed too: examples for `lookup_from`. */
const ANCHORS = [100, 101, 102, 103, 104, 105];
const anchorVector = (id: number): number[] => [(id % 7) + 0.5, 1, 2 - (id % 3), 0.3];

// ------------------------------------------------------------------ the oracle

const norm = (v: readonly number[]): number => Math.hypot(...v);
const cosine = (a: readonly number[], b: readonly number[]): number => a.reduce((s, x, i) => s + x * b[i]!, 0) / (norm(a) * norm(b));

interface Hit {
  id: number;
  score: number;
  payload?: Record<string, unknown>;
}

/** The points among `ids` ranked by cosine to `q`, best first. */
function ranked(q: readonly number[], ids: readonly number[] = IDS): Hit[] {
  return ids.map((id) => ({ id, score: cosine(q, vectorOf(id)) })).sort((a, b) => b.score - a.score);
}
const withPayloads = (hits: Hit[]): Hit[] => hits.map((h) => ({ ...h, payload: payloadOf(h.id) }));
const inGroup = (g: string): number[] => IDS.filter((id) => payloadOf(id)['group'] === g);
const mean = (vs: number[][]): number[] => vs[0]!.map((_, i) => vs.reduce((s, v) => s + v[i]!, 0) / vs.length);
const unit = (v: number[]): number[] => v.map((x) => x / norm(v));

/** Groups by `field`: ordered by their best hit, each with its best `size` hits. */
function groupsOf(q: number[], limit: number, size: number, field = 'group'): Array<{ id: string | number; hits: number[] }> {
  const out = new Map<string | number, number[]>();
  for (const h of ranked(q)) {
    const g = payloadOf(h.id)[field] as string | number;
    out.set(g, [...(out.get(g) ?? []), h.id]);
  }
  return [...out].slice(0, limit).map(([id, hits]) => ({ id, hits: hits.slice(0, size) }));
}

/** The distance matrix of `sample`: per point (ids ascending), its `limit` nearest others, best first. */
function matrixOf(sample: number[], limit: number): Array<{ a: number; b: number; score: number }> {
  const ids = [...sample].sort((x, y) => x - y);
  return ids.flatMap((a) => ranked(vectorOf(a), ids.filter((b) => b !== a)).slice(0, limit).map((h) => ({ a, b: h.id, score: h.score })));
}

// ------------------------------------------------------------------ comparing answers

const f32 = (x: number): number => Math.fround(x);

/** Same ids in the same order, scores within float32 precision of the oracle, payloads equal when asked for. */
function assertHits(got: Hit[], want: Hit[], what: string): void {
  assert.deepEqual(got.map((h) => h.id), want.map((h) => h.id), `${what}: ids`);
  got.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) < 1e-5, `${what}: score of ${h.id}: ${h.score} vs ${want[i]!.score}`));
  if (want[0]?.payload !== undefined) assert.deepEqual(got.map((h) => h.payload), want.map((h) => h.payload), `${what}: payloads`);
}

const restHit = (p: any): Hit => ({ id: p.id, score: f32(p.score), ...(p.payload === null || p.payload === undefined ? {} : { payload: p.payload }) });
const grpcHit = (p: any): Hit => {
  const payload = fromPayload(p.payload);
  return { id: fromPid(p.id) as number, score: f32(p.score), ...(Object.keys(payload).length === 0 ? {} : { payload }) };
};
const groupFilterRest = (g: string | string[]): unknown => ({ must: [{ key: 'group', match: Array.isArray(g) ? { any: g } : { value: g } }] });
const groupFilterGrpc = (g: string | string[]): any => ({
  must: [{ conditionOneOf: { case: 'field', value: { key: 'group', match: { matchValue: Array.isArray(g) ? { case: 'keywords', value: { strings: g } } : { case: 'keyword', value: g } } } } }],
});
const nearest = (v: number[]): any => ({ variant: { case: 'nearest', value: { variant: { case: 'dense', value: { data: v } } } } });
const example = (id: number): any => ({ example: { case: 'id', value: pid(id) } });

const Q1 = [1, 2, 0.5, 1];
const Q2 = [0.2, 1, 2, 0.7];

void describe('distributed mode: gRPC point reads and the distance matrix fan out over placed shards', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  const nodes: TestApp[] = [];
  const clients: GrpcClient[] = [];
  const acmeClients: GrpcClient[] = [];

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(3);
    // A routed JetStream cluster answers JetStream requests once it has elected its meta leader.
    const probe = await connect({ servers: nats.servers.map((x) => x.url) });
    try {
      await pollUntil('JetStream meta leader elected', async () => {
        try {
          await (await probe.jetstreamManager()).getAccountInfo();
          return true;
        } catch {
          return false;
        }
      }, 60_000, 200);
    } finally {
      await probe.close();
    }
    for (let i = 0; i < 3; i++) nodes.push(await startTestApp(jwtClusterNodeEnv(nats, 'grpcfanout', i, KEY)));
    const acme = await jwt({ access: [{ collection: 'docs', access: 'r', tenant_filter: { must: [{ key: 'tenant', match: { value: 'acme' } }] } }] }, KEY);
    for (const n of nodes) {
      const { port } = await n.startGrpc('127.0.0.1', 0);
      clients.push(new GrpcClient({ host: '127.0.0.1', port, https: false, apiKey: KEY, checkCompatibility: false }));
      acmeClients.push(new GrpcClient({ host: '127.0.0.1', port, https: false, apiKey: acme, checkCompatibility: false }));
    }
    // Placement is chosen among the live nodes: every node must see the others' heartbeats first.
    for (const n of nodes) await pollUntil('3 live nodes', async () => Object.keys((await n.request('GET', '/cluster', undefined, ADMIN)).body?.result?.peers ?? {}).length === 3, 60_000, 100);
    const created = await nodes[0]!.request('PUT', '/collections/docs', { vectors: { size: 4, distance: 'Cosine' }, shard_number: SHARDS, replication_factor: 1 }, ADMIN);
    assert.equal(created.status, 200, created.text);
    for (const [field, schema] of [['group', 'keyword'], ['tenant', 'keyword'], ['n', 'integer']] as const) {
      const r = await nodes[1]!.request('PUT', '/collections/docs/index?wait=true', { field_name: field, field_schema: schema }, ADMIN);
      assert.equal(r.status, 200, r.text);
    }
    assert.equal((await nodes[0]!.request('PUT', '/collections/labels', { vectors: { size: 2, distance: 'Dot' }, shard_number: SHARDS, replication_factor: 1 }, ADMIN)).status, 200);
    const labels = await nodes[1]!.request('PUT', '/collections/labels/points?wait=true', { points: LABELS.map((id) => ({ id, vector: [1, id], payload: { label: `bucket-${id}` } })) }, ADMIN);
    assert.equal(labels.status, 200, labels.text);
    assert.equal((await nodes[0]!.request('PUT', '/collections/anchors', { vectors: { size: 4, distance: 'Cosine' }, shard_number: SHARDS, replication_factor: 1 }, ADMIN)).status, 200);
    const anchors = await nodes[2]!.request('PUT', '/collections/anchors/points?wait=true', { points: ANCHORS.map((id) => ({ id, vector: anchorVector(id) })) }, ADMIN);
    assert.equal(anchors.status, 200, anchors.text);
    const written = await nodes[2]!.request('PUT', '/collections/docs/points?wait=true', { points: IDS.map((id) => ({ id, vector: vectorOf(id), payload: payloadOf(id) })) }, ADMIN);
    assert.equal(written.status, 200, written.text);
    // Each node holds one shard (so every read needs the other two), and has applied it.
    for (const n of nodes) {
      const info = await n.request('GET', '/collections/docs/cluster', undefined, ADMIN);
      assert.equal(info.body.result.local_shards.length, 1, info.text);
      const shard = info.body.result.local_shards[0].shard_id as number;
      const expected = IDS.filter((id) => sliceOf(id, SHARDS) === shard).length;
      assert.ok(expected < IDS.length);
      await pollUntil('the node applied its shard', async () => (await n.request('GET', '/collections/docs/cluster', undefined, ADMIN)).body.result.local_shards[0].points_count === expected, 60_000, 100);
    }
  });

  after(async () => {
    for (const n of nodes) await n.destroy();
    await nats?.stop();
  });

  const rest = async (n: TestApp, method: string, path: string, body?: unknown, headers: Record<string, string> = ADMIN): Promise<any> => {
    const r = await n.request(method, `/collections/docs${path}`, body, headers);
    assert.equal(r.status, 200, `${method} ${path}: ${r.text}`);
    return r.body.result;
  };

  void it('searches, queries, recommendations, discovery, groups, scroll, count, retrieve, facet and collection info over gRPC answer as REST and the oracle do, through every node', async () => {
    for (const [i, n] of nodes.entries()) {
      const points = clients[i]!.api('points');
      const collections = clients[i]!.api('collections');
      const on = `node ${i}`;
      const both = (what: string, viaRest: Hit[], viaGrpc: Hit[], want: Hit[]): void => {
        assertHits(viaRest, want, `${what}, REST, ${on}`);
        assertHits(viaGrpc, want, `${what}, gRPC, ${on}`);
        assert.deepEqual(viaGrpc, viaRest, `${what}: gRPC and REST, ${on}`);
      };

      // Search: the offset applies after the merge of the parts.
      both(
        'search',
        (await rest(n, 'POST', '/points/search', { vector: Q1, limit: 5, offset: 2, with_payload: true })).map(restHit),
        (await points.search({ collectionName: 'docs', vector: Q1, limit: 5n, offset: 2n, withPayload: withPayload() })).result.map(grpcHit),
        withPayloads(ranked(Q1).slice(2, 7)),
      );
      const searchBatchRest = await rest(n, 'POST', '/points/search/batch', { searches: [{ vector: Q1, limit: 3 }, { vector: Q2, limit: 4, offset: 1 }] });
      const searchBatchGrpc = (await points.searchBatch({ collectionName: 'docs', searchPoints: [{ collectionName: 'docs', vector: Q1, limit: 3n }, { collectionName: 'docs', vector: Q2, limit: 4n, offset: 1n }] })).result;
      both('search batch [0]', searchBatchRest[0].map(restHit), searchBatchGrpc[0]!.result.map(grpcHit), ranked(Q1).slice(0, 3));
      both('search batch [1]', searchBatchRest[1].map(restHit), searchBatchGrpc[1]!.result.map(grpcHit), ranked(Q2).slice(1, 5));

      // Query API: a filter, a batch, order_by, root fusion.
      both(
        'query with a filter',
        (await rest(n, 'POST', '/points/query', { query: Q2, filter: groupFilterRest('beta'), limit: 4 })).points.map(restHit),
        (await points.query({ collectionName: 'docs', query: nearest(Q2), filter: groupFilterGrpc('beta'), limit: 4n })).result.map(grpcHit),
        ranked(Q2, inGroup('beta')).slice(0, 4),
      );
      const queryBatchRest = await rest(n, 'POST', '/points/query/batch', { searches: [{ query: Q2, limit: 2 }, { query: Q1, limit: 3, offset: 3 }] });
      const queryBatchGrpc = (await points.queryBatch({ collectionName: 'docs', queryPoints: [{ collectionName: 'docs', query: nearest(Q2), limit: 2n }, { collectionName: 'docs', query: nearest(Q1), limit: 3n, offset: 3n }] })).result;
      both('query batch [0]', queryBatchRest[0].points.map(restHit), queryBatchGrpc[0]!.result.map(grpcHit), ranked(Q2).slice(0, 2));
      both('query batch [1]', queryBatchRest[1].points.map(restHit), queryBatchGrpc[1]!.result.map(grpcHit), ranked(Q1).slice(3, 6));
      const orderedRest = (await rest(n, 'POST', '/points/query', { query: { order_by: { key: 'n', direction: 'desc' } }, limit: 6 })).points.map((p: any) => p.id);
      const orderedGrpc = (await points.query({ collectionName: 'docs', query: { variant: { case: 'orderBy', value: { key: 'n', direction: 1 } } }, limit: 6n })).result.map((p: any) => fromPid(p.id));
      assert.deepEqual(orderedRest, [60, 59, 58, 57, 56, 55], `order_by, REST, ${on}`);
      assert.deepEqual(orderedGrpc, orderedRest, `order_by, gRPC, ${on}`);
      // rrf over the whole collection's prefetch results: score 1 / (position + 2) summed over the prefetches (k = 2).
      const fusedRest = (await rest(n, 'POST', '/points/query', { prefetch: [{ query: Q1, limit: 10 }, { query: Q2, limit: 10 }], query: { fusion: 'rrf' }, limit: 5 })).points.map(restHit);
      const fusedGrpc = (await points.query({ collectionName: 'docs', prefetch: [{ query: nearest(Q1), limit: 10n }, { query: nearest(Q2), limit: 10n }], query: { variant: { case: 'fusion', value: 0 } }, limit: 5n })).result.map(grpcHit);
      const rrf = new Map<number, number>();
      for (const list of [ranked(Q1).slice(0, 10), ranked(Q2).slice(0, 10)]) list.forEach((h, pos) => rrf.set(h.id, (rrf.get(h.id) ?? 0) + 1 / (pos + 2)));
      const rrfScores = [...rrf.values()].sort((a, b) => b - a).slice(0, 5);
      assert.deepEqual(fusedGrpc, fusedRest, `rrf: gRPC and REST, ${on}`);
      fusedRest.forEach((h: Hit, k: number) => {
        assert.ok(Math.abs(h.score - rrfScores[k]!) < 1e-6 && Math.abs(h.score - rrf.get(h.id)!) < 1e-6, `rrf ${on}: ${h.id} scored ${h.score}`);
      });

      // Examples by id, held by whichever node: the average of the positives, the examples excluded.
      both(
        'recommend',
        (await rest(n, 'POST', '/points/recommend', { positive: [1, 8], limit: 5 })).map(restHit),
        (await points.recommend({ collectionName: 'docs', positive: [pid(1), pid(8)], limit: 5n })).result.map(grpcHit),
        ranked(mean([unit(vectorOf(1)), unit(vectorOf(8))]), IDS.filter((id) => id !== 1 && id !== 8)).slice(0, 5),
      );
      // lookup_from: examples from another placed collection (not excluded), or from the collection itself (excluded).
      const idInput = (id: number): any => ({ variant: { case: 'nearest', value: { variant: { case: 'id', value: pid(id) } } } });
      for (const anchor of ANCHORS) {
        both(
          `lookup_from another collection (${anchor})`,
          (await rest(n, 'POST', '/points/query', { query: anchor, lookup_from: { collection: 'anchors' }, limit: 4 })).points.map(restHit),
          (await points.query({ collectionName: 'docs', query: idInput(anchor), lookupFrom: { collectionName: 'anchors' }, limit: 4n })).result.map(grpcHit),
          ranked(anchorVector(anchor)).slice(0, 4),
        );
      }
      both(
        'lookup_from the collection itself',
        (await rest(n, 'POST', '/points/query', { query: 7, lookup_from: { collection: 'docs' }, limit: 4 })).points.map(restHit),
        (await points.query({ collectionName: 'docs', query: idInput(7), lookupFrom: { collectionName: 'docs' }, limit: 4n })).result.map(grpcHit),
        ranked(vectorOf(7), IDS.filter((id) => id !== 7)).slice(0, 4),
      );
      const missingRest = await n.request('POST', '/collections/docs/points/query', { query: 999, lookup_from: { collection: 'anchors' }, limit: 4 }, ADMIN);
      assert.equal(missingRest.status, 404, missingRest.text);
      await assert.rejects(points.query({ collectionName: 'docs', query: idInput(999), lookupFrom: { collectionName: 'anchors' }, limit: 4n }), (e: any) => e.code === 5);
      const discoverRest = (await rest(n, 'POST', '/points/discover', { target: 12, context: [{ positive: 13, negative: 14 }], limit: 3 })).map(restHit);
      const discoverGrpc = (await points.discover({ collectionName: 'docs', target: { target: { case: 'single', value: example(12) } }, context: [{ positive: example(13), negative: example(14) }], limit: 3n })).result.map(grpcHit);
      assert.equal(discoverRest.length, 3);
      assert.ok(discoverRest.every((h: Hit) => ![12, 13, 14].includes(h.id)), `discover excludes its examples, ${on}`);
      assert.deepEqual(discoverGrpc, discoverRest, `discover: gRPC and REST, ${on}`);

      // Groups: the parts' groups joined, ordered by their best hit.
      const groupsRest = (await rest(n, 'POST', '/points/search/groups', { vector: Q1, group_by: 'group', limit: 3, group_size: 2 })).groups.map((g: any) => ({ id: g.id, hits: g.hits.map((h: any) => h.id) }));
      const groupsGrpc = (await points.searchGroups({ collectionName: 'docs', vector: Q1, groupBy: 'group', limit: 3, groupSize: 2 })).result!.groups.map((g: any) => ({ id: g.id.kind.value, hits: g.hits.map((h: any) => fromPid(h.id)) }));
      assert.deepEqual(groupsRest, groupsOf(Q1, 3, 2), `search groups, REST, ${on}`);
      assert.deepEqual(groupsGrpc, groupsRest, `search groups, gRPC, ${on}`);
      const qGroupsRest = (await rest(n, 'POST', '/points/query/groups', { query: Q2, group_by: 'group', limit: 2, group_size: 3 })).groups.map((g: any) => ({ id: g.id, hits: g.hits.map((h: any) => h.id) }));
      const qGroupsGrpc = (await points.queryGroups({ collectionName: 'docs', query: nearest(Q2), groupBy: 'group', limit: 2n, groupSize: 3n })).result!.groups.map((g: any) => ({ id: g.id.kind.value, hits: g.hits.map((h: any) => fromPid(h.id)) }));
      assert.deepEqual(qGroupsRest, groupsOf(Q2, 2, 3), `query groups, REST, ${on}`);
      assert.deepEqual(qGroupsGrpc, qGroupsRest, `query groups, gRPC, ${on}`);
      // with_lookup in another placed collection: each group's point, wherever it is held.
      const wantLookup = groupsOf(Q1, 4, 1, 'bucket').map((g) => ({ ...g, lookup: { id: g.id, payload: { label: `bucket-${g.id}` } } }));
      const lookupRest = (await rest(n, 'POST', '/points/search/groups', { vector: Q1, group_by: 'bucket', limit: 4, group_size: 1, with_lookup: 'labels' })).groups;
      const lookupGrpc = (await points.searchGroups({ collectionName: 'docs', vector: Q1, groupBy: 'bucket', limit: 4, groupSize: 1, withLookup: { collection: 'labels', withPayload: withPayload() } })).result!.groups;
      assert.deepEqual(lookupRest.map((g: any) => ({ id: g.id, hits: g.hits.map((h: any) => h.id), lookup: { id: g.lookup.id, payload: g.lookup.payload } })), wantLookup, `groups with_lookup, REST, ${on}`);
      assert.deepEqual(
        lookupGrpc.map((g: any) => ({ id: Number(g.id.kind.value), hits: g.hits.map((h: any) => fromPid(h.id)), lookup: { id: fromPid(g.lookup.id), payload: fromPayload(g.lookup.payload) } })),
        wantLookup,
        `groups with_lookup, gRPC, ${on}`,
      );

      // Point reads: a scroll page and its next offset, a filtered count, retrieve, facet, collection info.
      const pageRest = await rest(n, 'POST', '/points/scroll', { limit: 7, offset: 10, with_payload: true });
      const pageGrpc = await points.scroll({ collectionName: 'docs', limit: 7, offset: pid(10), withPayload: withPayload() });
      const wantPage = [10, 11, 12, 13, 14, 15, 16].map((id) => ({ id, payload: payloadOf(id) }));
      assert.deepEqual(pageRest.points.map((p: any) => ({ id: p.id, payload: p.payload })), wantPage, `scroll, REST, ${on}`);
      assert.equal(pageRest.next_page_offset, 17);
      assert.deepEqual(pageGrpc.result.map((p: any) => ({ id: fromPid(p.id), payload: fromPayload(p.payload) })), wantPage, `scroll, gRPC, ${on}`);
      assert.equal(fromPid(pageGrpc.nextPageOffset), 17);
      const wantCount = IDS.filter((id) => ['alpha', 'gamma'].includes(payloadOf(id)['group'] as string)).length;
      assert.equal((await rest(n, 'POST', '/points/count', { exact: true, filter: groupFilterRest(['alpha', 'gamma']) })).count, wantCount);
      assert.equal(Number((await points.count({ collectionName: 'docs', exact: true, filter: groupFilterGrpc(['alpha', 'gamma']) })).result!.count), wantCount, `count, gRPC, ${on}`);
      const wantGot = [1, 2, 3, 50].map((id) => ({ id, payload: payloadOf(id) }));
      assert.deepEqual((await rest(n, 'POST', '/points', { ids: [1, 2, 3, 50, 999], with_payload: true })).map((p: any) => ({ id: p.id, payload: p.payload })), wantGot, `retrieve, REST, ${on}`);
      assert.deepEqual((await points.get({ collectionName: 'docs', ids: [1, 2, 3, 50, 999].map(pid), withPayload: withPayload() })).result.map((p: any) => ({ id: fromPid(p.id), payload: fromPayload(p.payload) })), wantGot, `retrieve, gRPC, ${on}`);
      const wantFacet = GROUPS.map((value) => ({ value, count: inGroup(value).length })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1));
      assert.deepEqual((await rest(n, 'POST', '/facet', { key: 'group', exact: true })).hits, wantFacet, `facet, REST, ${on}`);
      assert.deepEqual((await points.facet({ collectionName: 'docs', key: 'group', exact: true })).hits.map((h: any) => ({ value: h.value.variant.value, count: Number(h.count) })), wantFacet, `facet, gRPC, ${on}`);
      assert.equal((await rest(n, 'GET', '')).points_count, IDS.length);
      assert.equal(Number((await collections.get({ collectionName: 'docs' })).result!.pointsCount), IDS.length, `collection info, gRPC, ${on}`);
    }
  });

  void it('the distance matrix over every shard: exact when the filter selects fewer points than the sample; otherwise a sample of the collection with true distances and each row its nearest in the sample', async () => {
    const alpha = inGroup('alpha');
    const exact = matrixOf(alpha, 3);
    for (const [i, n] of nodes.entries()) {
      const points = clients[i]!.api('points');
      const on = `node ${i}`;
      const close = (got: Array<{ a: number; b: number; score: number }>, what: string): void => {
        assert.deepEqual(got.map((p) => [p.a, p.b]), exact.map((p) => [p.a, p.b]), `${what}: pairs, ${on}`);
        got.forEach((p, k) => assert.ok(Math.abs(p.score - exact[k]!.score) < 1e-5, `${what}: score of ${p.a}-${p.b}, ${on}`));
      };
      const pairsRest = await rest(n, 'POST', '/points/search/matrix/pairs', { sample: 20, limit: 3, filter: groupFilterRest('alpha') });
      close(pairsRest.pairs, 'matrix pairs, REST');
      const pairsGrpc = (await points.searchMatrixPairs({ collectionName: 'docs', sample: 20n, limit: 3n, filter: groupFilterGrpc('alpha') })).result!.pairs;
      close(pairsGrpc.map((p: any) => ({ a: fromPid(p.a) as number, b: fromPid(p.b) as number, score: p.score })), 'matrix pairs, gRPC');
      const offsetsRest = await rest(n, 'POST', '/points/search/matrix/offsets', { sample: 20, limit: 3, filter: groupFilterRest('alpha') });
      const offsetsGrpc = (await points.searchMatrixOffsets({ collectionName: 'docs', sample: 20n, limit: 3n, filter: groupFilterGrpc('alpha') })).result!;
      const ids = [...alpha].sort((x, y) => x - y);
      assert.deepEqual(offsetsRest.ids, ids, `matrix offsets ids, REST, ${on}`);
      assert.deepEqual(offsetsGrpc.ids.map(fromPid), ids, `matrix offsets ids, gRPC, ${on}`);
      const fromOffsets = (rows: number[], cols: number[], scores: number[], named: number[]): Array<{ a: number; b: number; score: number }> => rows.map((r, k) => ({ a: named[r]!, b: named[cols[k]!]!, score: scores[k]! }));
      close(fromOffsets(offsetsRest.offsets_row, offsetsRest.offsets_col, offsetsRest.scores, offsetsRest.ids), 'matrix offsets, REST');
      close(fromOffsets(offsetsGrpc.offsetsRow.map(Number), offsetsGrpc.offsetsCol.map(Number), offsetsGrpc.scores, offsetsGrpc.ids.map((p: any) => fromPid(p) as number)), 'matrix offsets, gRPC');

      // A sample of 10 of all 60 points, from every shard: each sampled point's 2 nearest among the sample, truly.
      const samples = [
        (await rest(n, 'POST', '/points/search/matrix/pairs', { sample: 10, limit: 2 })).pairs as Array<{ a: number; b: number; score: number }>,
        (await points.searchMatrixPairs({ collectionName: 'docs', sample: 10n, limit: 2n })).result!.pairs.map((p: any) => ({ a: fromPid(p.a) as number, b: fromPid(p.b) as number, score: p.score })),
      ];
      for (const [k, pairs] of samples.entries()) {
        const what = `${k === 0 ? 'REST' : 'gRPC'} matrix of a sample, ${on}`;
        const sample = [...new Set(pairs.map((p) => p.a))];
        assert.equal(sample.length, 10, what);
        assert.ok(sample.every((id) => IDS.includes(id)) && pairs.every((p) => sample.includes(p.b)), what);
        assert.deepEqual(pairs.map((p) => [p.a, p.b]), matrixOf(sample, 2).map((p) => [p.a, p.b]), what);
        for (const p of pairs) assert.ok(Math.abs(p.score - cosine(vectorOf(p.a), vectorOf(p.b))) < 1e-5, `${what}: ${p.a}-${p.b}`);
      }
    }
  });

  void it('a tenant token\'s gRPC reads through any node see all of its tenant\'s points of every shard and nothing else', async () => {
    for (const [i, client] of acmeClients.entries()) {
      const points = client.api('points');
      const on = `node ${i}`;
      assert.equal(Number((await points.count({ collectionName: 'docs', exact: true })).result!.count), ACME_IDS.length, `count, ${on}`);
      assert.deepEqual((await points.scroll({ collectionName: 'docs', limit: 100 })).result.map((p: any) => fromPid(p.id)), ACME_IDS, `scroll, ${on}`);
      const found = (await points.query({ collectionName: 'docs', query: nearest(Q1), limit: 100n })).result.map(grpcHit);
      assertHits(found, ranked(Q1, ACME_IDS), `query, ${on}`);
      assert.deepEqual((await points.get({ collectionName: 'docs', ids: IDS.map(pid) })).result.map((p: any) => fromPid(p.id)), ACME_IDS, `retrieve, ${on}`);
      assert.deepEqual((await points.facet({ collectionName: 'docs', key: 'tenant', exact: true })).hits.map((h: any) => [h.value.variant.value, Number(h.count)]), [['acme', ACME_IDS.length]], `facet, ${on}`);
      // The whole tenant fits the sample: the matrix is the tenant's, exactly.
      const pairs = (await points.searchMatrixPairs({ collectionName: 'docs', sample: 100n, limit: 1n })).result!.pairs.map((p: any) => ({ a: fromPid(p.a) as number, b: fromPid(p.b) as number, score: p.score }));
      assert.deepEqual(pairs.map((p: any) => [p.a, p.b]), matrixOf(ACME_IDS, 1).map((p) => [p.a, p.b]), `matrix, ${on}`);
      // A point of another tenant is not found as an example, whichever node holds it (a globex id of each shard).
      const globex = Array.from({ length: SHARDS }, (_, shard) => IDS.find((id) => tenantOf(id) === 'globex' && sliceOf(id, SHARDS) === shard)!);
      for (const other of globex) {
        await assert.rejects(points.recommend({ collectionName: 'docs', positive: [pid(other)], limit: 3n }), (e: any) => e.code === 5, `recommend by ${other}, ${on}`);
      }
    }
  });
});
