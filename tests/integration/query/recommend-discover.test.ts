/**
 * Recommend (average_vector, best_score, sum_scores), discover, context and relevance feedback, each
 * against scores computed here from Qdrant's formulas, plus `lookup_from` and the legacy endpoints.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { assertRejected, assertScored, createDataset, dotOf, post, query, vectorOf } from './fixtures.js';

/** Qdrant `scaled_fast_sigmoid`. */
const sigmoid = (x: number): number => 0.5 * (x / (1 + Math.abs(x)) + 1);
const fastSigmoid = (x: number): number => x / (1 + Math.abs(x));
const EPS = 2 ** -23;

describe('query: recommend, discover, context, relevance feedback', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    await createDataset(app, 'dot', 'Dot');
    await createDataset(app, 'euc', 'Euclid');
    await app.request('PUT', '/collections/lk', { vectors: { other: { size: 2, distance: 'Dot' } } });
    await app.request('PUT', '/collections/lk/points?wait=true', { points: [{ id: 1, vector: { other: [0, 1] } }, { id: 2, vector: { other: [1, 0] } }] });
  });
  after(async () => {
    await app.destroy();
  });

  it('average_vector searches avg(pos) + (avg(pos) − avg(neg)), excluding the examples', async () => {
    // avg(pos) = avg([1,0],[0,1]) = [.5,.5]; avg(neg) = [-1,.5]; query = [2, .5].
    const q = [2, 0.5];
    const expected: Array<[number, number]> = [4, 3, 6].map((id) => [id, dotOf(q, vectorOf(id))]);
    assertScored(await query(app, 'dot', { query: { recommend: { positive: [1, 2], negative: [5] } } }), expected);
    assertScored(await query(app, 'dot', { query: { recommend: { positive: [1, 2], negative: [5], strategy: 'average_vector' } } }), expected);
    // Without negatives: just the average.
    assertScored(await query(app, 'dot', { query: { recommend: { positive: [[1, 0], [1, 2]] } }, limit: 2 }), [[3, 2], [4, 2]]);
    assert.deepEqual(await post(app, 'dot', 'recommend', { positive: [1, 2], negative: [5], limit: 10 }), (await post(app, 'dot', 'query', { query: { recommend: { positive: [1, 2], negative: [5] } } })).points);
  });

  it('best_score: sigmoid(max pos) if it beats max neg, else −sigmoid(max neg)', async () => {
    const best = (id: number): number => {
      const p = dotOf(vectorOf(1), vectorOf(id));
      const n = dotOf(vectorOf(2), vectorOf(id));
      return p > n ? sigmoid(p) : -sigmoid(n);
    };
    const expected: Array<[number, number]> = [[4, best(4)], [5, best(5)], [6, best(6)], [3, best(3)]];
    assertScored(await query(app, 'dot', { query: { recommend: { positive: [1], negative: [2], strategy: 'best_score' } } }), expected);
    assertScored(expected, [[4, 5 / 6], [5, -2 / 3], [6, -2 / 3], [3, -0.75]]);
    // Negatives only are allowed with best_score.
    const neg = await query(app, 'dot', { query: { recommend: { negative: [4], strategy: 'best_score' } }, limit: 1 });
    assertScored(neg, [[5, -sigmoid(-2)]]);
    // Custom scores use Qdrant's raw similarity: for Euclid, −(squared distance).
    const e = await query(app, 'euc', { query: { recommend: { positive: [[0, 0]], strategy: 'best_score' } }, limit: 2 });
    assertScored(e, [[6, sigmoid(-0.5)], [1, sigmoid(-1)]]);
  });

  it('sum_scores: Σ sim(positive) − Σ sim(negative)', async () => {
    const sum = (id: number): number => dotOf([1, 0], vectorOf(id)) + dotOf([0, 3], vectorOf(id)) - dotOf([0, 1], vectorOf(id));
    assertScored(await query(app, 'dot', { query: { recommend: { positive: [1, [0, 3]], negative: [2], strategy: 'sum_scores' } } }), [3, 4, 6, 5].map((id) => [id, sum(id)] as [number, number]));
  });

  it('discover: context rank (±1 per pair, 0 on a tie) plus sigmoid(sim to target)', async () => {
    const pairs = [
      { positive: 2, negative: 5 },
      { positive: [1, 0], negative: [0, 1] },
    ];
    const score = (id: number): number => {
      const v = vectorOf(id);
      const rank = Math.sign(dotOf(vectorOf(2), v) - dotOf(vectorOf(5), v)) + Math.sign(dotOf([1, 0], v) - dotOf([0, 1], v));
      return rank + sigmoid(dotOf([1, 0], v));
    };
    const got = await query(app, 'dot', { query: { discover: { target: [1, 0], context: pairs } } });
    assertScored(got, [4, 1, 3, 6].map((id) => [id, score(id)] as [number, number]));
    assertScored(got, [[4, 2 + 5 / 6], [1, 2.75], [3, 1.75], [6, 1 + 2 / 3]]);
    // The legacy endpoint answers the same.
    const legacy = await post(app, 'dot', 'discover', { target: [1, 0], context: pairs, limit: 10 });
    assert.deepEqual(legacy, (await post(app, 'dot', 'query', { query: { discover: { target: [1, 0], context: pairs } } })).points);
  });

  it('context: Σ fast_sigmoid(min(sim(pos) − sim(neg) − ε, 0))', async () => {
    const loss = (id: number): number => fastSigmoid(Math.min(dotOf([1, 0], vectorOf(id)) - dotOf([0, 1], vectorOf(id)) - EPS, 0));
    const got = await query(app, 'dot', { query: { context: { positive: [1, 0], negative: [0, 1] } } });
    assertScored(got, [1, 4, 3, 6, 2, 5].map((id) => [id, loss(id)] as [number, number]), 1e-6);
    assertScored(await query(app, 'dot', { query: { context: [{ positive: [1, 0], negative: [0, 1] }] }, limit: 2 }), [[1, 0], [4, 0]]);
    const legacy = await post(app, 'dot', 'discover', { context: [{ positive: [1, 0], negative: [0, 1] }], limit: 6 });
    assert.deepEqual(legacy.map((p: { id: number }) => p.id), got.map(([id]) => id));
  });

  it('relevance_feedback (naive): a·sim(target) + Σ (Δscore)^b · c · (sim(best) − sim(worst))', async () => {
    const body = {
      query: {
        relevance_feedback: {
          target: [1, 0],
          feedback: [
            { example: [1, 1], score: 0.1 },
            { example: [0, 1], score: 0.9 },
          ],
          strategy: { naive: { a: 1, b: 1, c: 1 } },
        },
      },
    };
    const partial = Math.fround(0.9 - 0.1);
    const score = (id: number): number => dotOf([1, 0], vectorOf(id)) + partial * (dotOf([0, 1], vectorOf(id)) - dotOf([1, 1], vectorOf(id)));
    assertScored(await query(app, 'dot', body), [[4, score(4)], [1, score(1)], [3, score(3)], [6, score(6)], [2, score(2)], [5, score(5)]], 1e-5);
  });

  it('looks ids up in another collection with lookup_from (not excluded), and names the missing parts', async () => {
    // Point 1 of `lk` is [0, 1] on vector `other`.
    const lookup = { collection: 'lk', vector: 'other' };
    const got = await query(app, 'dot', { query: { recommend: { positive: [1] } }, lookup_from: lookup });
    assertScored(got, [[2, 1], [3, 1], [5, 0.5], [6, 0.5], [1, 0], [4, 0]]);
    assertScored(await query(app, 'dot', { query: 2, lookup_from: lookup, limit: 2 }), [[4, 2], [1, 1]]);
    assert.deepEqual(await post(app, 'dot', 'recommend', { positive: [1], lookup_from: lookup, limit: 10 }), (await post(app, 'dot', 'query', { query: { recommend: { positive: [1] } }, lookup_from: lookup })).points);
    await assertRejected(app, 'dot', 'query', { query: { recommend: { positive: [1], negative: [9] } }, lookup_from: lookup }, 404, /^Not found: No point with id 9 found$/);
    await assertRejected(app, 'dot', 'query', { query: { recommend: { positive: [1] } }, lookup_from: { collection: 'lk', vector: 'nope' } }, 400, /Not existing vector name error: nope/);
    await assertRejected(app, 'dot', 'query', { query: { recommend: { positive: [1] } }, lookup_from: { collection: 'ghost' } }, 404, /ghost/);
    // In a nested prefetch too.
    const nested = await query(app, 'dot', { prefetch: [{ query: { recommend: { positive: [1] } }, lookup_from: lookup, limit: 2 }], query: { fusion: 'rrf' } });
    assertScored(nested, [[2, 0.5], [3, 1 / 3]]);
  });

  it('rejects recommend requests without examples, and unknown strategies', async () => {
    await assertRejected(app, 'dot', 'query', { query: { recommend: {} } }, 422, /At least one positive or negative/);
    await assertRejected(app, 'dot', 'query', { query: { recommend: { negative: [1] } } }, 422, /Positive vectors should not be empty with `average` strategy/);
    await assertRejected(app, 'dot', 'recommend', { positive: [], limit: 3 }, 400, /At least one positive vector ID required with this strategy/);
    await assertRejected(app, 'dot', 'recommend', { positive: [], negative: [], strategy: 'best_score', limit: 3 }, 400, /At least one positive or negative vector ID required/);
    await assertRejected(app, 'dot', 'discover', { limit: 3 }, 400, /target or at least one context pair/);
    await assertRejected(app, 'dot', 'recommend', { positive: [[1, 2, 3]], limit: 3 }, 400, /expected dim: 2, got 3/);
    const bad = await app.request('POST', '/collections/dot/points/query', { query: { recommend: { positive: [1], strategy: 'nope' } } });
    assert.equal(bad.status, 400, bad.text);
  });
});
