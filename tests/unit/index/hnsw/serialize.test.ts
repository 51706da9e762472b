import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { HnswIndex } from '../../../../src/index/hnsw/hnsw-index.js';
import { loadVectorIndex } from '../../../../src/index/hnsw/load.js';
import { levelFor } from '../../../../src/index/hnsw/levels.js';
import { buildHnsw, dataset } from './helpers.js';

const SEED = 31337;

describe('HNSW serialization and determinism', () => {
  const ds = dataset({ count: 2000, dim: 16, distance: 'Euclid', seed: SEED });

  it('loads an image that answers identically, without rebuilding', () => {
    const index = buildHnsw(ds, { distance: 'Euclid', m: 8, efConstruct: 50, ef: 40, fullScanThreshold: 123, seed: 9 });
    index.delete(3);
    index.enqueue(4); // pending updates survive the round trip
    const bytes = index.serialize();
    const loaded = HnswIndex.load(bytes, ds.store);
    assert.equal(loaded.m, 8);
    assert.equal(loaded.efConstruct, 50);
    assert.equal(loaded.ef, 40);
    assert.equal(loaded.fullScanThreshold, 123);
    assert.equal(loaded.seed, 9);
    assert.equal(loaded.deletedCount, index.deletedCount);
    assert.equal(loaded.pendingCount, 1);
    assert.equal(loaded.indexedCount, index.indexedCount);
    for (const q of ds.queries) assert.deepEqual(loaded.search(q, 10), index.search(q, 10));
    assert.deepEqual(loaded.serialize(), bytes);
    assert.equal(loadVectorIndex(bytes, ds.store).kind, 'hnsw');
    // Images usually come back from disk as a Buffer that is a view into a larger pool.
    const pooled = Buffer.alloc(bytes.length + 13);
    pooled.set(bytes, 13);
    const fromDisk = HnswIndex.load(pooled.subarray(13), ds.store);
    for (const q of ds.queries.slice(0, 10)) assert.deepEqual(fromDisk.search(q, 10), index.search(q, 10));
    // The image is compact: about (1 + 2m) int32 per node at level 0 plus a few bytes.
    assert.ok(bytes.length < 2000 * (17 * 4 + 16) + 4096, `image is ${bytes.length} bytes`);
  });

  it('continues building after load exactly as an uninterrupted build', () => {
    const opts = { distance: 'Euclid' as const, m: 8, efConstruct: 50, seed: 5, kernel: 'js' as const };
    const whole = buildHnsw(ds, opts);
    const half = buildHnsw(ds, opts, Array.from({ length: 1000 }, (_, i) => i));
    const resumed = HnswIndex.load(half.serialize(), ds.store, { kernel: 'js' });
    for (let o = 1000; o < 2000; o++) resumed.add(o);
    assert.deepEqual(resumed.serialize(), whole.serialize());
  });

  it('is deterministic for a seed and changes with it', () => {
    const a = buildHnsw(ds, { distance: 'Euclid', m: 8, efConstruct: 40, seed: 1 }).serialize();
    const b = buildHnsw(ds, { distance: 'Euclid', m: 8, efConstruct: 40, seed: 1 }).serialize();
    const c = buildHnsw(ds, { distance: 'Euclid', m: 8, efConstruct: 40, seed: 2 }).serialize();
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
  });

  it('draws levels with P(level ≥ 1) ≈ 1/m', () => {
    let upper = 0;
    for (let o = 0; o < 100000; o++) if (levelFor(SEED, o, 16) >= 1) upper++;
    assert.ok(Math.abs(upper / 100000 - 1 / 16) < 0.005, `P(level ≥ 1) = ${upper / 100000}`);
  });

  it('rejects foreign, newer and corrupt images', () => {
    const index = buildHnsw(ds, { distance: 'Euclid', m: 4, efConstruct: 20 }, [0, 1, 2]);
    const bytes = index.serialize();
    const newer = bytes.slice();
    newer[4] = 99;
    assert.throws(() => HnswIndex.load(newer, ds.store), /version 99/);
    assert.throws(() => HnswIndex.load(new TextEncoder().encode('QVFLxxxxxxxxxxxxxxxx'), ds.store), /not a QVHN/);
    const flipped = bytes.slice();
    flipped[40]! ^= 1;
    assert.throws(() => HnswIndex.load(flipped, ds.store), /corrupt/);
  });
});
