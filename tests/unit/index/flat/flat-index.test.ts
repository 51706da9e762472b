import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { FlatIndex } from '../../../../src/index/flat/flat-index.js';
import type { KernelChoice } from '../../../../src/index/kernels/kernel.js';
import { simdSupported } from '../../../../src/index/kernels/select.js';
import { DenseVectorStore } from '../../../../src/index/vector-store.js';

/** Four 2-d points, chosen so every metric gives a different, hand-computable order. */
function fixture(kernel: KernelChoice, normalise = false): { store: DenseVectorStore; index: (d: 'Cosine' | 'Dot' | 'Euclid' | 'Manhattan') => FlatIndex } {
  const store = new DenseVectorStore(2, 4, { backing: kernel === 'wasm' ? 'wasm' : 'shared' });
  const points: [number, number][] = [
    [1, 0], // 0
    [0, 2], // 1
    [3, 3], // 2
    [-1, -1], // 3
  ];
  points.forEach((p, o) => {
    let v = p;
    if (normalise) {
      const n = Math.hypot(p[0], p[1]);
      v = [p[0] / n, p[1] / n];
    }
    store.set(o, v);
  });
  return {
    store,
    index: (distance) => {
      const index = new FlatIndex(store, { distance, kernel });
      for (let o = 0; o < points.length; o++) index.add(o);
      return index;
    },
  };
}

const kernels: KernelChoice[] = simdSupported() ? ['js', 'wasm'] : ['js'];
const near = (a: number, b: number): boolean => Math.abs(a - b) < 1e-6;

for (const kernel of kernels) {
  describe(`FlatIndex with the ${kernel} kernel`, () => {
    const q = new Float32Array([2, 1]);

    it('scores Dot as q·v, higher first', () => {
      // q·v: 0 → 2, 1 → 2, 2 → 9, 3 → −3; the tie 0/1 is broken by offset
      const got = fixture(kernel).index('Dot').search(q, 4);
      assert.deepEqual(got.map((r) => r.offset), [2, 0, 1, 3]);
      assert.deepEqual(got.map((r) => r.score), [9, 2, 2, -3]);
    });

    it('scores Euclid as the L2 distance, lower first', () => {
      // |q−v|: 0 → √2, 1 → √5, 2 → √5, 3 → √13
      const got = fixture(kernel).index('Euclid').search(q, 3);
      assert.deepEqual(got.map((r) => r.offset), [0, 1, 2]);
      assert.ok(near(got[0]!.score, Math.SQRT2) && near(got[1]!.score, Math.sqrt(5)) && near(got[2]!.score, Math.sqrt(5)));
    });

    it('scores Manhattan as the L1 distance, lower first', () => {
      // |q−v|₁: 0 → 2, 1 → 3, 2 → 3, 3 → 5
      const got = fixture(kernel).index('Manhattan').search(q, 4);
      assert.deepEqual(got.map((r) => [r.offset, r.score]), [[0, 2], [1, 3], [2, 3], [3, 5]]);
    });

    it('scores Cosine on normalised vectors and normalises the query', () => {
      // cos(q, v): 0 → 2/√5, 1 → 1/√5, 2 → 3/√10, 3 → −3/√10
      const got = fixture(kernel, true).index('Cosine').search(new Float32Array([4, 2]), 4);
      assert.deepEqual(got.map((r) => r.offset), [2, 0, 1, 3]);
      const want = [3 / Math.sqrt(10), 2 / Math.sqrt(5), 1 / Math.sqrt(5), -3 / Math.sqrt(10)];
      got.forEach((r, i) => assert.ok(near(r.score, want[i]!), `${r.score} vs ${want[i]}`));
    });

    it('filters with accept, drops deleted offsets and scans subsets', () => {
      const index = fixture(kernel).index('Dot');
      assert.deepEqual(index.search(q, 4, { accept: (o) => o % 2 === 1 }).map((r) => r.offset), [1, 3]);
      index.delete(2);
      assert.deepEqual(index.search(q, 2).map((r) => r.offset), [0, 1]);
      assert.deepEqual(index.searchSubset(q, 4, [3, 2, 1, 1]).map((r) => r.offset), [1, 3]);
      assert.equal(index.size, 3);
      index.add(2);
      assert.equal(index.search(q, 1)[0]!.offset, 2);
    });

    it('round-trips through serialize/load', () => {
      const f = fixture(kernel);
      const index = f.index('Manhattan');
      index.delete(1);
      const loaded = FlatIndex.load(index.serialize(), f.store, { kernel });
      assert.equal(loaded.distance, 'Manhattan');
      assert.equal(loaded.size, 3);
      assert.deepEqual(loaded.search(q, 4), index.search(q, 4));
      assert.throws(() => FlatIndex.load(new Uint8Array(8), f.store), /not a QVFL/);
    });
  });
}
