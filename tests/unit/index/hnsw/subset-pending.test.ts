import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { DenseVectorStore } from '../../../../src/index/vector-store.js';

describe('HnswIndex.searchSubset', () => {
  it('scores queued (not yet indexed) vectors too', () => {
    const store = new DenseVectorStore(2);
    store.set(0, [1, 0]);
    store.set(1, [0, 1]);
    const index = new HnswIndex(store, { distance: 'Dot' });
    index.enqueue(0);
    index.enqueue(1);
    assert.equal(index.indexedCount, 0);
    const hits = index.searchSubset(new Float32Array([1, 0.5]), 2, [0, 1]);
    assert.deepEqual(hits.map((h) => h.offset), [0, 1]);
    assert.deepEqual(hits.map((h) => h.score), [1, 0.5]);
  });
});

describe('HnswIndex.search over queued vectors', () => {
  it('scores a vector deleted while queued and stored again once (it is queued twice)', () => {
    const store = new DenseVectorStore(2);
    for (let o = 0; o < 40; o++) store.set(o, [Math.cos(o), Math.sin(o)]);
    const index = new HnswIndex(store, { distance: 'Dot', m: 8, efConstruct: 32 });
    for (let o = 0; o < 40; o++) index.enqueue(o);
    index.buildPendingSync();
    // Queued, deleted, stored again: the queue holds offset 40 twice, both entries pending.
    store.set(40, [2, 0]);
    index.enqueue(40);
    store.delete(40);
    index.delete(40);
    store.set(40, [2, 0]);
    index.enqueue(40);
    assert.equal(index.pendingCount, 1);
    const hits = index.search(new Float32Array([1, 0]), 5);
    const offsets = hits.map((h) => h.offset);
    assert.equal(new Set(offsets).size, offsets.length, `a point twice: ${offsets.join(',')}`);
    assert.equal(offsets[0], 40);
    assert.equal(hits.length, 5);
  });
});
