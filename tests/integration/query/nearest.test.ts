/**
 * `POST …/points/query` with nearest queries: every metric against hand-computed scores, by vector and
 * by point id, named / sparse (with and without IDF) / multi vectors, filters, thresholds, paging,
 * params, selectors, the id-ordered scroll without a query, and bad input.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { assertRejected, assertScored, createDataset, post, query } from './fixtures.js';

const S2 = Math.SQRT2;

describe('query: nearest', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await createDataset(app, 'dot', 'Dot');
    await createDataset(app, 'cos', 'Cosine');
    await createDataset(app, 'euc', 'Euclid');
    await createDataset(app, 'man', 'Manhattan');
  });
  after(async () => {
    await app.destroy();
  });

  it('scores Dot, Cosine, Euclid and Manhattan as Qdrant reports them', async () => {
    // Dot with [1, 2]: 1→1, 2→2, 3→3, 4→2, 5→0, 6→1.5 (ties by insertion).
    assertScored(await query(app, 'dot', { query: [1, 2] }), [[3, 3], [2, 2], [4, 2], [6, 1.5], [1, 1], [5, 0]]);
    // Cosine: both sides unit length; 3 and 6 point the same way.
    const q = Math.sqrt(5);
    assertScored(await query(app, 'cos', { query: [1, 2], limit: 4 }), [[3, 3 / (q * S2)], [6, 3 / (q * S2)], [2, 2 / q], [1, 1 / q]]);
    // Euclid from [1, 1]: distances ascending.
    assertScored(await query(app, 'euc', { query: [1, 1] }), [[3, 0], [6, Math.sqrt(0.5)], [1, 1], [2, 1], [4, S2], [5, Math.sqrt(4.25)]]);
    // Manhattan from [1, 1].
    assertScored(await query(app, 'man', { query: [1, 1] }), [[3, 0], [1, 1], [2, 1], [6, 1], [4, 2], [5, 2.5]]);
    // `{nearest: …}` is the same query.
    assertScored(await query(app, 'dot', { query: { nearest: [1, 2] }, limit: 2 }), [[3, 3], [2, 2]]);
  });

  it('queries by point id, excluding that point, as Qdrant does', async () => {
    // Point 4 is [2, 0]: Dot 1→2, 3→2, 6→1, 2→0, 5→-2.
    assertScored(await query(app, 'dot', { query: 4 }), [[1, 2], [3, 2], [6, 1], [2, 0], [5, -2]]);
    assertScored(await query(app, 'dot', { query: { nearest: 4 }, limit: 1 }), [[1, 2]]);
    await assertRejected(app, 'dot', 'query', { query: 99 }, 404, /No point with id 99 found/);
  });

  it('applies filters, score_threshold (a maximum for distances), offset and limit', async () => {
    const berlin = { must: [{ key: 'city', match: { value: 'Berlin' } }] };
    assertScored(await query(app, 'dot', { query: [1, 2], filter: berlin }), [[3, 3], [1, 1]]);
    assertScored(await query(app, 'dot', { query: [1, 2], score_threshold: 1.5 }), [[3, 3], [2, 2], [4, 2], [6, 1.5]]);
    assertScored(await query(app, 'euc', { query: [1, 1], score_threshold: 1 }), [[3, 0], [6, Math.sqrt(0.5)], [1, 1], [2, 1]]);
    assertScored(await query(app, 'dot', { query: [1, 2], offset: 2, limit: 2 }), [[4, 2], [6, 1.5]]);
    assertScored(await query(app, 'dot', { query: [1, 2], offset: 10 }), []);
  });

  it('accepts search params (exact, hnsw_ef, indexed_only) with the same exact answer', async () => {
    const exact = await query(app, 'dot', { query: [1, 2], params: { exact: true } });
    assertScored(exact, [[3, 3], [2, 2], [4, 2], [6, 1.5], [1, 1], [5, 0]]);
    assertScored(await query(app, 'dot', { query: [1, 2], params: { hnsw_ef: 128, exact: false, quantization: { ignore: true } } }), exact);
    assertScored(await query(app, 'dot', { query: [1, 2], params: { indexed_only: false } }), exact);
  });

  it('returns payload and vectors as selected, and scrolls in id order without a query', async () => {
    const r = await post(app, 'dot', 'query', { query: [1, 2], limit: 1, with_payload: ['city'], with_vector: true });
    assert.deepEqual(r.points, [{ id: 3, version: 1, score: 3, payload: { city: 'Berlin' }, vector: [1, 1] }]);
    const bare = await post(app, 'dot', 'query', { query: [1, 2], limit: 1 });
    assert.deepEqual(bare.points[0], { id: 3, version: 1, score: 3, payload: null, vector: null });
    // No query: points by id, as Qdrant's scroll source (score 1, version 0).
    const s = await post(app, 'dot', 'query', { limit: 3, offset: 1, with_payload: { include: ['n'] } });
    assert.deepEqual(s.points, [
      { id: 2, version: 0, score: 1, payload: { n: 2 }, vector: null },
      { id: 3, version: 0, score: 1, payload: { n: 3 }, vector: null },
      { id: 4, version: 0, score: 1, payload: { n: 4 }, vector: null },
    ]);
  });

  it('scores sparse vectors by dot over shared indices, weighted by IDF when configured', async () => {
    await app.request('PUT', '/collections/sp', { sparse_vectors: { plain: {}, idf: { modifier: 'idf' } } });
    const docs = [
      { indices: [1, 2], values: [1, 1] },
      { indices: [2], values: [2] },
      { indices: [3], values: [1] },
      { indices: [1], values: [1] },
    ];
    const up = await app.request('PUT', '/collections/sp/points?wait=true', { points: docs.map((d, i) => ({ id: i + 1, vector: { plain: d, idf: d } })) });
    assert.equal(up.status, 200, up.text);
    const q = { indices: [3, 2], values: [1, 1] };
    assertScored(await query(app, 'sp', { query: q, using: 'plain', limit: 3 }), [[2, 2], [1, 1], [3, 1]]);
    // N = 4; dimension 2 is in 2 vectors, dimension 3 in 1: idf = ln((N − n + 0.5) / (n + 0.5) + 1).
    const idf = (n: number): number => Math.log((4 - n + 0.5) / (n + 0.5) + 1);
    assertScored(await query(app, 'sp', { query: q, using: 'idf', limit: 3 }), [[2, 2 * idf(2)], [3, idf(1)], [1, idf(2)]]);
    // The legacy search endpoint takes a named sparse vector.
    const legacy = await post(app, 'sp', 'search', { vector: { name: 'idf', vector: q }, limit: 1 });
    assert.equal(legacy[0].id, 2);
    assert.ok(Math.abs(legacy[0].score - 2 * idf(2)) < 1e-5);
  });

  it('scores multivectors by MaxSim and named dense vectors through `using`', async () => {
    await app.request('PUT', '/collections/mv', {
      vectors: { m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } }, d: { size: 2, distance: 'Euclid' } },
    });
    await app.request('PUT', '/collections/mv/points?wait=true', {
      points: [
        { id: 1, vector: { m: [[1, 0], [0, 1]], d: [0, 0] } },
        { id: 2, vector: { m: [[2, 2]], d: [3, 4] } },
        { id: 3, vector: { m: [[1, 1], [-1, 0]], d: [1, 0] } },
      ],
    });
    // For each query row the best document row, summed.
    assertScored(await query(app, 'mv', { query: [[1, 0], [0, 1]], using: 'm' }), [[2, 4], [1, 2], [3, 2]]);
    assertScored(await query(app, 'mv', { query: [[0, 1]], using: 'm' }), [[2, 2], [1, 1], [3, 1]]);
    assertScored(await query(app, 'mv', { query: [0, 0], using: 'd' }), [[1, 0], [3, 1], [2, 5]]);
  });

  it('answers bad input with 400 naming the problem, never 500', async () => {
    await assertRejected(app, 'dot', 'query', { query: [1, 2, 3] }, 400, /dimension error: expected dim: 2, got 3/);
    await assertRejected(app, 'dot', 'query', { query: [1, 2], using: 'nope' }, 400, /Not existing vector name error: nope/);
    await assertRejected(app, 'dot', 'query', { query: { indices: [1], values: [1] } }, 400, /default vector/);
    await assertRejected(app, 'sp', 'query', { query: [1, 2], using: 'plain' }, 400, /sparse/);
    await assertRejected(app, 'dot', 'query', { score_threshold: 1 }, 400, /A query is needed to use the score_threshold/);
    await assertRejected(app, 'dot', 'query', { prefetch: { query: [1, 0] } }, 400, /A query is needed to merge the prefetches/);
    await assertRejected(app, 'dot', 'query', { query: { fusion: 'rrf' } }, 400, /cannot apply Fusion without prefetches/);
    await assertRejected(app, 'dot', 'query', { query: { formula: 1 } }, 400, /cannot apply Formula without prefetches/);
    await assertRejected(app, 'dot', 'query', { prefetch: [{ query: [1, 0] }], query: { fusion: 'rrf' }, using: 'x' }, 400, /Fusion queries cannot be combined with the 'using' field/);
    await assertRejected(app, 'dot', 'query', { query: { nearest: { text: 'hello', model: 'm' } } }, 400, /not supported/);
    await assertRejected(app, 'dot', 'query', { query: { order_by: 'n' } }, 400, /No range index for `order_by` key: `n`/);
    const missing = await app.request('POST', '/collections/nope/points/query', { query: [1, 2] });
    assert.equal(missing.status, 404);
  });
});
