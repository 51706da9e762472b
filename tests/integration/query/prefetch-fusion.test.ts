/**
 * Prefetch trees (depth 2 and 3, filter propagation, rescoring), RRF and DBSF against fused scores
 * computed here from Qdrant's formulas, order_by, sample, MMR, and batches.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { assertRejected, assertScored, createDataset, post, query } from './fixtures.js';

type Scored = Array<[number | string, number]>;

/** Qdrant RRF: Σ 1 / ((position + 1) / weight + k − 1), ties in first-seen order. */
function rrfExpected(lists: Scored[], k = 2, weights?: number[]): Scored {
  const fused = new Map<number | string, number>();
  lists.forEach((list, s) => list.forEach(([id], pos) => fused.set(id, (fused.get(id) ?? 0) + 1 / ((pos + 1) / (weights?.[s] ?? 1) + k - 1))));
  return [...fused.entries()].map((e, i) => ({ e, i })).sort((a, b) => b.e[1] - a.e[1] || a.i - b.i).map((x) => x.e);
}

/** Qdrant DBSF: each list normalised by mean ± 3 sample standard deviations, then summed. */
function dbsfExpected(lists: Scored[]): Scored {
  const fused = new Map<number | string, number>();
  for (const list of lists) {
    const scores = list.map(([, s]) => s);
    const mean = scores.reduce((a, b) => a + b, 0) / scores.length;
    const std = Math.sqrt(scores.reduce((a, s) => a + (s - mean) ** 2, 0) / (scores.length - 1));
    const [lo, hi] = [mean - 3 * std, mean + 3 * std];
    for (const [id, s] of list) fused.set(id, (fused.get(id) ?? 0) + (list.length < 2 || lo === hi ? 0.5 : (s - lo) / (hi - lo)));
  }
  return [...fused.entries()].map((e, i) => ({ e, i })).sort((a, b) => b.e[1] - a.e[1] || a.i - b.i).map((x) => x.e);
}

