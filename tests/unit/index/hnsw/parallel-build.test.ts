import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { dataset, measureRecall } from './helpers.js';

const SEED = 1618;

describe('HNSW parallel build (worker threads)', () => {
  it('builds with two workers to the same recall while the event loop keeps running', async () => {
    const ds = dataset({ count: 6000, dim: 32, distance: 'Cosine', seed: SEED });
    let ticks = 0;
    const timer = setInterval(() => ticks++, 2);
    const progress: number[] = [];
    const offsets = Array.from({ length: ds.count }, (_, i) => i);
    const index = await HnswIndex.buildParallel(ds.store, { distance: 'Cosine', m: 16, efConstruct: 100 }, offsets, {
      threads: 2,
      onProgress: (done) => progress.push(done),
    });
    clearInterval(timer);
    assert.ok(ticks > 0, 'the event loop ran during the build');
    assert.equal(progress.at(-1), ds.count);
    assert.equal(index.size, ds.count);
    assert.equal(index.indexedCount, ds.count);
    assert.equal(index.graph.nodeCount, ds.count);
    const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
    assert.ok(r.mean >= 0.97, `recall ${r.mean} (seed ${SEED})`);
    assert.ok(r.failures <= 3, `${r.failures} queries under 0.8`);
    // The result is an ordinary index: it takes inserts, deletes and round-trips.
    index.delete(0);
    assert.ok(!index.search(ds.queries[0]!, 20).some((x) => x.offset === 0));
    const loaded = HnswIndex.load(index.serialize(), ds.store);
    for (const q of ds.queries.slice(0, 10)) assert.deepEqual(loaded.search(q, 10), index.search(q, 10));
  });

  it('works with the pure-TS kernel on a SharedArrayBuffer store', async () => {
    const ds = dataset({ count: 2000, dim: 16, distance: 'Euclid', seed: SEED + 1 });
    const index = await HnswIndex.buildParallel(ds.store, { distance: 'Euclid', m: 8, efConstruct: 60, kernel: 'js' }, Array.from({ length: ds.count }, (_, i) => i), { threads: 2 });
    assert.equal(index.kernelName, 'js');
    const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
    assert.ok(r.mean >= 0.97, `recall ${r.mean} (seed ${SEED + 1})`);
  });

  it('leaves offsets queued and searchable when aborted', async () => {
    const ds = dataset({ count: 4000, dim: 16, distance: 'Euclid', seed: SEED + 2 });
    const ac = new AbortController();
    const index = await HnswIndex.buildParallel(ds.store, { distance: 'Euclid', m: 8, efConstruct: 60 }, Array.from({ length: ds.count }, (_, i) => i), {
      threads: 2,
      signal: ac.signal,
      onProgress: (done) => {
        if (done > 0) ac.abort();
      },
    });
    assert.equal(index.size, ds.count);
    assert.ok(index.indexedCount + index.pendingCount === ds.count);
    const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
    assert.ok(r.mean >= 0.97, `recall ${r.mean}`);
    index.buildPendingSync();
    assert.equal(index.indexedCount, ds.count);
  });

  it('runs concurrent builds on one store without sharing scratch memory', async () => {
    const ds = dataset({ count: 3000, dim: 16, distance: 'Cosine', seed: SEED + 4 });
    const offsets = Array.from({ length: ds.count }, (_, i) => i);
    const opts = { distance: 'Cosine' as const, m: 8, efConstruct: 60 };
    const built = await Promise.all([1, 2, 3].map(() => HnswIndex.buildParallel(ds.store, opts, offsets, { threads: 3 })));
    for (const index of built) {
      const r = measureRecall(ds, 10, (q) => index.search(q, 10, { ef: 64 }));
      assert.ok(r.mean >= 0.97, `recall ${r.mean} (seed ${SEED + 4})`);
    }
  });

  it('rejects offsets without vectors and builds an empty index from nothing', async () => {
    const ds = dataset({ count: 10, dim: 4, distance: 'Dot', seed: SEED + 3 });
    await assert.rejects(HnswIndex.buildParallel(ds.store, { distance: 'Dot' }, [1, 2, 99]), RangeError);
    const empty = await HnswIndex.buildParallel(ds.store, { distance: 'Dot' }, []);
    assert.equal(empty.size, 0);
  });
});
