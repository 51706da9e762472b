import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { slabRow } from '../../../src/collection/row-slab.js';
import { decodeVector, encodeVector } from '../../../src/collection/point-codec.js';

describe('row slabs', () => {
  it('hands out zeroed, disjoint rows of the asked length', () => {
    const rows = Array.from({ length: 300 }, (_, i) => slabRow(128 + (i % 3)));
    rows.forEach((r, i) => {
      assert.equal(r.length, 128 + (i % 3));
      assert.ok(r.every((x) => x === 0));
      r.fill(i + 1);
    });
    // Writing one row never touched another.
    rows.forEach((r, i) => assert.ok(r.every((x) => x === i + 1), `row ${i}`));
  });

  it('gives a long row its own array', () => {
    const r = slabRow(100_000);
    assert.equal(r.length, 100_000);
    assert.equal(r.byteOffset, 0);
    assert.equal(r.buffer.byteLength, 400_000);
  });

  it('a stored dense vector decodes into a row with the same bits, and odd byte counts are refused', () => {
    const v = new Float32Array([0.1, -0, 1e-45, 3.4028234663852886e38, -2.5]);
    const e = encodeVector({ kind: 'dense', data: v });
    const d = decodeVector(e);
    assert.equal(d.kind, 'dense');
    const data = (d as { data: Float32Array }).data;
    assert.deepEqual(new Uint32Array(data.buffer, data.byteOffset, data.length), new Uint32Array(v.buffer));
    assert.throws(() => decodeVector(Buffer.alloc(7)), RangeError);
  });
});