describe('query: prefetch, fusion, order_by, sample, mmr', () => {
  let app: TestApp;
  const A = { query: [1, 0], limit: 3 };
  const B = { query: [0, 1], limit: 3 };
  before(async () => {
    app = await startTestApp();
    await createDataset(app, 'dot', 'Dot');
    await createDataset(app, 'ob', 'Dot');
    const idx = await app.request('PUT', '/collections/ob/index?wait=true', { field_name: 'n', field_schema: 'integer' });
    assert.equal(idx.status, 200, idx.text);
  });
  after(async () => {
    await app.destroy();
  });

  it('fuses prefetches with RRF (k = 2 by default, custom k, weights)', async () => {
    const a = await query(app, 'dot', A);
    const b = await query(app, 'dot', B);
    assertScored(a, [[4, 2], [1, 1], [3, 1]]);
    assertScored(b, [[2, 1], [3, 1], [5, 0.5]]);
    const rrf = await query(app, 'dot', { prefetch: [A, B], query: { fusion: 'rrf' } });
    assertScored(rrf, rrfExpected([a, b]));
    assertScored(rrf, [[3, 1 / 4 + 1 / 3], [4, 0.5], [2, 0.5], [1, 1 / 3], [5, 0.25]]);
    assertScored(await query(app, 'dot', { prefetch: [A, B], query: { rrf: { k: 5 } } }), rrfExpected([a, b], 5));
    assertScored(await query(app, 'dot', { prefetch: [A, B], query: { rrf: { weights: [3, 1] } } }), rrfExpected([a, b], 2, [3, 1]));
    // score_threshold cuts the fused list; limit and offset apply after fusion.
    assertScored(await query(app, 'dot', { prefetch: [A, B], query: { fusion: 'rrf' }, score_threshold: 0.5 }), [[3, 1 / 4 + 1 / 3], [4, 0.5], [2, 0.5]]);
    assertScored(await query(app, 'dot', { prefetch: [A, B], query: { fusion: 'rrf' }, limit: 2, offset: 1 }), [[4, 0.5], [2, 0.5]]);
    await assertRejected(app, 'dot', 'query', { prefetch: [A, B], query: { rrf: { weights: [1] } } }, 422, /Number of weights in RRF should match number of pre-fetches: got 1, expected 2/);
  });

  it('fuses prefetches with DBSF (mean ± 3σ normalisation, summed)', async () => {
    const a = await query(app, 'dot', { query: [1, 0], limit: 4 });
    const b = await query(app, 'dot', { query: [-1, 1], limit: 4 });
    const got = await query(app, 'dot', { prefetch: [{ query: [1, 0], limit: 4 }, { query: [-1, 1], limit: 4 }], query: { fusion: 'dbsf' } });
    assertScored(got, dbsfExpected([a, b]));
    // A single-point list normalises to 0.5.
    assertScored(await query(app, 'dot', { prefetch: [{ query: [1, 0], limit: 1 }], query: { fusion: 'dbsf' } }), [[4, 0.5]]);
  });

  it('rescores prefetched points only, at depth 2 and 3, with filters merged into every prefetch', async () => {
    // Depth 2: nearest [1, 1] over the RRF of A and B (top 4: 3, 4, 2, 1 — point 6 never reaches it).
    const depth2 = { prefetch: { prefetch: [A, B], query: { fusion: 'rrf' }, limit: 4 }, query: [1, 1] };
    assertScored(await query(app, 'dot', depth2), [[3, 2], [4, 2], [1, 1], [2, 1]]);
    // Depth 3: a formula over depth 2's result, which itself rescored an RRF.
    const depth3 = { prefetch: { ...depth2, limit: 3 }, query: { formula: { mult: ['$score', 10] } } };
    assertScored(await query(app, 'dot', depth3), [[3, 20], [4, 20], [1, 10]]);
    // The root filter reaches every leaf: only London points (2 and 5) are fetched.
    const london = { must: [{ key: 'city', match: { value: 'London' } }] };
    assertScored(await query(app, 'dot', { prefetch: [A, B], query: { fusion: 'rrf' }, filter: london }), [[2, 1], [5, 2 / 3]]);
    // A prefetch's own filter adds to the inherited one.
    const berlin = { must: [{ key: 'city', match: { value: 'Berlin' } }] };
    const n3 = { must: [{ key: 'n', range: { gte: 3 } }] };
    assertScored(await query(app, 'dot', { prefetch: [{ ...A, filter: berlin }], query: [1, 1], filter: n3 }), [[3, 2]]);
    // Ids referenced anywhere in the tree are excluded everywhere.
    assertScored(await query(app, 'dot', { prefetch: [{ query: 4, limit: 2 }], query: [0, 1] }), [[3, 1], [1, 0]]);
    // A rescoring threshold applies to the rescored scores.
    assertScored(await query(app, 'dot', { prefetch: [A, B], query: [1, 1], score_threshold: 1.5 }), [[3, 2], [4, 2]]);
  });

  it('answers a root query and the same query over a whole-collection prefetch identically (Qdrant test_query)', async () => {
    for (const q of [[1, 2], { recommend: { positive: [1, 2], negative: [5] } }, { discover: { target: 2, context: [{ positive: 3, negative: 4 }] } }, { recommend: { positive: [1], negative: [2], strategy: 'best_score' } }]) {
      const root = await post(app, 'dot', 'query', { query: q, with_payload: true });
      const nested = await post(app, 'dot', 'query', { prefetch: { limit: 1000 }, query: q, with_payload: true });
      assert.deepEqual(root.points, nested.points, JSON.stringify(q));
    }
  });

  it('rescores with formulas: $score, payload variables, conditions, defaults and arithmetic', async () => {
    const all = { query: [1, 0], limit: 10 };
    // [1, 0] scores: 1→1, 2→0, 3→1, 4→2, 5→−1, 6→0.5; n is 1…5 (6 has none).
    const formula = { sum: ['$score', { mult: [0.5, 'n'] }, { mult: [10, { key: 'city', match: { value: 'London' } }] }] };
    await assertRejected(app, 'dot', 'query', { prefetch: all, query: { formula } }, 400, /No value found in a payload nor defaults/);
    const got = await query(app, 'dot', { prefetch: all, query: { formula, defaults: { n: 0 } } });
    assertScored(got, [[5, -1 + 2.5 + 10], [2, 0 + 1 + 10], [4, 2 + 2], [3, 1 + 1.5], [1, 1 + 0.5], [6, 0.5]]);
    // $score[i] reads prefetch i; a point missing from a prefetch gets its default (else 0).
    const two = await query(app, 'dot', { prefetch: [{ query: [1, 0], limit: 2 }, { query: [0, 1], limit: 2 }], query: { formula: { sum: ['$score[0]', { mult: [100, '$score[1]'] }] }, defaults: { '$score[1]': 7 } } });
    // prefetch 0 = [4 (2), 1 (1)], prefetch 1 = [2 (1), 3 (1)].
    assertScored(two, [[4, 2 + 700], [1, 1 + 700], [2, 0 + 100], [3, 0 + 100]]);
    // Arithmetic on n, over points 1…4.
    const some = { query: [1, 1], limit: 4, filter: { must: [{ key: 'n', range: { lte: 4 } }] } };
    const expr = {
      sum: [
        { pow: { base: 'n', exponent: 2 } },
        { sqrt: 'n' },
        { abs: { neg: 'n' } },
        { ln: 'n' },
        { log10: 'n' },
        { exp: 0 },
        { div: { left: 'n', right: { sum: ['n', -2] }, by_zero_default: 100 } },
      ],
    };
    const f = (n: number): number => n ** 2 + Math.sqrt(n) + n + Math.log(n) + Math.log10(n) + 1 + (n === 2 ? 100 : n / (n - 2));
    const arith = await query(app, 'dot', { prefetch: some, query: { formula: expr } });
    assertScored(arith, [2, 4, 3, 1].map((id) => [id, f(id)] as [number, number]), 1e-4);
    await assertRejected(app, 'dot', 'query', { prefetch: some, query: { formula: { ln: { sum: ['n', -1] } } } }, 400, /non-finite/);
  });

  it('evaluates decays, geo distance and datetimes in formulas', async () => {
    const pts = { query: [1, 1], limit: 5, filter: { must: [{ key: 'n', range: { gte: 1 } }] } };
    const decays = { sum: [{ exp_decay: { x: 'n', target: 3, scale: 2 } }, { gauss_decay: { x: 'n', target: 3, scale: 2, midpoint: 0.5 } }, { lin_decay: { x: 'n', target: 3, scale: 2 } }] };
    const d = (n: number): number => Math.exp((Math.log(0.5) / 2) * Math.abs(n - 3)) + Math.exp((Math.log(0.5) / 4) * (n - 3) ** 2) + Math.max(0, 1 - 0.25 * Math.abs(n - 3));
    assertScored(await query(app, 'dot', { prefetch: pts, query: { formula: decays } }), [3, 2, 4, 1, 5].map((id) => [id, d(id)] as [number, number]), 1e-5);
    // Haversine meters from Berlin.
    const hav = (lat1: number, lon1: number, lat2: number, lon2: number): number => {
      const r = (x: number): number => (x * Math.PI) / 180;
      const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
      return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
    };
    const geo = await query(app, 'dot', { prefetch: pts, query: { formula: { neg: { geo_distance: { origin: { lat: 52.52, lon: 13.405 }, to: 'loc' } } } } });
    assert.deepEqual(geo.map(([id]) => id), [1, 3, 2, 4, 5]);
    assert.ok(Math.abs(geo[1]![1] + hav(52.52, 13.405, 48.8566, 2.3522)) < 1);
    // Datetimes are seconds since the epoch.
    const since = await query(app, 'dot', { prefetch: pts, query: { formula: { sum: [{ datetime_key: 'ts' }, { neg: { datetime: '2024-01-01T00:00:00Z' } }] } } });
    assertScored(since, [[4, 86400], [3, 3600], [2, 60], [1, 10], [5, 0]]);
  });

  it('orders by a range-indexed payload field, at the root and over prefetches', async () => {
    const desc = await post(app, 'ob', 'query', { query: { order_by: { key: 'n', direction: 'desc' } }, limit: 3 });
    assert.deepEqual(desc.points.map((p: any) => [p.id, p.order_value, p.score, p.version]), [[5, 5, 1, 0], [4, 4, 1, 0], [3, 3, 1, 0]]);
    const from = await post(app, 'ob', 'query', { query: { order_by: { key: 'n', direction: 'desc', start_from: 3 } } });
    assert.deepEqual(from.points.map((p: any) => p.id), [3, 2, 1]);
    const asc = await post(app, 'ob', 'query', { query: { order_by: 'n' } });
    assert.deepEqual(asc.points.map((p: any) => p.id), [1, 2, 3, 4, 5]);
    const over = await post(app, 'ob', 'query', { prefetch: A, query: { order_by: 'n' } });
    assert.deepEqual(over.points.map((p: any) => [p.id, p.order_value]), [[1, 1], [3, 3], [4, 4]]);
    await assertRejected(app, 'ob', 'query', { query: { order_by: 'n' }, score_threshold: 1 }, 400, /Can't use score_threshold with an order_by query/);
  });

  it('samples random points, from the collection or from prefetches', async () => {
    const r = await post(app, 'dot', 'query', { query: { sample: 'random' }, limit: 3 });
    assert.equal(new Set(r.points.map((p: any) => p.id)).size, 3);
    for (const p of r.points) assert.deepEqual([p.score, p.version], [1, 0]);
    // Without prefetches the offset is ignored, as in Qdrant.
    assert.equal((await post(app, 'dot', 'query', { query: { sample: 'random' }, limit: 6, offset: 3 })).points.length, 6);
    const over = await post(app, 'dot', 'query', { prefetch: { query: [1, 0], limit: 2 }, query: { sample: 'random' } });
    assert.deepEqual(over.points.map((p: any) => p.id).sort(), [1, 4]);
  });

  it('re-ranks nearest results with MMR (score = raw relevance, in pick order)', async () => {
    // λ = 1 − 0.6: picks 4 (most relevant), then 5 (least similar to 4), then 2.
    const mmr = { nearest: [1, 0], mmr: { diversity: 0.6, candidates_limit: 6 } };
    assertScored(await query(app, 'dot', { query: mmr, limit: 3 }), [[4, 2], [5, -1], [2, 0]]);
    assertScored(await query(app, 'dot', { prefetch: { limit: 100 }, query: mmr, limit: 3 }), [[4, 2], [5, -1], [2, 0]]);
    // diversity 0: pure relevance.
    assertScored(await query(app, 'dot', { query: { nearest: [1, 0], mmr: { diversity: 0 } }, limit: 2 }), [[4, 2], [1, 1]]);
  });

  it('answers batches request by request', async () => {
    const r = await post(app, 'dot', 'query/batch', { searches: [{ query: [1, 2], limit: 1 }, { prefetch: [A, B], query: { fusion: 'rrf' }, limit: 1 }, { limit: 1 }] });
    assert.deepEqual(r.map((x: any) => x.points.map((p: any) => p.id)), [[3], [3], [1]]);
    await assertRejected(app, 'dot', 'query/batch', { searches: [{ query: [1, 2] }, { query: [1] }] }, 400, /dimension/);
  });
});
