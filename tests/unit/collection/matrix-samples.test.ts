/**
 * The distance matrix over the parts of a collection (distributed mode): each part's sample (`matrixSample`),
 * combined (`combineSamples`) and scored on one node (`matrixOfSample`), gives the matrix a single collection holding
 * every point computes when the sample covers every point; and the combined sample is a uniform sample of the union.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { distanceMatrix } from '../../../src/collection/query/run.js';
import { combineSamples, matrixOfSample, matrixSample, type MatrixSample } from '../../../src/collection/query/matrix.js';
import { seededRandom } from '../../../src/collection/query/sample.js';
import type { MatrixRequest } from '../../../src/collection/query/types.js';
import { config, openCollection, upsert, type Opened } from './helpers.js';

const vectorOf = (id: number): number[] => [Math.sin(id) + 1.2, Math.cos(id * 0.5) + 1.2, (id % 7) / 3 + 0.1];

async function holding(ids: readonly number[]): Promise<Opened> {
  const o = openCollection(config({ distance: 'Cosine' }));
  await o.c.update([upsert(ids.map((id) => ({ id, vector: vectorOf(id), payload: { odd: id % 2 === 1 } })))], true);
  return o;
}

const request = (sample: number, limit: number): MatrixRequest => ({ sample, limit, filter: undefined, using: '', shardKeys: undefined, seed: 'seed' });

void describe('distance matrix over the parts of a collection', () => {
  void it('samples of two parts, combined and scored on one node, give the whole collection\'s matrix when the sample covers every point', async () => {
    const ids = Array.from({ length: 12 }, (_, i) => i + 1);
    const [whole, left, right] = await Promise.all([holding(ids), holding(ids.filter((id) => id % 3 === 0)), holding(ids.filter((id) => id % 3 !== 0))]);
    try {
      const req = request(20, 3);
      const parts = [left, right].map((o) => matrixSample({ c: o.c, resolve: () => o.c, shardKeys: undefined }, req));
      assert.deepEqual(parts.map((p) => p.count), [4, 8]);
      const combined = combineSamples(parts, req.sample, seededRandom(7));
      assert.equal(combined.length, 12);
      const want = distanceMatrix({ c: whole.c, resolve: () => whole.c }, req);
      const got = matrixOfSample(left.c, req, combined);
      assert.deepEqual(got.ids, want.ids);
      assert.deepEqual(got.rows.map((r) => r.map((x) => x.col)), want.rows.map((r) => r.map((x) => x.col)));
      got.rows.forEach((r, i) => r.forEach((x, j) => assert.ok(Math.abs(x.score - want.rows[i]![j]!.score) < 1e-6)));
    } finally {
      await Promise.all([whole, left, right].map((o) => o.close()));
    }
  });

  void it('draws from each part in proportion to its points: a uniform sample of the union, without repeats', () => {
    // Part A holds 90 points, part B 10; each lists a random prefix of 10. A uniform sample of 10 out of 100 takes
    // on average 1 point of B (hypergeometric mean 10 × 10 / 100).
    const listed = (first: number, n: number): MatrixSample['points'] => Array.from({ length: n }, (_, i) => ({ id: first + i, vector: { kind: 'dense', data: new Float32Array([1]) } }));
    const parts: MatrixSample[] = [
      { count: 90, points: listed(0, 10) },
      { count: 10, points: listed(1000, 10) },
    ];
    const random = seededRandom(12345);
    const trials = 4000;
    let fromB = 0;
    for (let t = 0; t < trials; t++) {
      const drawn = combineSamples(parts, 10, random);
      assert.equal(drawn.length, 10);
      assert.equal(new Set(drawn.map((p) => p.id)).size, 10, 'no point drawn twice');
      fromB += drawn.filter((p) => (p.id as number) >= 1000).length;
    }
    const mean = fromB / trials;
    assert.ok(Math.abs(mean - 1) < 0.08, `mean points of part B per sample: ${mean} (seed 12345)`);
    // Fewer points than the sample: every point of every part.
    assert.equal(combineSamples([{ count: 3, points: listed(0, 3) }, { count: 2, points: listed(1000, 2) }], 10, seededRandom(1)).length, 5);
  });
});
