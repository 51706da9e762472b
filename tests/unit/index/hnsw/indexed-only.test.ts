import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { DenseVectorStore } from '../../../../src/index/vector-store.js';

/** Offsets 0–3 in the graph, 4 and 5 queued for the background build; 5 is the best match. */
function halfBuilt(m: number): HnswIndex {
  const store = new DenseVectorStore(2);
  const rows = [[1, 0], [0.9, 0.1], [0, 1], [0.5, 0.5], [0.2, 0.8], [1, 1]];
  rows.forEach((r, o) => store.set(o, r));
  const index = new HnswIndex(store, { distance: 'Dot', m });
  for (let o = 0; o < 4; o++) index.add(o);
  index.enqueue(4);
  index.enqueue(5);
  return index;
}

const Q = new Float32Array([1, 1]);

describe('HnswIndex indexedOnly (Qdrant params.indexed_only)', () => {
  it('leaves queued vectors out of graph, exact and subset searches', () => {
    const index = halfBuilt(16);
    assert.equal(index.indexedCount, 4);
    const offsets = (hits: Array<{ offset: number }>): number[] => hits.map((h) => h.offset).sort();
    assert.deepEqual(offsets(index.search(Q, 10, { indexedOnly: true })), [0, 1, 2, 3]);
    assert.deepEqual(offsets(index.search(Q, 10, { indexedOnly: true, exact: true })), [0, 1, 2, 3]);
    assert.deepEqual(offsets(index.searchSubset(Q, 10, [1, 4, 5], { indexedOnly: true })), [1]);
  });

  it('finds queued vectors without it', () => {
    const index = halfBuilt(16);
    assert.equal(index.search(Q, 1)[0]!.offset, 5);
    assert.equal(index.search(Q, 1, { exact: true })[0]!.offset, 5);
    // 4 and 1 tie (score 1); ties go by offset.
    assert.deepEqual(index.searchSubset(Q, 3, [1, 4, 5]).map((h) => h.offset), [5, 1, 4]);
  });

  it('finds everything in an index without a graph (m = 0: a small collection)', () => {
    const index = halfBuilt(0);
    assert.equal(index.search(Q, 1, { indexedOnly: true })[0]!.offset, 5);
    assert.equal(index.search(Q, 10, { indexedOnly: true }).length, 6);
  });
});
