import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseFilter } from '../../../src/index/filter/parse.js';
import { isAppError } from '../../../src/errors.js';
import type { CollectionConfig } from '../../../src/collection/config.js';
import type { NamedVectors } from '../../../src/collection/vectors.js';
import { openCollection, config, upsert } from './helpers.js';

/** Dense `d` (3 dims, Dot), sparse `s` and multivector `m` (2 dims, Euclid). */
const MIXED: CollectionConfig = {
  params: { vectors: { d: { size: 3, distance: 'Dot' }, m: { size: 2, distance: 'Euclid', multivector_config: { comparator: 'max_sim' } } }, sparse_vectors: { s: {} } },
  hnsw_config: { m: 16, ef_construct: 100, full_scan_threshold: 10 },
  optimizer_config: { indexing_threshold: 1000 },
};

function mixed(i: number): NamedVectors {
  return new Map([
    ['d', { kind: 'dense', data: Float32Array.of(i, 1, 0) }],
    ['s', { kind: 'sparse', indices: Uint32Array.of(i % 3, 10), values: Float32Array.of(1, i) }],
    ['m', { kind: 'multi', rows: [Float32Array.of(i, 0), Float32Array.of(0, i)] }],
  ]);
}

const ids = (c: { segment: { idAt(o: number): unknown } }, hits: Array<{ offset: number }>): unknown[] => hits.map((h) => c.segment.idAt(h.offset));

describe('Segment.nearest (every vector kind through one read interface)', () => {
  it('scores dense, sparse and multivectors best first, within the scope, with data-only options', async () => {
    const o = openCollection(MIXED);
    try {
      await o.c.update([{ type: 'upsert', mode: 'upsert', points: Array.from({ length: 6 }, (_, i) => ({ id: i + 1, vectors: mixed(i), payload: { even: i % 2 === 0 } })) }], true);
      const s = o.c.segment;
      // Dense Dot: score = i.
      const dense = s.nearest('d', { kind: 'dense', data: Float32Array.of(1, 0, 0) }, 3);
      assert.deepEqual(ids(o.c, dense), [6, 5, 4]);
      assert.deepEqual(dense.map((h) => h.score), [5, 4, 3]);
      // Sparse: dot over shared indices; index 10 carries value i, so higher i is better.
      const sparse = s.nearest('s', { kind: 'sparse', indices: Uint32Array.of(10), values: Float32Array.of(1) }, 2);
      assert.deepEqual(ids(o.c, sparse), [6, 5]);
      assert.deepEqual(sparse.map((h) => h.score), [5, 4]);
      // Multivector Euclid MaxSim: query rows (1,0),(0,1) are closest to point i = 1 (distance 0).
      const multi = s.nearest('m', { kind: 'multi', rows: [Float32Array.of(1, 0), Float32Array.of(0, 1)] }, 2);
      assert.deepEqual(ids(o.c, multi), [2, 1]);
      assert.equal(multi[0]!.score, 0);
      // Scope: filter and shard keys resolved by the segment; among / except as data.
      const even = parseFilter({ must: [{ key: 'even', match: { value: true } }] });
      assert.deepEqual(ids(o.c, s.nearest('s', { kind: 'sparse', indices: Uint32Array.of(10), values: Float32Array.of(1) }, 2, { filter: even })), [5, 3]);
      const among = new Set([0, 1, 2].map((id) => s.offsetOf(id + 1)!));
      assert.deepEqual(ids(o.c, s.nearest('d', { kind: 'dense', data: Float32Array.of(1, 0, 0) }, 5, { among, except: s.offsetOf(3) })), [2, 1]);
      assert.deepEqual(ids(o.c, s.nearest('m', { kind: 'multi', rows: [Float32Array.of(1, 0)] }, 5, { among, except: s.offsetOf(2) })), [1, 3]);
      // Threshold: sparse higher is better; Euclid lower is better.
      assert.deepEqual(ids(o.c, s.nearest('s', { kind: 'sparse', indices: Uint32Array.of(10), values: Float32Array.of(1) }, 10, { threshold: 4 })), [6, 5]);
      assert.ok(s.nearest('m', { kind: 'multi', rows: [Float32Array.of(1, 0)] }, 10, { threshold: 1 }).every((h) => h.score <= 1));
      assert.deepEqual(s.nearest('d', { kind: 'dense', data: Float32Array.of(1, 0, 0) }, 0), []);
    } finally {
      await o.close();
    }
  });

  it('refuses a query of the wrong kind or dimension with Qdrant errors', async () => {
    const o = openCollection(MIXED);
    try {
      await o.c.update([{ type: 'upsert', mode: 'upsert', points: [{ id: 1, vectors: mixed(1), payload: null }] }], true);
      const s = o.c.segment;
      assert.throws(() => s.nearest('d', { kind: 'dense', data: Float32Array.of(1, 0) }, 1), (e) => isAppError(e) && e.code === 'VECTOR_DIMENSION_MISMATCH');
      assert.throws(() => s.nearest('s', { kind: 'dense', data: Float32Array.of(1, 0, 0) }, 1), /is not a dense vector/);
      assert.throws(() => s.nearest('d', { kind: 'sparse', indices: Uint32Array.of(1), values: Float32Array.of(1) }, 1), /does not accept this query/);
      assert.throws(() => s.nearest('m', { kind: 'sparse', indices: Uint32Array.of(1), values: Float32Array.of(1) }, 1), /query vector kind does not match/);
    } finally {
      await o.close();
    }
  });

  it('answers a filtered dense search on a graph with the exact answer for a selective filter', async () => {
    const o = openCollection(config({ dim: 2, indexingThresholdKb: 0 }));
    try {
      const points = Array.from({ length: 50 }, (_, i) => ({ id: i, vector: [Math.cos(i / 8), Math.sin(i / 8)], payload: { bucket: i % 10 } }));
      await o.c.update([upsert(points)], true);
      await o.c.configure({ type: 'create_field_index', field: 'bucket', schema: 'integer' }, () => undefined);
      const f = parseFilter({ must: [{ key: 'bucket', match: { value: 3 } }] });
      const hits = o.c.segment.nearest('', { kind: 'dense', data: Float32Array.of(1, 0) }, 3, { filter: f });
      const want = points.filter((p) => p.payload.bucket === 3).sort((a, b) => b.vector[0]! - a.vector[0]! || a.id - b.id).slice(0, 3).map((p) => p.id);
      assert.deepEqual(ids(o.c, hits), want);
    } finally {
      await o.close();
    }
  });
});
