import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { TopK } from '../../../../src/index/top-k.js';
import { mulberry32 } from '../../../fixtures/clustered.js';

describe('TopK', () => {
  it('keeps the k lowest keys and drains them sorted, ties by id', () => {
    const seed = 99;
    const rand = mulberry32(seed);
    const top = new TopK(10);
    const all: [number, number][] = [];
    for (let i = 0; i < 1000; i++) {
      const key = Math.floor(rand() * 200);
      all.push([i, key]);
      top.push(i, key);
    }
    all.sort((a, b) => a[1] - b[1] || a[0] - b[0]);
    const ids = new Int32Array(10);
    const keys = new Float64Array(10);
    assert.equal(top.drainSorted(ids, keys), 10);
    assert.deepEqual(Array.from(ids), all.slice(0, 10).map((x) => x[0]), `seed ${seed}`);
    assert.deepEqual(Array.from(keys), all.slice(0, 10).map((x) => x[1]));
    assert.equal(top.size, 0);
  });

  it('reports worst key, fullness and resets to a new bound', () => {
    const top = new TopK(2);
    assert.equal(top.worstKey, Infinity);
    assert.ok(top.push(1, 5));
    assert.ok(top.push(2, 3));
    assert.ok(top.full);
    assert.equal(top.worstKey, 5);
    assert.ok(!top.push(3, 7));
    assert.ok(top.push(4, 1));
    assert.equal(top.worstKey, 3);
    top.reset(100);
    assert.equal(top.capacity, 100);
    assert.equal(top.size, 0);
  });
});
