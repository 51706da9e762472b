/**
 * Issue 17 §1 in distributed mode: a tenant token's write is replicated with its tenant filter and applied confined
 * on every replica. Two nodes share one collection; a tenant's deletes and payload updates by id and by filter,
 * sent to either node, leave another tenant's points untouched on both nodes (before, the replicas applied the
 * write unconfined: a delete by id or filter reached every tenant's points), and a write leaving the tenant is 403.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { assertCanRun, skipUnlessRequired } from '../../support/skips.js';
import { jwtClusterNodeEnv, natsServerMissing, startNatsCluster, type NatsCluster } from '../../support/nats-cluster.js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { jwt } from '../../support/access-oracle.js';
import { pollUntil } from '../../support/poll.js';

const missing = natsServerMissing();
const KEY = 'cluster-tenant-admin-key-0123456789abcdef';
const ADMIN = { 'api-key': KEY };
const ACME = { must: [{ key: 'tenant', match: { value: 'acme' } }] };

void describe('distributed mode: tenant writes are applied confined on every replica', skipUnlessRequired(missing), () => {
  let nats: NatsCluster;
  const nodes: TestApp[] = [];
  let acme: Record<string, string>;

  before(async () => {
    assertCanRun(missing);
    nats = await startNatsCluster(1);
    for (let i = 0; i < 2; i++) {
      nodes.push(await startTestApp(jwtClusterNodeEnv(nats, 'tenants', i, KEY)));
    }
    acme = { 'api-key': await jwt({ access: [{ collection: 'docs', access: 'rw', tenant_filter: ACME }] }, KEY) };
  });

  after(async () => {
    for (const n of nodes) await n.destroy();
    await nats?.stop();
  });

  /** Every point of `docs` on node `i` as `id → tenant`, once that node has applied the write `marker`. */
  async function pointsOn(i: number, marker: number): Promise<Record<number, unknown>> {
    const node = nodes[i]!;
    await pollUntil(`node ${i} to apply marker ${marker}`, async () => (await node.request('GET', `/collections/docs/points/${marker}`, undefined, ADMIN)).status === 200);
    const r = await node.request('POST', '/collections/docs/points/scroll', { limit: 100, with_payload: true }, ADMIN);
    assert.equal(r.status, 200, r.text);
    return Object.fromEntries((r.body.result.points as Array<{ id: number; payload: { tenant: string } }>).filter((p) => p.id < 100).map((p) => [p.id, p.payload.tenant]));
  }

  let markers = 100;
  /** An admin write through node `i` after everything before it: once a node shows it, it applied those too. */
  async function marker(i: number): Promise<number> {
    const id = markers++;
    const r = await nodes[i]!.request('PUT', '/collections/docs/points?wait=true', { points: [{ id, vector: [0, 1], payload: { tenant: 'marker' } }] }, ADMIN);
    assert.equal(r.status, 200, r.text);
    return id;
  }

  void it('deletes and payload updates by id or filter, through either node, touch only the tenant\'s points', async () => {
    const [a, b] = nodes as [TestApp, TestApp];
    assert.equal((await a.request('PUT', '/collections/docs', { vectors: { size: 2, distance: 'Dot' } }, ADMIN)).status, 200);
    await pollUntil('the collection on node 1', async () => (await b.request('GET', '/collections/docs/exists', undefined, ADMIN)).body?.result?.exists === true);
    const points = [1, 2, 3, 4].map((id) => ({ id, vector: [1, id], payload: { tenant: id % 2 === 1 ? 'acme' : 'globex', tag: 'x' } }));
    assert.equal((await a.request('PUT', '/collections/docs/points?wait=true', { points }, ADMIN)).status, 200);

    // By id through node 0: globex's point 2 is absent for acme.
    const byId = await a.request('POST', '/collections/docs/points/delete?wait=true', { points: [1, 2] }, acme);
    assert.ok(byId.status === 200 || byId.status === 404, byId.text);
    // By filter through node 1, and a payload update by filter: only acme's point 3.
    assert.equal((await b.request('POST', '/collections/docs/points/payload?wait=true', { payload: { seen: true }, filter: { must: [{ key: 'tag', match: { value: 'x' } }] } }, acme)).status, 200);
    const seen = await b.request('POST', '/collections/docs/points/count', { filter: { must: [{ key: 'seen', match: { value: true } }] }, exact: true }, ADMIN);
    assert.equal(seen.body.result.count, 1, 'the payload update by filter reached only the tenant\'s point');
    assert.equal((await b.request('POST', '/collections/docs/points/delete?wait=true', { filter: { must: [{ key: 'tag', match: { value: 'x' } }] } }, acme)).status, 200);
    // Leaving the tenant: refused, nothing written.
    const out = await b.request('PUT', '/collections/docs/points?wait=true', { points: [{ id: 5, vector: [1, 1], payload: { tenant: 'globex' } }] }, acme);
    assert.equal(out.status, 403, out.text);

    for (const i of [0, 1]) {
      const m = await marker(1 - i);
      assert.deepEqual(await pointsOn(i, m), { 2: 'globex', 4: 'globex' }, `node ${i}`);
    }
  });
});
