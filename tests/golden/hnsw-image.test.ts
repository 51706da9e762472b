/**
 * The HNSW graph image of format version 1 (the `indexed` collection's image in the golden store): it loads over
 * the vectors it was built on, without a rebuild, and the loaded graph answers searches as brute force does.
 * An image of a newer version is refused with a clear error rather than interpreted.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { HnswIndex } from '../../src/index/hnsw/hnsw-index.js';
import { deserializeHnsw, HNSW_VERSION } from '../../src/index/hnsw/serialize.js';
import { DenseVectorStore } from '../../src/index/vector-store.js';
import { indexedImagePath, indexedVector, STORE_V1, storedIndexedVector } from './fixtures.js';

const N = 200;

/** The saved file: one JSON line (`QVIX1` wrapper: operation id and parameters) then the `QVHN` image. */
function readImage(): { header: { magic: string; op: number; params: string }; body: Buffer } {
  const bytes = readFileSync(indexedImagePath(STORE_V1));
  const nl = bytes.indexOf(10);
  return { header: JSON.parse(bytes.subarray(0, nl).toString('utf8')), body: bytes.subarray(nl + 1) };
}

function storeWithVectors(): DenseVectorStore {
  const store = new DenseVectorStore(4);
  for (let i = 0; i < N; i++) store.set(i, storedIndexedVector(i));
  return store;
}

function bruteForce(query: readonly number[], k: number): number[] {
  return Array.from({ length: N }, (_, i) => ({ i, d: Math.hypot(...indexedVector(i).map((x, j) => x - query[j]!)) }))
    .sort((a, b) => a.d - b.d || a.i - b.i)
    .slice(0, k)
    .map((x) => x.i);
}

describe('golden v1 HNSW image', () => {
  it('has the v1 wrapper and header', () => {
    const { header, body } = readImage();
    assert.equal(header.magic, 'QVIX1');
    assert.equal(header.params, 'Euclid/4/4/16');
    assert.ok(Number.isSafeInteger(header.op) && header.op > 0);
    assert.equal(body.subarray(0, 4).toString('latin1'), 'QVHN');
    assert.equal(body.readUInt16LE(4), 1);
    assert.equal(body.readUInt32LE(8), body.length);
  });

  it('loads as a built graph over the stored vectors and answers as brute force does', () => {
    const index = HnswIndex.load(readImage().body, storeWithVectors());
    assert.equal(index.distance, 'Euclid');
    assert.equal(index.dim, 4);
    assert.equal(index.m, 4);
    assert.equal(index.efConstruct, 16);
    assert.equal(index.indexedCount, N, 'every vector is in the loaded graph');
    assert.equal(index.pendingCount, 0, 'nothing is left to build: no rebuild happens');
    for (let q = 0; q < 50; q++) {
      const query = [((q * 7) % 13) / 13, ((q * 5) % 11) / 11, ((q * 3) % 7) / 7, (q % 17) / 17];
      const got = index.search(Float32Array.from(query), 10, { ef: N }).map((r) => r.offset);
      assert.deepEqual(got, bruteForce(query, 10), `query ${q}`);
    }
  });

  it('refuses an image of a newer version with a clear error', () => {
    const newer = Buffer.from(readImage().body);
    newer.writeUInt16LE(HNSW_VERSION + 1, 4);
    assert.throws(() => deserializeHnsw(newer), {
      name: 'FormatVersionError',
      message: `HNSW index image format version ${HNSW_VERSION + 1} is newer than this Quiver supports (max ${HNSW_VERSION}); upgrade Quiver`,
    });
    assert.throws(() => HnswIndex.load(newer, storeWithVectors()), /is newer than this Quiver supports/);
  });
});
