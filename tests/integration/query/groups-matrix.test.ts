/**
 * Groups (`…/query/groups` and the legacy `…/search/groups`, `…/recommend/groups`) with multi-valued
 * keys, integer and string ids, with_lookup; and the distance matrix (pairs and offsets).
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { assertRejected, createDataset, post } from './fixtures.js';

type Group = { id: string | number; hits: Array<{ id: number; score: number }>; lookup?: { id: number; payload: unknown; vector: unknown } };

const shape = (groups: Group[]): Array<[string | number, number[]]> => groups.map((g) => [g.id, g.hits.map((h) => h.id)]);

describe('query: groups and matrix', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await createDataset(app, 'dot', 'Dot');
    await createDataset(app, 'euc', 'Euclid');
    await app.request('PUT', '/collections/info', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('PUT', '/collections/info/points?wait=true', { points: [{ id: 7, vector: [0.5, 1], payload: { name: 'seven' } }] });
    await app.request('PUT', '/collections/line', { vectors: { size: 2, distance: 'Euclid' } });
    const xs = [0, 1, 3, 7, 15];
    await app.request('PUT', '/collections/line/points?wait=true', { points: xs.map((x, i) => ({ id: i + 1, vector: [x, 0], payload: { even: (i + 1) % 2 === 0 } })) });
  });
  after(async () => {
    await app.destroy();
  });

  it('groups by string and integer values, a point joining one group per array element', async () => {
    // [1, 0] scores: 4→2, 1→1, 3→1, 6→0.5, 2→0, 5→−1; g: 1 a, 2 b, 3 [a, b], 4 7, 5 a, 6 none.
    const r = await post(app, 'dot', 'query/groups', { query: [1, 0], group_by: 'g', group_size: 2, limit: 3 });
    assert.deepEqual(shape(r.groups), [[7, [4]], ['a', [1, 3]], ['b', [3, 2]]]);
    assert.deepEqual(r.groups[1].hits.map((h: { score: number }) => h.score), [1, 1]);
    assert.deepEqual(shape((await post(app, 'dot', 'query/groups', { query: [1, 0], group_by: 'g', limit: 2 })).groups), [[7, [4]], ['a', [1, 3, 5]]]);
    assert.deepEqual(shape((await post(app, 'dot', 'query/groups', { query: [1, 0], group_by: 'g', group_size: 1 })).groups), [[7, [4]], ['a', [1]], ['b', [3]]]);
    // A key nobody has: no groups. Distances rank groups by their smallest distance.
    assert.deepEqual((await post(app, 'dot', 'query/groups', { query: [1, 0], group_by: 'nope' })).groups, []);
    const e = await post(app, 'euc', 'query/groups', { query: [1, 1], group_by: 'g', group_size: 2 });
    assert.deepEqual(shape(e.groups), [['a', [3, 1]], ['b', [3, 2]], [7, [4]]]);
  });

  it('skips points whose key holds other types, and works with prefetches and filters', async () => {
    await app.request('PUT', '/collections/mixed', { vectors: { size: 2, distance: 'Dot' } });
    await app.request('PUT', '/collections/mixed/points?wait=true', {
      points: [
        { id: 1, vector: [1, 0], payload: { k: 1.5 } },
        { id: 2, vector: [0.9, 0], payload: { k: [true, 'x'] } },
        { id: 3, vector: [0.8, 0], payload: { k: 'x' } },
        { id: 4, vector: [0.7, 0], payload: { k: -3 } },
      ],
    });
    assert.deepEqual(shape((await post(app, 'mixed', 'query/groups', { query: [1, 0], group_by: 'k' })).groups), [['x', [3]], [-3, [4]]]);
    const fused = await post(app, 'dot', 'query/groups', { prefetch: [{ query: [1, 0] }, { query: [0, 1] }], query: { fusion: 'rrf' }, group_by: 'city', group_size: 1, filter: { must_not: [{ key: 'city', match: { value: 'Paris' } }] } });
    // RRF of [1, 3, 2, 5] and [2, 3, 5, 1] (Paris and the point without a city are filtered out): 2 > 1 > 3 > 5.
    assert.deepEqual(shape(fused.groups), [['London', [2]], ['Berlin', [1]]]);
  });

  it('attaches with_lookup records by group id', async () => {
    const r = await post(app, 'dot', 'query/groups', { query: [1, 0], group_by: 'g', group_size: 1, with_lookup: 'info' });
    assert.deepEqual(r.groups[0].lookup, { id: 7, payload: { name: 'seven' }, vector: null });
    assert.equal(r.groups[1].lookup, undefined);
    const full = await post(app, 'dot', 'query/groups', { query: [1, 0], group_by: 'g', group_size: 1, limit: 1, with_lookup: { collection: 'info', with_payload: false, with_vectors: true } });
    assert.deepEqual(full.groups[0].lookup, { id: 7, payload: null, vector: [0.5, 1] });
    await assertRejected(app, 'dot', 'query/groups', { query: [1, 0], group_by: 'g', with_lookup: 'ghost' }, 404, /ghost/);
  });

  it('serves the legacy groups endpoints', async () => {
    const s = await post(app, 'dot', 'search/groups', { vector: [1, 0], group_by: 'g', group_size: 2, limit: 3, with_payload: ['n'] });
    assert.deepEqual(shape(s.groups), [[7, [4]], ['a', [1, 3]], ['b', [3, 2]]]);
    assert.deepEqual(s.groups[0].hits[0].payload, { n: 4 });
    const rec = await post(app, 'dot', 'recommend/groups', { positive: [4], group_by: 'g', group_size: 2, limit: 2, with_lookup: 'info' });
    assert.deepEqual(shape(rec.groups), [['a', [1, 3]], ['b', [3, 2]]]);
  });

  it('computes the distance matrix as pairs and as offsets', async () => {
    // Points on a line at 0, 1, 3, 7, 15: each point's 2 nearest other points.
    const pairs = await post(app, 'line', 'search/matrix/pairs', { sample: 5, limit: 2 });
    assert.deepEqual(
      pairs.pairs.map((p: { a: number; b: number; score: number }) => [p.a, p.b, p.score]),
      [[1, 2, 1], [1, 3, 3], [2, 1, 1], [2, 3, 2], [3, 2, 2], [3, 1, 3], [4, 3, 4], [4, 2, 6], [5, 4, 8], [5, 3, 12]],
    );
    const offsets = await post(app, 'line', 'search/matrix/offsets', { sample: 5, limit: 2 });
    assert.deepEqual(offsets, {
      offsets_row: [0, 0, 1, 1, 2, 2, 3, 3, 4, 4],
      offsets_col: [1, 2, 0, 2, 1, 0, 2, 1, 3, 2],
      scores: [1, 3, 1, 2, 2, 3, 4, 6, 8, 12],
      ids: [1, 2, 3, 4, 5],
    });
    const even = await post(app, 'line', 'search/matrix/pairs', { filter: { must: [{ key: 'even', match: { value: true } }] } });
    assert.deepEqual(even.pairs, [{ a: 2, b: 4, score: 6 }, { a: 4, b: 2, score: 6 }]);
    assert.deepEqual(await post(app, 'line', 'search/matrix/pairs', { filter: { must: [{ has_id: [1] }] } }), { pairs: [] });
    assert.deepEqual(await post(app, 'line', 'search/matrix/offsets', { filter: { must: [{ has_id: [1] }] } }), { offsets_row: [], offsets_col: [], scores: [], ids: [] });
    // A sample smaller than the collection is random but the same for the same request.
    const a = await post(app, 'line', 'search/matrix/offsets', { sample: 3, limit: 1 });
    const b = await post(app, 'line', 'search/matrix/offsets', { sample: 3, limit: 1 });
    assert.deepEqual(a, b);
    assert.equal(a.ids.length, 3);
    assert.deepEqual([...a.ids].sort((x: number, y: number) => x - y), a.ids);
    await assertRejected(app, 'line', 'search/matrix/pairs', { using: 'nope' }, 400, /Not existing vector name error: nope/);
  });

  it('computes a large sample through nearest searches restricted to the sample', async () => {
    // 300 points at x = k² (k = id − 1): exact neighbours by brute force.
    const n = 300;
    await app.request('PUT', '/collections/squares', { vectors: { size: 1, distance: 'Euclid' } });
    const up = await app.request('PUT', '/collections/squares/points?wait=true', { points: Array.from({ length: n }, (_, k) => ({ id: k + 1, vector: [k * k] })) });
    assert.equal(up.status, 200, up.text);
    const expected = Array.from({ length: n }, (_, k) =>
      Array.from({ length: n }, (_, j) => j)
        .filter((j) => j !== k)
        .map((j) => ({ a: k + 1, b: j + 1, score: Math.abs(j * j - k * k) }))
        .sort((x, y) => x.score - y.score)
        .slice(0, 2),
    ).flat();
    const pairs = await post(app, 'squares', 'search/matrix/pairs', { sample: n, limit: 2 });
    assert.deepEqual(pairs.pairs, expected);
  });
});
