import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mulberry32 } from '../../../fixtures/clustered.js';
import { buildHnsw, dataset, measureRecall } from './helpers.js';

const SEED = 777;

describe('HNSW filtered search (accept callback)', () => {
  const ds = dataset({ count: 5000, dim: 32, distance: 'Cosine', seed: SEED });
  const index = buildHnsw(ds, { distance: 'Cosine', m: 16, efConstruct: 100 });

  for (const selectivity of [0.5, 0.1, 0.01]) {
    it(`keeps recall@10 at ${selectivity * 100}% selectivity while traversing rejected nodes`, () => {
      const rand = mulberry32(SEED + Math.round(selectivity * 1000));
      const allowed = new Uint8Array(ds.count);
      for (let o = 0; o < ds.count; o++) allowed[o] = rand() < selectivity ? 1 : 0;
      const accept = (o: number): boolean => allowed[o] === 1;
      let rejectedSeen = 0;
      const r = measureRecall(
        ds,
        10,
        (q) =>
          index.search(q, 10, {
            ef: 64,
            accept: (o) => {
              const ok = accept(o);
              if (!ok) rejectedSeen++;
              return ok;
            },
          }),
        (q) => ds.flat.search(q, 10, { accept }),
      );
      assert.ok(rejectedSeen > 0);
      assert.ok(r.mean >= 0.95, `recall ${r.mean} at ${selectivity} (seed ${SEED})`);
      for (const q of ds.queries.slice(0, 10)) for (const hit of index.search(q, 10, { accept })) assert.ok(accept(hit.offset));
    });
  }

  it('scans exactly when the cardinality estimate is under full_scan_threshold', () => {
    const allowed = (o: number): boolean => o % 97 === 0;
    // 32-dim: 10 000 KiB threshold ⇒ 80 000 vectors; 52 allowed ⇒ exact path.
    assert.equal(index.fullScanVectors, 80000);
    for (const q of ds.queries.slice(0, 20)) {
      assert.deepEqual(index.search(q, 10, { accept: allowed, cardinality: 52 }), ds.flat.search(q, 10, { accept: allowed }));
    }
  });
});
