import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { dataset, measureRecall } from './helpers.js';

const SEED = 2718;

describe('HNSW async build', () => {
  it('yields to the event loop between slices and reports progress', async () => {
    const ds = dataset({ count: 4000, dim: 32, distance: 'Cosine', seed: SEED });
    const index = new HnswIndex(ds.store, { distance: 'Cosine', m: 16, efConstruct: 100 });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const progress: number[] = [];
    const build = index.addManyAsync(
      Array.from({ length: ds.count }, (_, i) => i),
      { sliceMs: 5, onProgress: (indexed) => progress.push(indexed) },
    );
    // Everything is searchable at once (pending offsets are scanned exactly).
    assert.equal(index.size, ds.count);
    assert.ok(index.indexedCount < ds.count);
    const early = measureRecall(ds, 10, (q) => index.search(q, 10));
    assert.ok(early.mean >= 0.95, `recall while building ${early.mean}`);
    assert.strictEqual(index.buildPending(), build, 'concurrent calls share one build');
    await build;
    clearInterval(timer);
    assert.ok(ticks > 0, 'the event loop ran during the build');
    assert.ok(progress.length > 1 && progress.at(-1) === ds.count, `progress ${progress.length}`);
    assert.equal(index.indexedCount, ds.count);
    assert.equal(index.pendingCount, 0);
    const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
    assert.ok(r.mean >= 0.97, `recall after build ${r.mean} (seed ${SEED})`);
  });

  it('stops on abort and leaves the rest queued and searchable', async () => {
    const ds = dataset({ count: 3000, dim: 16, distance: 'Euclid', seed: SEED + 1 });
    const index = new HnswIndex(ds.store, { distance: 'Euclid', m: 8, efConstruct: 60 });
    const ac = new AbortController();
    for (let o = 0; o < ds.count; o++) index.enqueue(o);
    index.delete(2999);
    const done = index.buildPending({ sliceMs: 1, onProgress: () => ac.abort(), signal: ac.signal });
    await done;
    assert.ok(index.indexedCount > 0 && index.indexedCount < ds.count - 1, `indexed ${index.indexedCount}`);
    assert.equal(index.size, ds.count - 1);
    ds.flat.delete(2999);
    for (const q of ds.queries.slice(0, 20)) assert.ok(!index.search(q, 50).some((r) => r.offset === 2999));
    index.buildPendingSync();
    assert.equal(index.indexedCount, ds.count - 1);
    const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
    assert.ok(r.mean >= 0.97, `recall ${r.mean} (seed ${SEED + 1})`);
  });
});
