import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Distance } from '../../../../src/index/distance.js';
import type { KernelChoice } from '../../../../src/index/kernels/kernel.js';
import { simdSupported } from '../../../../src/index/kernels/select.js';
import { buildHnsw, dataset, measureRecall } from './helpers.js';

const SEED = 1337;
const kernels: KernelChoice[] = simdSupported() ? ['wasm', 'js'] : ['js'];

describe('HNSW recall@10 against exact search', () => {
  for (const kernel of kernels) {
    it(`holds on 5k×32 clustered Cosine data (${kernel} kernel)`, () => {
      const ds = dataset({ count: 5000, dim: 32, distance: 'Cosine', seed: SEED });
      const index = buildHnsw(ds, { distance: 'Cosine', m: 16, efConstruct: 100, kernel });
      assert.equal(index.kernelName, kernel === 'wasm' ? 'wasm-simd128' : 'js');
      const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
      // Budget: mean ≥ 0.97 and at most 3 of 100 queries below 0.8 (seed printed on failure).
      assert.ok(r.mean >= 0.97, `mean recall ${r.mean} (seed ${SEED})`);
      assert.ok(r.failures <= 3, `${r.failures} queries under 0.8 (seed ${SEED})`);
    });
  }

  for (const distance of ['Euclid', 'Dot', 'Manhattan'] as Distance[]) {
    it(`holds on 2k×16 clustered ${distance} data`, () => {
      const ds = dataset({ count: 2000, dim: 16, distance, seed: SEED + 1 });
      const index = buildHnsw(ds, { distance, m: 12, efConstruct: 80 });
      const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 80 }));
      // Dot is not a metric: the graph is a weaker guide, so its budget is looser.
      const floor = distance === 'Dot' ? 0.9 : 0.97;
      assert.ok(r.mean >= floor, `${distance} mean recall ${r.mean} (seed ${SEED + 1})`);
    });
  }

  it('gains recall as ef grows', () => {
    const ds = dataset({ count: 3000, dim: 24, distance: 'Euclid', seed: SEED + 2 });
    const index = buildHnsw(ds, { distance: 'Euclid', m: 6, efConstruct: 40 });
    const low = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 10 })).mean;
    const high = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 200 })).mean;
    assert.ok(high >= low, `ef 200 (${high}) < ef 10 (${low})`);
    assert.ok(high >= 0.95, `ef 200 recall ${high}`);
  });
});
