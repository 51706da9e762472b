import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';

const ids = (r: { body: any }): unknown[] => r.body.result.points.map((p: { id: unknown }) => p.id);

describe('points API', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await app.request('PUT', '/collections/p', { vectors: { size: 4, distance: 'Dot' } });
    const up = await app.request('PUT', '/collections/p/points?wait=true', {
      points: [
        { id: 1, vector: [0.05, 0.61, 0.76, 0.74], payload: { city: 'Berlin', n: 1 } },
        { id: 2, vector: [0.19, 0.81, 0.75, 0.11], payload: { city: ['Berlin', 'London'], n: 2 } },
        { id: 3, vector: [0.36, 0.55, 0.47, 0.94], payload: { city: ['Berlin', 'Moscow'], n: 3 } },
        { id: 4, vector: [0.18, 0.01, 0.85, 0.8], payload: { city: ['London', 'Moscow'], n: 4 } },
        { id: 5, vector: [0.24, 0.18, 0.22, 0.44], payload: { count: [0], n: 5 } },
        { id: 6, vector: [0.35, 0.08, 0.11, 0.44] },
      ],
    });
    assert.equal(up.status, 200, up.text);
    assert.equal(up.body.result.status, 'completed');
    assert.equal(typeof up.body.result.operation_id, 'number');
  });
  after(async () => {
    await app.destroy();
  });

  it('finds the Qdrant docs example neighbours by exact scan, with and without a filter', async () => {
    const r = await app.request('POST', '/collections/p/points/query', { query: [0.2, 0.1, 0.9, 0.7], limit: 3 });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual(ids(r), [4, 1, 3]);
    assert.ok(Math.abs(r.body.result.points[0].score - 1.362) < 1e-3);
    const f = await app.request('POST', '/collections/p/points/query', {
      query: [0.2, 0.1, 0.9, 0.7],
      filter: { should: [{ key: 'city', match: { value: 'London' } }] },
      limit: 3,
    });
    assert.deepEqual(ids(f), [4, 2]);
    assert.ok(Math.abs(f.body.result.points[1].score - 0.871) < 1e-3);
  });

  it('retrieves one point and many points with selectors', async () => {
    const one = await app.request('GET', '/collections/p/points/2');
    assert.equal(one.status, 200);
    assert.deepEqual(one.body.result.payload, { city: ['Berlin', 'London'], n: 2 });
    assert.equal(one.body.result.vector.length, 4);
    const many = await app.request('POST', '/collections/p/points', { ids: [3, 1, 99], with_payload: ['n'], with_vector: false });
    assert.deepEqual(many.body.result, [
      { id: 3, payload: { n: 3 }, vector: null },
      { id: 1, payload: { n: 1 }, vector: null },
    ]);
    const excl = await app.request('POST', '/collections/p/points', { ids: [1], with_payload: { exclude: ['city'] } });
    assert.deepEqual(excl.body.result[0].payload, { n: 1 });
    const missing = await app.request('GET', '/collections/p/points/12345');
    assert.equal(missing.status, 404);
    assert.match(missing.body.status.error, /12345/);
  });

  it('accepts UUIDs in every form and returns them lowercase hyphenated', async () => {
    await app.request('PUT', '/collections/u', { vectors: { size: 2, distance: 'Euclid' } });
    const forms = ['550E8400-E29B-41D4-A716-446655440000', '550e8400e29b41d4a716446655440001', '{550e8400-e29b-41d4-a716-446655440002}', 'urn:uuid:550e8400-e29b-41d4-a716-446655440003'];
    const r = await app.request('PUT', '/collections/u/points?wait=true', { points: forms.map((id, i) => ({ id, vector: [i, 0] })) });
    assert.equal(r.status, 200, r.text);
    const s = await app.request('POST', '/collections/u/points/scroll', { limit: 10 });
    assert.deepEqual(ids(s), [0, 1, 2, 3].map((i) => `550e8400-e29b-41d4-a716-44665544000${i}`));
    const q = await app.request('POST', '/collections/u/points/query', { query: [3, 0], limit: 1 });
    assert.equal(q.body.result.points[0].id, '550e8400-e29b-41d4-a716-446655440003');
    assert.equal(q.body.result.points[0].score, 0);
  });

  it('upserts the columnar batch form and honours update_mode', async () => {
    await app.request('PUT', '/collections/b', { vectors: { size: 2, distance: 'Dot' } });
    const r = await app.request('PUT', '/collections/b/points?wait=true', { batch: { ids: [1, 2], vectors: [[1, 1], [2, 2]], payloads: [{ a: 1 }, { a: 2 }] } });
    assert.equal(r.status, 200, r.text);
    await app.request('PUT', '/collections/b/points?wait=true', { points: [{ id: 1, vector: [9, 9], payload: { a: 9 } }, { id: 3, vector: [3, 3] }], update_mode: 'insert_only' });
    const got = await app.request('POST', '/collections/b/points', { ids: [1, 3], with_vector: true });
    assert.deepEqual(got.body.result.map((p: any) => [p.id, p.payload, p.vector]), [
      [1, { a: 1 }, [1, 1]],
      [3, {}, [3, 3]],
    ]);
  });

  it('updates and deletes vectors and payload, by ids and by filter', async () => {
    await app.request('PUT', '/collections/w', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('PUT', '/collections/w/points?wait=true', {
      points: [1, 2, 3, 4].map((id) => ({ id, vector: [id, 0], payload: { g: id % 2 === 0 ? 'even' : 'odd', nested: { x: id } } })),
    });
    let r = await app.request('POST', '/collections/w/points/payload?wait=true', { payload: { y: 7 }, points: [1], key: 'nested' });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await app.request('GET', '/collections/w/points/1')).body.result.payload, { g: 'odd', nested: { x: 1, y: 7 } });
    r = await app.request('PUT', '/collections/w/points/payload?wait=true', { payload: { only: true }, filter: { must: [{ key: 'g', match: { value: 'even' } }] } });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await app.request('GET', '/collections/w/points/2')).body.result.payload, { only: true });
    await app.request('POST', '/collections/w/points/payload/delete?wait=true', { keys: ['nested.x'], points: [3] });
    assert.deepEqual((await app.request('GET', '/collections/w/points/3')).body.result.payload, { g: 'odd', nested: {} });
    await app.request('POST', '/collections/w/points/payload/clear?wait=true', { points: [3] });
    assert.deepEqual((await app.request('GET', '/collections/w/points/3')).body.result.payload, {});
    await app.request('PUT', '/collections/w/points/vectors?wait=true', { points: [{ id: 4, vector: [0, 4] }] });
    assert.deepEqual((await app.request('GET', '/collections/w/points/4')).body.result.vector, [0, 4]);
    const missing = await app.request('PUT', '/collections/w/points/vectors?wait=true', { points: [{ id: 77, vector: [0, 4] }] });
    assert.equal(missing.status, 404);
    r = await app.request('POST', '/collections/w/points/vectors/delete?wait=true', { points: [4], vector: [''] });
    assert.equal(r.status, 200, r.text);
    assert.deepEqual((await app.request('GET', '/collections/w/points/4')).body.result.vector, {});
    r = await app.request('POST', '/collections/w/points/delete?wait=true', { filter: { must: [{ key: 'g', match: { value: 'odd' } }] } });
    assert.equal(r.status, 200, r.text);
    // Point 3's payload was cleared above, so only point 1 still matches g = odd.
    assert.equal((await app.request('POST', '/collections/w/points/count', {})).body.result.count, 3);
    await app.request('POST', '/collections/w/points/delete?wait=true', { points: [2] });
    assert.deepEqual(ids(await app.request('POST', '/collections/w/points/scroll', {})), [3, 4]);
  });

  it('applies a batch of operations atomically', async () => {
    await app.request('PUT', '/collections/bt', { vectors: { size: 2, distance: 'Dot' } });
    const ok = await app.request('POST', '/collections/bt/points/batch?wait=true', {
      operations: [
        { upsert: { points: [{ id: 1, vector: [1, 0] }, { id: 2, vector: [0, 1] }] } },
        { set_payload: { payload: { k: 'v' }, points: [1] } },
        { delete: { points: [2] } },
      ],
    });
    assert.equal(ok.status, 200, ok.text);
    assert.equal(ok.body.result.length, 3);
    const bad = await app.request('POST', '/collections/bt/points/batch?wait=true', {
      operations: [{ upsert: { points: [{ id: 5, vector: [1, 0] }] } }, { upsert: { points: [{ id: 6, vector: [1, 0, 0] }] } }],
    });
    assert.equal(bad.status, 400);
    assert.deepEqual(ids(await app.request('POST', '/collections/bt/points/scroll', { with_payload: true })), [1]);
    assert.deepEqual((await app.request('GET', '/collections/bt/points/1')).body.result.payload, { k: 'v' });
  });

  it('scrolls with pagination and order_by, counts and facets', async () => {
    await app.request('PUT', '/collections/s', { vectors: { size: 1, distance: 'Dot' } });
    await app.request('PUT', '/collections/s/points?wait=true', {
      points: Array.from({ length: 25 }, (_, i) => ({ id: i + 1, vector: [i], payload: { price: (i * 7) % 25, color: ['red', 'green', 'blue'][i % 3] } })),
    });
    const page1 = await app.request('POST', '/collections/s/points/scroll', { limit: 10 });
    assert.deepEqual(ids(page1), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    assert.equal(page1.body.result.next_page_offset, 11);
    const page3 = await app.request('POST', '/collections/s/points/scroll', { limit: 10, offset: 21 });
    assert.deepEqual(ids(page3), [21, 22, 23, 24, 25]);
    assert.equal(page3.body.result.next_page_offset, null);
    const noIndex = await app.request('POST', '/collections/s/points/scroll', { order_by: 'price' });
    assert.equal(noIndex.status, 400);
    await app.request('PUT', '/collections/s/index?wait=true', { field_name: 'price', field_schema: 'integer' });
    await app.request('PUT', '/collections/s/index?wait=true', { field_name: 'color', field_schema: 'keyword' });
    const info = (await app.request('GET', '/collections/s')).body.result;
    assert.equal(info.payload_schema.price.data_type, 'integer');
    assert.equal(info.payload_schema.price.points, 25);
    const ordered = await app.request('POST', '/collections/s/points/scroll', { order_by: { key: 'price', direction: 'desc' }, limit: 3 });
    assert.deepEqual(ordered.body.result.points.map((p: any) => p.payload.price), [24, 23, 22]);
    assert.equal(ordered.body.result.points[0].order_value, 24);
    const cnt = await app.request('POST', '/collections/s/points/count', { filter: { must: [{ key: 'price', range: { gte: 10, lt: 20 } }] } });
    assert.equal(cnt.body.result.count, 10);
    const facet = await app.request('POST', '/collections/s/facet', { key: 'color' });
    assert.equal(facet.status, 200, facet.text);
    assert.deepEqual(facet.body.result.hits, [
      { value: 'blue', count: 8 },
      { value: 'green', count: 8 },
      { value: 'red', count: 9 },
    ].sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)));
  });

  it('supports named, sparse and multi vectors in writes and queries', async () => {
    await app.request('PUT', '/collections/nv', {
      vectors: { d: { size: 2, distance: 'Cosine' }, m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { s: {} },
    });
    const r = await app.request('PUT', '/collections/nv/points?wait=true', {
      points: [
        { id: 1, vector: { d: [3, 4], m: [[1, 0], [0, 1]], s: { indices: [5, 1], values: [2, 1] } } },
        { id: 2, vector: { d: [1, 0], m: [[2, 2]], s: { indices: [1], values: [3] } } },
      ],
    });
    assert.equal(r.status, 200, r.text);
    const d = await app.request('POST', '/collections/nv/points/query', { query: [0, 1], using: 'd', with_vector: ['d'] });
    assert.deepEqual(ids(d), [1, 2]);
    assert.ok(Math.abs(d.body.result.points[0].score - 0.8) < 1e-6);
    assert.deepEqual(d.body.result.points[0].vector.d.map((x: number) => Math.round(x * 100) / 100), [0.6, 0.8]);
    const s = await app.request('POST', '/collections/nv/points/query', { query: { indices: [1, 5], values: [1, 1] }, using: 's' });
    assert.deepEqual(s.body.result.points.map((p: any) => [p.id, p.score]), [[1, 3], [2, 3]]);
    const m = await app.request('POST', '/collections/nv/points/query', { query: [[1, 0], [0, 1]], using: 'm' });
    assert.deepEqual(m.body.result.points.map((p: any) => [p.id, p.score]), [[2, 4], [1, 2]]);
    // Qdrant excludes the referenced point from the results (its test_search_by_id).
    const byId = await app.request('POST', '/collections/nv/points/query', { query: 2, using: 'd', limit: 1 });
    assert.equal(byId.body.result.points[0].id, 1);
    const got = await app.request('GET', '/collections/nv/points/1');
    assert.deepEqual(got.body.result.vector.s, { indices: [1, 5], values: [1, 2] });
  });
});
