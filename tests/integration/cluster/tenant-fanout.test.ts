/**
 * Fanned-out reads keep a tenant token confined: two nodes, a collection of 2 shards × replication 1 (each node
 * holds one shard), points of two tenants in both shards. A tenant token's reads through either node — count,
 * scroll, query, retrieve, facet, recommend by id — see exactly its tenant's points of both shards: the node the
 * client talks to sends the tenant filter with the read, and the node holding the other shard applies it.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { jwtClusterNodeEnv, natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { jwt } from '../../support/access-oracle.js';
import { pollUntil } from '../../support/poll.js';
import { sliceOf } from '../../../src/index/filter/slice.js';

const missing = natsServerMissing();
const KEY = 'cluster-tenant-fanout-key-0123456789abcdef';
const ADMIN = { 'api-key': KEY };
const ACME = { must: [{ key: 'tenant', match: { value: 'acme' } }] };
const IDS = Array.from({ length: 40 }, (_, i) => i + 1);
const tenantOf = (id: number): string => (id % 3 === 0 ? 'globex' : 'acme');
const ACME_IDS = IDS.filter((id) => tenantOf(id) === 'acme');

void describe('distributed mode: fanned-out reads of a tenant token stay within its tenant', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  const nodes: TestApp[] = [];
  let acme: Record<string, string>;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(1);
    for (let i = 0; i < 2; i++) {
      nodes.push(await startTestApp(jwtClusterNodeEnv(nats, 'tenantreads', i, KEY)));
    }
    acme = { 'api-key': await jwt({ access: [{ collection: 'docs', access: 'r', tenant_filter: ACME }] }, KEY) };
    for (const n of nodes) await pollUntil('both nodes live', async () => Object.keys((await n.request('GET', '/cluster', undefined, ADMIN)).body?.result?.peers ?? {}).length === 2);
  });

  after(async () => {
    for (const n of nodes) await n.destroy();
    await nats?.stop();
  });

  void it('count, scroll, query, retrieve, facet and recommend through either node see all of the tenant\'s points and nothing else', async () => {
    const [a, b] = nodes as [TestApp, TestApp];
    assert.equal((await a.request('PUT', '/collections/docs', { vectors: { size: 2, distance: 'Dot' }, shard_number: 2, replication_factor: 1 }, ADMIN)).status, 200);
    assert.equal((await b.request('PUT', '/collections/docs/index?wait=true', { field_name: 'tenant', field_schema: 'keyword' }, ADMIN)).status, 200);
    const points = IDS.map((id) => ({ id, vector: [1, id / 10], payload: { tenant: tenantOf(id), n: id } }));
    const written = await a.request('PUT', '/collections/docs/points?wait=true', { points }, ADMIN);
    assert.equal(written.status, 200, written.text);
    // Each node holds one shard, so every read below needs the other node's shard.
    for (const n of nodes) {
      const info = await n.request('GET', '/collections/docs/cluster', undefined, ADMIN);
      assert.equal(info.body.result.local_shards.length, 1, info.text);
      const shard = info.body.result.local_shards[0].shard_id as number;
      await pollUntil('the node applied its shard', async () => (await n.request('GET', '/collections/docs/cluster', undefined, ADMIN)).body.result.local_shards[0].points_count === IDS.filter((id) => sliceOf(id, 2) === shard).length);
    }
    for (const n of nodes) {
      const count = await n.request('POST', '/collections/docs/points/count', { exact: true }, acme);
      assert.equal(count.body.result?.count, ACME_IDS.length, count.text);
      const scroll = await n.request('POST', '/collections/docs/points/scroll', { limit: 100, with_payload: true }, acme);
      assert.deepEqual(scroll.body.result.points.map((p: { id: number }) => p.id), ACME_IDS, scroll.text);
      const query = await n.request('POST', '/collections/docs/points/query', { query: [0, 1], limit: 100 }, acme);
      assert.deepEqual(query.body.result.points.map((p: { id: number }) => p.id).sort((x: number, y: number) => x - y), ACME_IDS);
      const got = await n.request('POST', '/collections/docs/points', { ids: IDS }, acme);
      assert.deepEqual(got.body.result.map((p: { id: number }) => p.id).sort((x: number, y: number) => x - y), ACME_IDS);
      const facet = await n.request('POST', '/collections/docs/facet', { key: 'tenant', exact: true }, acme);
      assert.deepEqual(facet.body.result.hits, [{ value: 'acme', count: ACME_IDS.length }]);
      // A point of another tenant is not found as an example either, whichever node holds it.
      const other = await n.request('POST', '/collections/docs/points/query', { query: { recommend: { positive: [3] } }, limit: 3 }, acme);
      assert.equal(other.status, 404, other.text);
      const own = await n.request('POST', '/collections/docs/points/query', { query: { recommend: { positive: [4, 5] } }, limit: 100 }, acme);
      assert.deepEqual(own.body.result.points.map((p: { id: number }) => p.id).sort((x: number, y: number) => x - y), ACME_IDS.filter((id) => id !== 4 && id !== 5), own.text);
    }
  });
});
