/**
 * Qdrant stores vectors and computes scores in float32 and prints each as the shortest decimal that
 * reads back as the same float32 (serde_json / ryu): 0.15 is `0.15`, not `0.15000000596046448`.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestApp, type TestApp } from '../../support/app.js';
import { shortestFloat32 } from '../../../src/api/rest/present/shortest-float32.js';

describe('conformance: float32 numbers print as Qdrant prints them', () => {
  let app: TestApp;
  before(async () => {
    app = await startTestApp();
    let r = await app.request('PUT', '/collections/n', {
      vectors: { d: { size: 3, distance: 'Dot' }, m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { s: {} },
    });
    assert.equal(r.status, 200, r.text);
    r = await app.request('PUT', '/collections/n/points?wait=true', {
      points: [
        { id: 1, vector: { d: [0.15, 0.3, 0.7], m: [[0.1, 0.2], [0.3, 0.45]], s: { indices: [3, 1], values: [0.15, 0.33] } } },
        { id: 2, vector: { d: [0.2, 0.1, 0.9], m: [[1.1, 0.7]], s: { indices: [1], values: [2.2] } } },
      ],
    });
    assert.equal(r.status, 200, r.text);
    r = await app.request('PUT', '/collections/plain', { vectors: { size: 2, distance: 'Dot' } });
    assert.equal(r.status, 200, r.text);
    r = await app.request('PUT', '/collections/plain/points?wait=true', { points: [{ id: 1, vector: [0.15, 0.7] }, { id: 2, vector: [0.3, 0.1] }] });
    assert.equal(r.status, 200, r.text);
  });
  after(async () => {
    await app.destroy();
  });

  it('prints dense, multi and sparse components with their shortest float32 digits', async () => {
    const r = await app.request('GET', '/collections/n/points/1');
    assert.equal(r.status, 200, r.text);
    assert.match(r.text, /"d":\[0\.15,0\.3,0\.7\]/);
    assert.match(r.text, /"m":\[\[0\.1,0\.2\],\[0\.3,0\.45\]\]/);
    assert.match(r.text, /"indices":\[1,3\],"values":\[0\.33,0\.15\]/);
    assert.doesNotMatch(r.text, /0\.1500000/);
    const plain = await app.request('GET', '/collections/plain/points/1');
    assert.match(plain.text, /"vector":\[0\.15,0\.7\]/);
  });

  it('prints scores as float32: a Dot score of 0.15·0.3 + 0.7·0.1 is 0.115', async () => {
    const r = await app.request('POST', '/collections/plain/points/query', { query: [0.3, 0.1], limit: 2, with_vector: true });
    assert.equal(r.status, 200, r.text);
    const expected = Math.fround(Math.fround(0.15) * Math.fround(0.3) + Math.fround(0.7) * Math.fround(0.1));
    // The printed score has at most 9 significant digits and reads back as the float32 score.
    const m = /"score":([0-9.e-]+)/.exec(r.text);
    assert.ok(m !== null, r.text);
    const printed = m[1]!;
    assert.ok(printed.replace(/^0\.0*/, '').replace('.', '').length <= 9, printed);
    assert.ok(Math.abs(Number(printed) - expected) < 1e-6, `${printed} vs ${expected}`);
    assert.match(r.text, /"vector":\[0\.15,0\.7\]/);
    // Legacy search prints the same way.
    const s = await app.request('POST', '/collections/plain/points/search', { vector: [0.3, 0.1], limit: 1 });
    assert.equal(s.status, 200, s.text);
    assert.equal(String(s.body.result[0].score), printed);
  });

  it('prints distance-matrix scores as float32', async () => {
    const r = await app.request('POST', '/collections/plain/points/search/matrix/offsets', { sample: 2, limit: 1 });
    assert.equal(r.status, 200, r.text);
    for (const score of r.body.result.scores as number[]) {
      assert.equal(score, shortestFloat32(score));
      assert.ok(String(score).replace(/^0\.0*/, '').replace('.', '').length <= 9, String(score));
    }
    const p = await app.request('POST', '/collections/plain/points/search/matrix/pairs', { sample: 2, limit: 1 });
    assert.equal(p.status, 200, p.text);
    for (const pair of p.body.result.pairs as Array<{ score: number }>) assert.equal(pair.score, shortestFloat32(pair.score));
  });
});

describe('shortestFloat32', () => {
  it('gives the shortest decimal that reads back as the same float32', () => {
    const cases: Array<[number, string]> = [
      [0.15, '0.15'],
      [0.663, '0.663'],
      [1 / 3, '0.33333334'],
      [256.19, '256.19'],
      [-0.2, '-0.2'],
      [1e-7, '1e-7'],
      [3.4e38, '3.4e+38'],
      [1.4e-45, '1e-45'],
      [0, '0'],
      [100, '100'],
      // exact ties between two 8-digit neighbours round to even, as Ryu does
      [1760036.75, '1760036.8'],
      [470074.125, '470074.12'],
    ];
    for (const [v, s] of cases) assert.equal(String(shortestFloat32(v)), s, `${v}`);
  });

  it('agrees with the toPrecision search on random float32 bit patterns', () => {
    const f = new Float32Array(1);
    const u = new Uint32Array(f.buffer);
    let seed = 7;
    for (let i = 0; i < 20000; i++) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      u[0] = seed;
      const x = f[0]!;
      if (!Number.isFinite(x)) continue;
      const got = shortestFloat32(x);
      assert.equal(Math.fround(got), x);
      let p = 1;
      while (Math.fround(Number(x.toPrecision(p))) !== x) p++;
      assert.ok(String(got).replace(/e.*$/, '').replace(/^-?0\.0*/, '').replace('.', '').replace(/^-/, '').replace(/0+$/, '').length <= p, `${x}: ${got} longer than ${p} digits`);
    }
  });
});
