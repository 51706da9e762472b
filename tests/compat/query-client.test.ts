/**
 * Compatibility: every Query API variant through the official JS client (@qdrant/js-client-rest)
 * against a real listening Quiver, with each response body also fetched raw and validated strictly
 * against Qdrant's OpenAPI schema.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { QdrantClient } from '@qdrant/js-client-rest';
import { startChildServer, tempDir, removeDir, type ChildServer } from '../support/app.js';
import { assertResponseMatchesSpec } from '../support/openapi.js';

type Body = Record<string, unknown>;

describe('Query API through the official client', () => {
  let server: ChildServer;
  let client: QdrantClient;
  let dir: string;
  before(async () => {
    dir = tempDir('quiver-query-');
    server = await startChildServer(dir, { QDRANT__STORAGE__STORAGE_PATH: `${dir}/storage` });
    client = new QdrantClient({ url: server.url, checkCompatibility: false });
    await client.createCollection('docs', { vectors: { v: { size: 2, distance: 'Dot' } } });
    await client.upsert('docs', {
      wait: true,
      points: [
        { id: 1, vector: { v: [1, 0] }, payload: { n: 1, city: 'Berlin' } },
        { id: 2, vector: { v: [0, 1] }, payload: { n: 2, city: 'London' } },
        { id: 3, vector: { v: [1, 1] }, payload: { n: 3, city: 'Berlin' } },
        { id: 4, vector: { v: [2, 0] }, payload: { n: 4, city: 'Paris' } },
        { id: '5a1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a05', vector: { v: [-1, 0.5] }, payload: { n: 5, city: 'London' } },
      ],
    });
    await client.createPayloadIndex('docs', { field_name: 'n', field_schema: 'integer', wait: true });
    await client.createCollection('lk', { vectors: { other: { size: 2, distance: 'Dot' } } });
    await client.upsert('lk', { wait: true, points: [{ id: 1, vector: { other: [0, 1] } }] });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  /** Runs `body` through the client and raw (the same answer unless `same` is false); checks the raw body strictly; returns the client's `[id, score]`s. */
  async function both(body: Body, collection = 'docs', same = true): Promise<Array<[string | number, number]>> {
    const viaClient = await client.query(collection, body);
    const r = await fetch(`${server.url}/collections/${collection}/points/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const json = (await r.json()) as any;
    assertResponseMatchesSpec('query_points', r.status, json, { strict: true });
    if (same) assert.deepEqual(json.result.points, viaClient.points);
    return viaClient.points.map((p) => [p.id, p.score]);
  }

  it('nearest: by vector, by id, with mmr, params, threshold and offset', async () => {
    assert.deepEqual(await both({ query: [1, 2], using: 'v', limit: 2 }), [[3, 3], [2, 2]]);
    assert.deepEqual(await both({ query: { nearest: 4 }, using: 'v', limit: 2 }), [[1, 2], [3, 2]]);
    assert.deepEqual(await both({ query: { nearest: [1, 0], mmr: { diversity: 0.6, candidates_limit: 5 } }, using: 'v', limit: 2 }), [[4, 2], ['5a1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a05', -1]]);
    assert.deepEqual(await both({ query: [1, 2], using: 'v', params: { exact: true, hnsw_ef: 64 }, score_threshold: 2, offset: 1 }), [[2, 2], [4, 2]]);
  });

  it('recommend, discover, context and relevance feedback', async () => {
    // avg([1,0],[0,1]) · 2 − [2,0] = [−1, 1]: only 3 and 5 remain once the examples are excluded.
    assert.deepEqual(await both({ query: { recommend: { positive: [1, 2], negative: [4], strategy: 'average_vector' } }, using: 'v', limit: 1 }), [['5a1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a05', 1.5]]);
    const best = await both({ query: { recommend: { positive: [1], strategy: 'best_score' } }, using: 'v', limit: 1 });
    assert.equal(best[0]![0], 4);
    assert.ok(Math.abs(best[0]![1] - 5 / 6) < 1e-6);
    assert.deepEqual(await both({ query: { recommend: { positive: [[1, 0]], negative: [[0, 1]], strategy: 'sum_scores' } }, using: 'v', limit: 1 }), [[4, 2]]);
    assert.equal((await both({ query: { discover: { target: [1, 0], context: [{ positive: [1, 0], negative: [0, 1] }] } }, using: 'v', limit: 1 }))[0]![0], 4);
    assert.deepEqual(await both({ query: { context: [{ positive: [1, 0], negative: [0, 1] }] }, using: 'v', limit: 2 }), [[1, 0], [4, 0]]);
    const fb = await both({ query: { relevance_feedback: { target: [1, 0], feedback: [{ example: 2, score: 1 }, { example: 4, score: 0 }], strategy: { naive: { a: 1, b: 1, c: 1 } } } }, using: 'v', limit: 1 });
    // 1·sim(target) + 1·(sim([0,1]) − sim([2,0])), examples 2 and 4 excluded: [−1, .5] → −1 + (.5 + 2) = 1.5.
    assert.deepEqual(fb, [['5a1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a05', 1.5]]);
  });

  it('prefetch with rrf / dbsf / formula / order_by / sample, and lookup_from', async () => {
    const pf = [{ query: [1, 0], using: 'v', limit: 3 }, { query: [0, 1], using: 'v', limit: 3 }];
    assert.deepEqual((await both({ prefetch: pf, query: { fusion: 'rrf' }, limit: 2 })).map(([id]) => id), [3, 4]);
    assert.deepEqual((await both({ prefetch: pf, query: { rrf: { k: 10, weights: [1, 2] } }, limit: 1 })).map(([id]) => id), [3]);
    assert.equal((await both({ prefetch: pf, query: { fusion: 'dbsf' }, limit: 1 }))[0]![0], 3);
    const formula = await both({ prefetch: { query: [1, 0], using: 'v' }, query: { formula: { sum: ['$score', { mult: [0.1, 'n'] }] } }, limit: 2 });
    assert.deepEqual(formula.map(([id]) => id), [4, 3]);
    assert.ok(Math.abs(formula[0]![1] - 2.4) < 1e-5);
    const ordered = await client.query('docs', { query: { order_by: { key: 'n', direction: 'desc' } }, limit: 2 });
    assert.deepEqual(ordered.points.map((p) => [p.id, p.order_value]), [['5a1c6a04-3a43-4d0e-b3a5-6a0a7e0f0a05', 5], [4, 4]]);
    await both({ query: { order_by: { key: 'n', start_from: 2 } }, limit: 2 });
    assert.equal((await both({ query: { sample: 'random' }, limit: 3 }, 'docs', false)).length, 3);
    assert.deepEqual(await both({ query: { recommend: { positive: [1] } }, using: 'v', lookup_from: { collection: 'lk', vector: 'other' }, limit: 2 }), [[2, 1], [3, 1]]);
  });

  it('batch and groups through the client, and shard keys', async () => {
    const batch = await client.queryBatch('docs', { searches: [{ query: [1, 0], using: 'v', limit: 1 }, { query: { order_by: 'n' }, limit: 1 }] });
    assert.deepEqual(batch.map((b) => b.points.map((p) => p.id)), [[4], [1]]);
    const groups = await client.queryGroups('docs', { query: [1, 0], using: 'v', group_by: 'city', group_size: 2, limit: 2, with_payload: true });
    assert.deepEqual(groups.groups.map((g) => [g.id, g.hits.map((h) => h.id)]), [['Paris', [4]], ['Berlin', [1, 3]]]);
    const r = await fetch(`${server.url}/collections/docs/points/query/groups`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [1, 0], using: 'v', group_by: 'city' }) });
    assertResponseMatchesSpec('query_points_groups', r.status, await r.json(), { strict: true });

    await client.createCollection('sk', { vectors: { size: 2, distance: 'Dot' }, sharding_method: 'custom' });
    await client.createShardKey('sk', { shard_key: 'eu' });
    await client.createShardKey('sk', { shard_key: 'us' });
    await client.upsert('sk', { wait: true, shard_key: 'eu', points: [{ id: 1, vector: [1, 0] }] });
    await client.upsert('sk', { wait: true, shard_key: 'us', points: [{ id: 2, vector: [2, 0] }] });
    const eu = await client.query('sk', { query: [1, 0], shard_key: 'eu' });
    assert.deepEqual(eu.points.map((p) => [p.id, p.shard_key]), [[1, 'eu']]);
    assert.deepEqual((await both({ query: [1, 0] }, 'sk')).map(([id]) => id), [2, 1]);
    const missing = await fetch(`${server.url}/collections/sk/points/query`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: [1, 0], shard_key: 'asia' }) });
    assert.equal(missing.status, 404);
  });
});
