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
