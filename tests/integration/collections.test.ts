import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../support/app.js';

describe('collections API', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
  });
  after(async () => {
    await app.destroy();
  });

  it('creates a collection with a single unnamed vector and echoes its config with defaults', async () => {
    const r = await app.request('PUT', '/collections/c1', { vectors: { size: 4, distance: 'Dot' } });
    assert.equal(r.status, 200);
    assert.equal(r.body.result, true);
    assert.equal(r.body.status, 'ok');
    assert.equal(typeof r.body.time, 'number');
    const info = await app.request('GET', '/collections/c1');
    assert.equal(info.status, 200);
    const res = info.body.result;
    assert.equal(res.status, 'green');
    assert.equal(res.optimizer_status, 'ok');
    assert.equal(res.points_count, 0);
    assert.deepEqual(res.config.params.vectors, { size: 4, distance: 'Dot' });
    assert.equal(res.config.hnsw_config.m, 16);
    assert.equal(res.config.hnsw_config.ef_construct, 100);
    assert.equal(res.config.params.shard_number, 1);
    assert.deepEqual(res.payload_schema, {});
  });

  it('returns 409 when the collection already exists and leaves it intact', async () => {
    await app.request('PUT', '/collections/dup', { vectors: { size: 2, distance: 'Cosine' } });
    const r = await app.request('PUT', '/collections/dup', { vectors: { size: 8, distance: 'Dot' } });
    assert.equal(r.status, 409);
    assert.match(r.body.status.error, /already exists/);
    const info = await app.request('GET', '/collections/dup');
    assert.deepEqual(info.body.result.config.params.vectors, { size: 2, distance: 'Cosine' });
  });

  it('answers 404 in Qdrant wording for a missing collection', async () => {
    const r = await app.request('GET', '/collections/nope');
    assert.equal(r.status, 404);
    assert.equal(r.body.status.error, "Not found: Collection `nope` doesn't exist!");
    assert.equal(typeof r.body.time, 'number');
  });

  it('creates named dense, sparse and multivector configurations', async () => {
    const r = await app.request('PUT', '/collections/multi', {
      vectors: {
        text: { size: 3, distance: 'Cosine', on_disk: true, datatype: 'float16', hnsw_config: { m: 32 } },
        colbert: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } },
        img: { size: 2, distance: 'Manhattan' },
        geo: { size: 2, distance: 'Euclid' },
      },
      sparse_vectors: { bm25: { modifier: 'idf' } },
      hnsw_config: { ef_construct: 64 },
      optimizers_config: { deleted_threshold: 0.5 },
      quantization_config: { scalar: { type: 'int8', quantile: 0.99, always_ram: true } },
    });
    assert.equal(r.status, 200, r.text);
    const cfg = (await app.request('GET', '/collections/multi')).body.result.config;
    assert.equal(cfg.params.vectors.text.hnsw_config.m, 32);
    assert.equal(cfg.params.vectors.text.datatype, 'float16');
    assert.deepEqual(cfg.params.vectors.colbert.multivector_config, { comparator: 'max_sim' });
    assert.deepEqual(cfg.params.sparse_vectors, { bm25: { modifier: 'idf' } });
    assert.equal(cfg.hnsw_config.ef_construct, 64);
    assert.equal(cfg.optimizer_config.deleted_threshold, 0.5);
    assert.equal(cfg.quantization_config.scalar.type, 'int8');
  });

  it('rejects invalid configurations with a 400 (format) or 422 (constraint) naming the field', async () => {
    for (const [body, field, status] of [
      [{ vectors: { size: 0, distance: 'Dot' } }, /size/, 422],
      [{ vectors: { size: 4, distance: 'Hamming' } }, /distance/, 400],
      [{ vectors: { size: 'four', distance: 'Dot' } }, /size/, 400],
    ] as const) {
      const r = await app.request('PUT', '/collections/bad', body);
      assert.equal(r.status, status, r.text);
      assert.match(r.body.status.error, field);
    }
    assert.equal((await app.request('GET', '/collections/bad/exists')).body.result.exists, false);
  });

  it('lists, checks existence, updates and deletes collections', async () => {
    await app.request('PUT', '/collections/tmp', { vectors: { size: 2, distance: 'Dot' } });
    const list = await app.request('GET', '/collections');
    assert.ok(list.body.result.collections.some((c: { name: string }) => c.name === 'tmp'));
    assert.deepEqual((await app.request('GET', '/collections/tmp/exists')).body.result, { exists: true });
    const patch = await app.request('PATCH', '/collections/tmp', { optimizers_config: { indexing_threshold: 5000 }, hnsw_config: { m: 8 } });
    assert.equal(patch.status, 200, patch.text);
    const cfg = (await app.request('GET', '/collections/tmp')).body.result.config;
    assert.equal(cfg.optimizer_config.indexing_threshold, 5000);
    assert.equal(cfg.hnsw_config.m, 8);
    const del = await app.request('DELETE', '/collections/tmp');
    assert.equal(del.body.result, true);
    assert.deepEqual((await app.request('GET', '/collections/tmp/exists')).body.result, { exists: false });
  });

  it('applies alias actions atomically and resolves aliases in reads', async () => {
    await app.request('PUT', '/collections/target', { vectors: { size: 2, distance: 'Dot' } });
    const ok = await app.request('POST', '/collections/aliases', { actions: [{ create_alias: { collection_name: 'target', alias_name: 'a1' } }] });
    assert.equal(ok.status, 200, ok.text);
    assert.equal((await app.request('GET', '/collections/a1')).status, 200);
    // The second action fails: the first must not be applied.
    const bad = await app.request('POST', '/collections/aliases', {
      actions: [{ create_alias: { collection_name: 'target', alias_name: 'a2' } }, { delete_alias: { alias_name: 'missing' } }],
    });
    assert.equal(bad.status, 404);
    const all = (await app.request('GET', '/aliases')).body.result.aliases;
    assert.deepEqual(all.filter((a: { collection_name: string }) => a.collection_name === 'target'), [{ alias_name: 'a1', collection_name: 'target' }]);
    await app.request('POST', '/collections/aliases', { actions: [{ rename_alias: { old_alias_name: 'a1', new_alias_name: 'a3' } }] });
    assert.deepEqual((await app.request('GET', '/collections/target/aliases')).body.result.aliases, [{ alias_name: 'a3', collection_name: 'target' }]);
    await app.request('POST', '/collections/aliases', { actions: [{ delete_alias: { alias_name: 'a3' } }] });
    assert.deepEqual((await app.request('GET', '/collections/target/aliases')).body.result.aliases, []);
  });

  it('creates and deletes named vectors', async () => {
    await app.request('PUT', '/collections/vn', { vectors: { a: { size: 2, distance: 'Dot' } } });
    await app.request('PUT', '/collections/vn/points?wait=true', { points: [{ id: 1, vector: { a: [1, 2] } }] });
    const add = await app.request('PUT', '/collections/vn/vectors/b', { dense: { size: 3, distance: 'Cosine' } });
    assert.equal(add.status, 200, add.text);
    const up = await app.request('PUT', '/collections/vn/points/vectors?wait=true', { points: [{ id: 1, vector: { b: [0, 3, 4] } }] });
    assert.equal(up.status, 200, up.text);
    const p = (await app.request('GET', '/collections/vn/points/1')).body.result;
    assert.deepEqual(p.vector.a, [1, 2]);
    assert.deepEqual(p.vector.b.map((x: number) => Math.round(x * 1000) / 1000), [0, 0.6, 0.8]);
    assert.equal((await app.request('DELETE', '/collections/vn/vectors/b')).status, 200);
    const p2 = (await app.request('GET', '/collections/vn/points/1')).body.result;
    assert.deepEqual(Object.keys(p2.vector), ['a']);
  });

  it('manages shard keys for custom sharding and routes writes and reads by key', async () => {
    await app.request('PUT', '/collections/sk', { vectors: { size: 2, distance: 'Dot' }, sharding_method: 'custom' });
    assert.equal((await app.request('PUT', '/collections/sk/shards', { shard_key: 'eu' })).status, 200);
    assert.equal((await app.request('PUT', '/collections/sk/shards', { shard_key: 'us' })).status, 200);
    assert.deepEqual((await app.request('GET', '/collections/sk/shards')).body.result.shard_keys, [{ key: 'eu' }, { key: 'us' }]);
    await app.request('PUT', '/collections/sk/points?wait=true', { shard_key: 'eu', points: [{ id: 1, vector: [1, 0] }] });
    await app.request('PUT', '/collections/sk/points?wait=true', { shard_key: 'us', points: [{ id: 2, vector: [0, 1] }] });
    const eu = await app.request('POST', '/collections/sk/points/scroll', { shard_key: 'eu' });
    assert.deepEqual(eu.body.result.points.map((p: { id: number }) => p.id), [1]);
    assert.equal(eu.body.result.points[0].shard_key, 'eu');
    const missing = await app.request('POST', '/collections/sk/points/scroll', { shard_key: 'asia' });
    assert.equal(missing.status, 404);
    assert.equal((await app.request('POST', '/collections/sk/shards/delete', { shard_key: 'us' })).status, 200);
    assert.equal((await app.request('POST', '/collections/sk/points/count', {})).body.result.count, 1);
  });

  it('reports service endpoints as Qdrant does', async () => {
    const root = await app.request('GET', '/');
    assert.equal(root.body.title, 'qdrant - vector search engine');
    assert.equal(root.body.version, '1.19.0');
    assert.deepEqual(Object.keys(root.body), ['title', 'version', 'commit']);
    assert.equal(typeof root.headers['x-quiver-version'], 'string');
    assert.equal((await app.request('GET', '/healthz')).text, 'healthz check passed');
    assert.equal((await app.request('GET', '/livez')).status, 200);
    assert.equal((await app.request('GET', '/readyz')).status, 200);
    assert.deepEqual((await app.request('GET', '/cluster')).body.result, { status: 'disabled' });
    assert.deepEqual((await app.request('GET', '/issues')).body.result, { issues: [] });
    const metrics = await app.request('GET', '/metrics');
    assert.match(metrics.text, /^app_info\{name="qdrant",version="1.19.0"\} 1$/m);
    assert.match(metrics.text, /^collections_total \d+$/m);
    assert.match(metrics.text, /rest_responses_total\{/);
    const tel = await app.request('GET', '/telemetry');
    assert.equal(tel.status, 200);
    assert.equal(typeof tel.body.result.collections.number_of_collections, 'number');
    const q = await app.request('PUT', '/quotas', { enabled: true, max_disk_usage_percent: 100 });
    assert.equal(q.status, 200, q.text);
    assert.equal((await app.request('GET', '/quotas')).body.result.config.max_disk_usage_percent, 100);
    assert.equal((await app.request('PUT', '/quotas', { enabled: true, max_disk_usage_percent: 500 })).status, 400);
    await app.request('PUT', '/quotas', { enabled: false });
  });
});
