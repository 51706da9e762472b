/**
 * The LMDB store of format version 1 (`tests/fixtures/golden/v1/store`, made by `scripts/make-golden.ts`) still
 * reads to the content it was made with: collections and their configuration, points with integer and UUID ids,
 * odd payloads, every kind of vector, payload indexes of eight types, custom shard keys, aliases and the saved HNSW
 * graph. Read through the public REST API, so the test holds whatever the engine looks like inside.
 */
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { TestApp } from '../support/app.js';
import { assertClose, GOLDEN_PAYLOAD_SCHEMA, GOLDEN_POINTS, indexedVector, startOnGoldenStore } from './fixtures.js';

const UUID = '550e8400-e29b-41d4-a716-446655440000';
const UPPER = 'f9168c5e-ceb2-4faa-b6bf-329bf39fa1e4';

describe('golden v1 store', () => {
  let app: TestApp;
  let warnings: string[];
  before(async () => {
    ({ app, warnings } = await startOnGoldenStore());
  });
  after(async () => {
    await app.destroy();
  });

  const ok = async (method: string, url: string, body?: unknown): Promise<any> => {
    const r = await app.request(method, url, body);
    assert.equal(r.status, 200, `${method} ${url}: ${r.text}`);
    return r.body.result;
  };
  const ids = (points: Array<{ id: unknown }>): unknown[] => points.map((p) => p.id);
  const count = async (filter: unknown): Promise<unknown[]> =>
    ids((await ok('POST', '/collections/golden/points/scroll', { filter, limit: 100, with_payload: false })).points);

  it('lists the collections and aliases', async () => {
    assert.deepEqual((await ok('GET', '/collections')).collections.map((c: { name: string }) => c.name).sort(), ['golden', 'indexed', 'sharded']);
    assert.deepEqual((await ok('GET', '/aliases')).aliases, [
      { alias_name: 'current', collection_name: 'indexed' },
      { alias_name: 'golden-alias', collection_name: 'golden' },
    ]);
  });

  it('reads the non-default collection configuration', async () => {
    const info = await ok('GET', '/collections/golden-alias');
    assert.equal(info.points_count, 6);
    assert.deepEqual(info.config.params.vectors, {
      text: { size: 4, distance: 'Cosine' },
      image: { size: 3, distance: 'Euclid', on_disk: true },
      colbert: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
    });
    assert.deepEqual(info.config.params.sparse_vectors, { kw: { modifier: 'idf' } });
    assert.equal(info.config.params.on_disk_payload, false);
    assert.deepEqual(
      { m: info.config.hnsw_config.m, ef_construct: info.config.hnsw_config.ef_construct, full_scan_threshold: info.config.hnsw_config.full_scan_threshold },
      { m: 8, ef_construct: 64, full_scan_threshold: 5000 },
    );
    assert.equal(info.config.optimizer_config.indexing_threshold, 0);
    assert.equal(info.config.optimizer_config.default_segment_number, 2);
    assert.deepEqual(info.payload_schema, GOLDEN_PAYLOAD_SCHEMA);
  });

  it('reads every point, payload and vector', async () => {
    const r = await ok('POST', '/collections/golden/points/scroll', { limit: 100, with_payload: true, with_vector: true });
    assert.equal(r.next_page_offset, null);
    assertClose(r.points, GOLDEN_POINTS);
    // Exactly, where no float rounding is involved (payloads are JSON, not float32).
    assert.deepEqual(
      r.points.map((p: { payload: unknown }) => p.payload),
      GOLDEN_POINTS.map((p) => p.payload),
    );
    const deleted = await app.request('GET', '/collections/golden/points/7');
    assert.equal(deleted.status, 404);
    const byUpperCase = await ok('GET', `/collections/golden/points/${UPPER.toUpperCase()}`);
    assert.equal(byUpperCase.id, UPPER);
  });

  it('answers through each payload index', async () => {
    assert.deepEqual(await count({ must: [{ key: 'tag', match: { value: 'beta' } }] }), [1]);
    assert.deepEqual(await count({ must: [{ key: 'count', range: { gte: 4 } }] }), [1, UUID]);
    assert.deepEqual(await count({ must: [{ key: 'count', match: { value: -7 } }] }), [1]);
    assert.deepEqual(await count({ must: [{ key: 'score', range: { lt: 0 } }] }), [9007199254740991]);
    assert.deepEqual(await count({ must: [{ key: 'location', geo_radius: { center: { lon: 13.4, lat: 52.52 }, radius: 1000 } }] }), [1]);
    assert.deepEqual(await count({ must: [{ key: 'title', match: { text: 'golden' } }] }), [0]);
    assert.deepEqual(await count({ must: [{ key: 'flag', match: { value: false } }] }), [9007199254740991]);
    assert.deepEqual(await count({ must: [{ key: 'created', range: { lt: '2000-01-01T00:00:00Z' } }] }), [UUID]);
    assert.deepEqual(await count({ must: [{ key: 'ref', match: { value: '0f0e0d0c-0b0a-4908-8706-050403020100' } }] }), [0]);
    assert.deepEqual(await count({ must: [{ key: 'meta.level', match: { value: 'deep' } }] }), [1]);
    assert.deepEqual(await count({ must: [{ is_empty: { key: 'tag' } }] }), [42, 9007199254740991]);
  });

  it('searches the dense, multi and sparse vectors', async () => {
    const text = await ok('POST', '/collections/golden/points/query', { query: [1, 0, 0, 0], using: 'text', limit: 10 });
    assert.deepEqual(ids(text.points), [0, UPPER, 1, UUID]);
    assertClose(text.points.map((p: { score: number }) => p.score), [1, 0.5, 0.1 / Math.sqrt(0.3), 0]);
    const image = await ok('POST', '/collections/golden/points/query', { query: [9, 8, 7], using: 'image', limit: 10 });
    assert.deepEqual(ids(image.points), [42, 9007199254740991, 0]);
    assert.equal(image.points[0].score, 0);
    const colbert = await ok('POST', '/collections/golden/points/query', { query: [[1, 0]], using: 'colbert', limit: 10 });
    assert.deepEqual(ids(colbert.points), [0, 9007199254740991]);
    assertClose(colbert.points.map((p: { score: number }) => p.score), [3, 0]);
    const sparse = await ok('POST', '/collections/golden/points/query', { query: { indices: [7], values: [1] }, using: 'kw', limit: 10 });
    assert.deepEqual(ids(sparse.points), [0]);
  });

  it('reads custom shard keys and the points placed in each', async () => {
    const keys = await ok('GET', '/collections/sharded/shards');
    assert.deepEqual(keys.shard_keys.map((k: { key: unknown }) => k.key).sort(), [7, 'eu'].sort());
    const info = await ok('GET', '/collections/sharded');
    assert.equal(info.config.params.sharding_method, 'custom');
    assert.deepEqual(info.config.params.vectors, { size: 2, distance: 'Manhattan' });
    const all = await ok('POST', '/collections/sharded/points/scroll', { with_vector: true });
    assert.deepEqual(all.points, [
      { id: 1, payload: { city: 'Paris' }, vector: [1, 0], shard_key: 'eu' },
      { id: 2, payload: { city: 'Tokyo' }, vector: [0, 1], shard_key: 7 },
    ]);
    const eu = await ok('POST', '/collections/sharded/points/query', { query: [0, 1], shard_key: 'eu', limit: 10 });
    assert.deepEqual(ids(eu.points), [1]);
    const seven = await ok('POST', '/collections/sharded/points/query', { query: [1, 0], shard_key: 7, limit: 10 });
    assert.deepEqual(ids(seven.points), [2]);
  });

  it('loads the saved HNSW graph (no rebuild) and it answers as the exact search does', async () => {
    const info = await ok('GET', '/collections/current');
    assert.equal(info.points_count, 200);
    assert.equal(info.indexed_vectors_count, 200);
    assert.equal(info.status, 'green');
    assert.deepEqual(
      // The rebuild warning says "vector index … rebuilding it"; the dashboard's "no index.html" warning (a
      // checkout without `npm run build:web`) is not about the graph.
      warnings.filter((w) => /vector index|rebuild/i.test(w)),
      [],
      'the image must load without a rebuild warning',
    );
    const points = await ok('POST', '/collections/indexed/points/scroll', { limit: 200, with_vector: true, with_payload: true });
    assert.equal(points.points.length, 200);
    for (const p of points.points as Array<{ id: number; vector: number[]; payload: { i: number } }>) {
      assert.equal(p.payload.i, p.id);
      assertClose(p.vector, indexedVector(p.id), `point ${p.id}`);
    }
    for (let q = 0; q < 20; q++) {
      const query = [((q * 7) % 10) / 10, ((q * 3) % 10) / 10, ((q * 9) % 10) / 10, (q % 10) / 10];
      const graph = await ok('POST', '/collections/indexed/points/query', { query, limit: 5, params: { hnsw_ef: 200 } });
      const exact = await ok('POST', '/collections/indexed/points/query', { query, limit: 5, params: { exact: true } });
      // The oracle: brute force over the generator's vectors, in this test.
      const brute = Array.from({ length: 200 }, (_, i) => ({ id: i, d: Math.hypot(...indexedVector(i).map((x, k) => x - query[k]!)) }))
        .sort((a, b) => a.d - b.d || a.id - b.id)
        .slice(0, 5);
      assert.deepEqual(ids(graph.points), ids(exact.points), `query ${q}`);
      assert.deepEqual(ids(exact.points), brute.map((b) => b.id), `query ${q}`);
    }
  });

  it('keeps working as a store: a write after loading is durable and visible', async () => {
    await ok('PUT', '/collections/golden/points?wait=true', { points: [{ id: 1000, vector: { text: [0, 0, 1, 0] }, payload: { tag: 'new' } }] });
    assert.deepEqual(await count({ must: [{ key: 'tag', match: { value: 'new' } }] }), [1000]);
  });
});
