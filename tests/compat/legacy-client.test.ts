/**
 * Compatibility: the legacy search family (search, recommend, discover, their batches and groups,
 * the distance matrix) and the Query API through the official 1.18 JS client against a real
 * listening Quiver; every response body is also fetched raw and validated strictly against Qdrant's
 * OpenAPI schema.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantClient } from 'qdrant-js-client-1-18';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { assertResponseMatchesSpec } from '../support/openapi.js';

const ids = (points: ReadonlyArray<{ id: string | number }>): Array<string | number> => points.map((p) => p.id);

describe('legacy endpoints through the 1.18 client', () => {
  let server: ChildServer;
  let client: QdrantClient;
  let dir: string;
  before(async () => {
    dir = tempDir('quiver-legacy-');
    server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` });
    client = new QdrantClient({ url: server.url, checkCompatibility: true });
    await client.createCollection('docs', { vectors: { size: 2, distance: 'Dot' }, sparse_vectors: { words: {} } });
    await client.upsert('docs', {
      wait: true,
      points: [
        { id: 1, vector: { '': [1, 0], words: { indices: [1], values: [1] } }, payload: { g: 'a', n: 1 } },
        { id: 2, vector: { '': [0, 1], words: { indices: [2], values: [2] } }, payload: { g: 'b', n: 2 } },
        { id: 3, vector: { '': [1, 1], words: { indices: [1, 2], values: [1, 1] } }, payload: { g: ['a', 'b'], n: 3 } },
        { id: 4, vector: { '': [2, 0] }, payload: { g: 7, n: 4 } },
        { id: 5, vector: { '': [-1, 0.5] }, payload: { g: 'a', n: 5 } },
      ],
    });
    await client.createCollection('info', { vectors: { size: 2, distance: 'Dot' } });
    await client.upsert('info', { wait: true, points: [{ id: 7, vector: [0, 1], payload: { name: 'seven' } }] });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  /** POSTs `body` raw, validates the whole response strictly against the spec, returns `result`. */
  async function raw(operationId: string, path: string, body: unknown): Promise<any> {
    const r = await fetch(`${server.url}/collections/docs/points/${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await r.json()) as any;
    assertResponseMatchesSpec(operationId, r.status, json, { strict: true });
    assert.equal(r.status, 200, JSON.stringify(json));
    return json.result;
  }

  it('search, searchBatch and searchPointGroups', async () => {
    const res = await client.search('docs', { vector: [1, 2], limit: 3, with_payload: true });
    assert.deepEqual(res.map((p) => [p.id, p.score]), [[3, 3], [2, 2], [4, 2]]);
    assert.deepEqual(res[0]?.payload, { g: ['a', 'b'], n: 3 });
    assert.deepEqual(await raw('search_points', 'search', { vector: [1, 2], limit: 3, with_payload: true }), res);
    const named = await client.search('docs', { vector: { name: 'words', vector: { indices: [1, 2], values: [1, 1] } }, limit: 2 });
    assert.deepEqual(named.map((p) => [p.id, p.score]), [[2, 2], [3, 2]]);
    await raw('search_points', 'search', { vector: { name: '', vector: [1, 0] }, top: 2, score_threshold: 1, filter: { must: [{ key: 'n', range: { gte: 2 } }] } });

    const batch = await client.searchBatch('docs', { searches: [{ vector: [1, 0], limit: 1 }, { vector: [0, 1], limit: 2, offset: 1 }] });
    assert.deepEqual(batch.map(ids), [[4], [3, 5]]);
    assert.deepEqual(await raw('search_batch_points', 'search/batch', { searches: [{ vector: [1, 0], limit: 1 }, { vector: [0, 1], limit: 2, offset: 1 }] }), batch);

    const groups = await client.searchPointGroups('docs', { vector: [1, 0], group_by: 'g', group_size: 2, limit: 3 });
    assert.deepEqual(groups.groups.map((g) => [g.id, ids(g.hits)]), [[7, [4]], ['a', [1, 3]], ['b', [3, 2]]]);
    const rawGroups = await raw('search_point_groups', 'search/groups', { vector: [1, 0], group_by: 'g', group_size: 2, limit: 3, with_lookup: { collection: 'info', with_vectors: true } });
    assert.deepEqual(rawGroups.groups[0].lookup, { id: 7, payload: { name: 'seven' }, vector: [0, 1] });
  });

  it('recommend, recommendBatch and recommendPointGroups', async () => {
    // avg([1,0], [0,1]) = [.5,.5]; minus [-1,.5] → [2, .5]; examples excluded.
    const rec = await client.recommend('docs', { positive: [1, 2], negative: [5], limit: 3 });
    assert.deepEqual(rec.map((p) => [p.id, p.score]), [[4, 4], [3, 2.5]]);
    assert.deepEqual(await raw('recommend_points', 'recommend', { positive: [1, 2], negative: [5], limit: 3, with_payload: true }), (await client.recommend('docs', { positive: [1, 2], negative: [5], limit: 3, with_payload: true })));
    const best = await client.recommend('docs', { positive: [1], negative: [2], strategy: 'best_score', limit: 1 });
    assert.deepEqual(best.map((p) => p.id), [4]);
    assert.ok(Math.abs((best[0]?.score ?? 0) - 5 / 6) < 1e-6);
    const sum = await client.recommend('docs', { positive: [[1, 0]], strategy: 'sum_scores', limit: 2, using: '' });
    assert.deepEqual(sum.map((p) => [p.id, p.score]), [[4, 2], [1, 1]]);
    // Point 7 of `info` is [0, 1]; ids looked up elsewhere are not excluded.
    const looked = await raw('recommend_points', 'recommend', { positive: [7], lookup_from: { collection: 'info' }, limit: 2 });
    assert.deepEqual(ids(looked), [2, 3]);

    const batch = await client.recommendBatch('docs', { searches: [{ positive: [4], limit: 1 }, { positive: [2], negative: [4], strategy: 'best_score', limit: 1 }] });
    assert.deepEqual(batch.map(ids), [[1], [5]]);
    assert.deepEqual(await raw('recommend_batch_points', 'recommend/batch', { searches: [{ positive: [4], limit: 1 }, { positive: [2], negative: [4], strategy: 'best_score', limit: 1 }] }), batch);

    const groups = await client.recommendPointGroups('docs', { positive: [4], group_by: 'g', group_size: 2, limit: 2 });
    assert.deepEqual(groups.groups.map((g) => [g.id, ids(g.hits)]), [['a', [1, 3]], ['b', [3, 2]]]);
    await raw('recommend_point_groups', 'recommend/groups', { positive: [4], group_by: 'g', group_size: 2, limit: 2, with_lookup: 'info' });

    const bad = await fetch(`${server.url}/collections/docs/points/recommend`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ positive: [], limit: 2 }) });
    const body = (await bad.json()) as any;
    assert.equal(bad.status, 400);
    assertResponseMatchesSpec('recommend_points', 400, body);
    assert.match(body.status.error, /At least one positive vector ID required/);
  });

  it('discover and discoverBatchPoints, with and without a target', async () => {
    const d = await client.discoverPoints('docs', { target: [1, 0], context: [{ positive: 2, negative: 5 }], limit: 2 });
    assert.deepEqual(d.map((p) => p.id), [4, 1]);
    assert.ok(Math.abs((d[0]?.score ?? 0) - (1 + 5 / 6)) < 1e-6);
    assert.deepEqual(await raw('discover_points', 'discover', { target: [1, 0], context: [{ positive: 2, negative: 5 }], limit: 2 }), d);
    const ctx = await client.discoverPoints('docs', { context: [{ positive: [1, 0], negative: [0, 1] }], limit: 2 });
    assert.deepEqual(ctx.map((p) => [p.id, p.score]), [[1, 0], [4, 0]]);
    const batch = await client.discoverBatchPoints('docs', { searches: [{ target: 1, limit: 1 }, { context: [{ positive: 1, negative: 2 }], limit: 1 }] });
    assert.deepEqual(batch.map(ids), [[4], [4]]);
    assert.deepEqual(await raw('discover_batch_points', 'discover/batch', { searches: [{ target: 1, limit: 1 }, { context: [{ positive: 1, negative: 2 }], limit: 1 }] }), batch);
  });

  it('searchMatrixPairs and searchMatrixOffsets', async () => {
    const pairs = await client.searchMatrixPairs('docs', { sample: 5, limit: 1 });
    // Each point's most similar other point by dot product.
    assert.deepEqual(pairs.pairs.map((p) => [p.a, p.b, p.score]), [[1, 4, 2], [2, 3, 1], [3, 4, 2], [4, 1, 2], [5, 2, 0.5]]);
    assert.deepEqual(await raw('search_matrix_pairs', 'search/matrix/pairs', { sample: 5, limit: 1 }), pairs);
    const offsets = await client.searchMatrixOffsets('docs', { sample: 5, limit: 1, using: '' });
    assert.deepEqual(offsets, { offsets_row: [0, 1, 2, 3, 4], offsets_col: [3, 2, 3, 0, 1], scores: [2, 1, 2, 2, 0.5], ids: [1, 2, 3, 4, 5] });
    assert.deepEqual(await raw('search_matrix_offsets', 'search/matrix/offsets', { sample: 5, limit: 1 }), offsets);
  });

  it('query, queryBatch and queryGroups', async () => {
    const q = await client.query('docs', { prefetch: [{ query: [1, 0], limit: 3 }, { query: [0, 1], limit: 3 }], query: { fusion: 'rrf' }, limit: 2, with_payload: ['n'] });
    assert.deepEqual(q.points.map((p) => [p.id, p.payload]), [[3, { n: 3 }], [4, { n: 4 }]]);
    await raw('query_points', 'query', { prefetch: [{ query: [1, 0], limit: 3 }, { query: [0, 1], limit: 3 }], query: { fusion: 'rrf' }, limit: 2, with_payload: ['n'] });
    const batch = await client.queryBatch('docs', { searches: [{ query: 4, limit: 1 }, { query: { recommend: { positive: [4] } }, limit: 1 }] });
    assert.deepEqual(batch.map((r) => ids(r.points)), [[1], [1]]);
    await raw('query_batch_points', 'query/batch', { searches: [{ query: 4, limit: 1 }, { query: { context: { positive: 1, negative: 2 } }, limit: 1 }] });
    const groups = await client.queryGroups('docs', { query: [1, 0], group_by: 'g', group_size: 1, limit: 2, with_lookup: 'info' });
    assert.deepEqual(groups.groups.map((g) => [g.id, ids(g.hits), g.lookup?.id]), [[7, [4], 7], ['a', [1], undefined]]);
    await raw('query_points_groups', 'query/groups', { query: [1, 0], group_by: 'g', group_size: 1, limit: 2, with_lookup: 'info' });
  });
});
