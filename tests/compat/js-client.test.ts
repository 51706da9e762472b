/**
 * Compatibility: the official @qdrant/js-client-rest against a real listening Quiver, with every
 * response body validated against Qdrant's OpenAPI schema.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { assertResponseMatchesSpec } from '../support/openapi.js';

describe('official JS client', () => {
  let server: ChildServer;
  let client: QdrantClient;
  let dir: string;
  before(async () => {
    dir = tempDir('quiver-compat-');
    server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` });
    client = new QdrantClient({ url: server.url, checkCompatibility: true });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  /** Calls the raw REST API, asserts the expected status and validates the full response against the spec. */
  async function raw(operationId: string, expectedStatus: number, method: string, path: string, body?: unknown): Promise<any> {
    const r = await fetch(server.url + path, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
    const json = await r.json();
    assert.equal(r.status, expectedStatus, `${method} ${path}: ${JSON.stringify(json)}`);
    assertResponseMatchesSpec(operationId, r.status, json);
    return json;
  }

  it('manages collections through the client', async () => {
    assert.equal(await client.createCollection('docs', { vectors: { size: 4, distance: 'Cosine' } }), true);
    assert.deepEqual(await client.collectionExists('docs'), { exists: true });
    const info = await client.getCollection('docs');
    assert.equal(info.status, 'green');
    assert.equal(info.config.params.vectors && 'size' in info.config.params.vectors ? info.config.params.vectors.size : 0, 4);
    const { collections } = await client.getCollections();
    assert.ok(collections.some((c) => c.name === 'docs'));
    assert.equal(await client.updateCollection('docs', { optimizers_config: { indexing_threshold: 1000 } }), true);
    await client.updateCollectionAliases({ actions: [{ create_alias: { collection_name: 'docs', alias_name: 'docs_alias' } }] });
    assert.deepEqual((await client.getCollectionAliases('docs')).aliases, [{ alias_name: 'docs_alias', collection_name: 'docs' }]);
    await raw('get_collection', 200, 'GET', '/collections/docs');
    await raw('get_collections', 200, 'GET', '/collections');
    await raw('get_collections_aliases', 200, 'GET', '/aliases');
    await raw('collection_exists', 200, 'GET', '/collections/docs/exists');
    await raw('collection_cluster_info', 200, 'GET', '/collections/docs/cluster');
    await raw('get_optimizations', 200, 'GET', '/collections/docs/optimizations');
    await raw('cluster_status', 200, 'GET', '/cluster');
    await raw('telemetry', 200, 'GET', '/telemetry');
  });

  it('writes and reads points through the client', async () => {
    const up = await client.upsert('docs', {
      wait: true,
      points: [
        { id: 1, vector: [0.1, 0.2, 0.3, 0.4], payload: { kind: 'a', n: 1 } },
        { id: '6f1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a01', vector: [0.4, 0.3, 0.2, 0.1], payload: { kind: 'b', n: 2 } },
        { id: 3, vector: [0.2, 0.2, 0.2, 0.2], payload: { kind: 'a', n: 3 } },
      ],
    });
    assert.equal(up.status, 'completed');
    const got = await client.retrieve('docs', { ids: [1, 3], with_payload: true });
    assert.deepEqual(got.map((p) => p.id), [1, 3]);
    await client.createPayloadIndex('docs', { field_name: 'kind', field_schema: 'keyword', wait: true });
    const { count } = await client.count('docs', { filter: { must: [{ key: 'kind', match: { value: 'a' } }] } });
    assert.equal(count, 2);
    const scrolled = await client.scroll('docs', { limit: 2 });
    assert.equal(scrolled.points.length, 2);
    assert.equal(scrolled.next_page_offset, '6f1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a01');
    const res = await client.query('docs', { query: [0.1, 0.2, 0.3, 0.4], limit: 2, with_payload: true, filter: { must: [{ key: 'kind', match: { value: 'a' } }] } });
    assert.equal(res.points[0]?.id, 1);
    assert.ok(Math.abs((res.points[0]?.score ?? 0) - 1) < 1e-5);
    await client.setPayload('docs', { payload: { tagged: true }, points: [1], wait: true });
    await client.deletePayload('docs', { keys: ['n'], points: [1], wait: true });
    assert.deepEqual((await client.retrieve('docs', { ids: [1] }))[0]?.payload, { kind: 'a', tagged: true });
    await client.updateVectors('docs', { points: [{ id: 3, vector: [1, 0, 0, 0] }], wait: true });
    await client.delete('docs', { points: [3], wait: true });
    assert.equal((await client.count('docs')).count, 2);
    const facet = await client.facet('docs', { key: 'kind' });
    assert.deepEqual(facet.hits, [{ value: 'a', count: 1 }, { value: 'b', count: 1 }]);
    await raw('scroll_points', 200, 'POST', '/collections/docs/points/scroll', { limit: 10, with_vector: true });
    await raw('get_points', 200, 'POST', '/collections/docs/points', { ids: [1] });
    await raw('get_point', 200, 'GET', '/collections/docs/points/1');
    await raw('query_points', 200, 'POST', '/collections/docs/points/query', { query: [1, 0, 0, 0], with_payload: true });
    await raw('count_points', 200, 'POST', '/collections/docs/points/count', {});
    await raw('facet', 200, 'POST', '/collections/docs/facet', { key: 'kind' });
    await raw('upsert_points', 200, 'PUT', '/collections/docs/points?wait=true', { points: [{ id: 9, vector: [1, 1, 1, 1] }] });
    await raw('batch_update', 200, 'POST', '/collections/docs/points/batch?wait=true', { operations: [{ delete: { points: [9] } }] });
    await raw('upsert_points', 400, 'PUT', '/collections/docs/points', { points: [{ id: 9, vector: [1, 1] }] });
  });

  it('reads as Qdrant through the client: order_by per value, nested selectors, metadata null, formula defaults', async () => {
    assert.equal(await client.createCollection('reads', { vectors: { size: 2, distance: 'Dot' }, metadata: { owner: 'a', stage: 'dev' } }), true);
    await client.upsert('reads', {
      wait: true,
      points: [
        { id: 1, vector: [1, 0], payload: { rank: [3, 1], country: { name: 'DE', cities: [{ name: 'Berlin', sights: ['Gate'] }, { name: 'Bonn', sights: [] }] } } },
        { id: 2, vector: [0, 1], payload: { rank: 2 } },
      ],
    });
    await client.createPayloadIndex('reads', { field_name: 'rank', field_schema: 'integer', wait: true });
    const ordered = await client.scroll('reads', { order_by: 'rank', with_payload: false });
    assert.deepEqual(ordered.points.map((p) => [p.id, p.order_value]), [[1, 1], [2, 2], [1, 3]]);
    const [one] = await client.retrieve('reads', { ids: [1], with_payload: { include: ['country.cities[].name'] } });
    assert.deepEqual(one?.payload, { country: { cities: [{ name: 'Berlin' }, { name: 'Bonn' }] } });
    const [other] = await client.retrieve('reads', { ids: [1], with_payload: { exclude: ['country.cities[].sights', 'rank'] } });
    assert.deepEqual(other?.payload, { country: { name: 'DE', cities: [{ name: 'Berlin' }, { name: 'Bonn' }] } });
    assert.equal(await client.updateCollection('reads', { metadata: { stage: null, team: 'x' } }), true);
    assert.deepEqual((await client.getCollection('reads')).config.metadata, { owner: 'a', team: 'x' });
    const boosted = await client.query('reads', { prefetch: { query: [1, 1] }, query: { formula: { sum: ['$score', 'bonus'] }, defaults: { bonus: 5 } } });
    assert.deepEqual(boosted.points.map((p) => [p.id, p.score]), [[1, 6], [2, 6]]);
    assert.equal(await client.deleteCollection('reads'), true);
  });

  it('deletes collections through the client', async () => {
    assert.equal(await client.deleteCollection('docs'), true);
    assert.deepEqual(await client.collectionExists('docs'), { exists: false });
    await raw('get_collection', 404, 'GET', '/collections/docs');
  });
});
