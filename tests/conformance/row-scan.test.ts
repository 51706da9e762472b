/**
 * The exact scan of sparse vectors and multivectors (`index/flat/row-scan.ts`) keeps the same contract as the
 * dense indexes of `vector-index.test.ts`: best first, scored with Qdrant semantics, ties by offset, only accepted
 * rows — checked against a brute force written from the definitions (dot product over shared indices; MaxSim).
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DISTANCES, normalizeInPlace, type Distance } from '../../src/index/distance.js';
import { scanRows, type StoredRow } from '../../src/index/flat/row-scan.js';
import type { ScoredOffset } from '../../src/index/vector-index.js';
import { mulberry32 } from '../fixtures/clustered.js';

const K = 7;

function sparseRow(rand: () => number): StoredRow & { kind: 'sparse' } {
  const idx = new Set<number>();
  const n = 1 + Math.floor(rand() * 6);
  while (idx.size < n) idx.add(Math.floor(rand() * 40));
  const indices = Uint32Array.from([...idx].sort((a, b) => a - b));
  // Values on a coarse grid so that ties happen and must be ordered by offset.
  return { kind: 'sparse', indices, values: Float32Array.from(indices, () => Math.round(rand() * 8 - 2) / 2) };
}

function multiRow(rand: () => number, dim: number, distance: Distance): StoredRow & { kind: 'multi' } {
  const rows = Array.from({ length: 1 + Math.floor(rand() * 3) }, () => {
    const v = Float32Array.from({ length: dim }, () => rand() * 2 - 1);
    return distance === 'Cosine' ? normalizeInPlace(v) : v;
  });
  return { kind: 'multi', rows };
}

/** Qdrant's sparse score, from the definition: Σ q[i]·d[i] over shared indices; no shared index, no candidate. */
function sparseScore(q: { indices: Uint32Array; values: Float32Array }, d: { indices: Uint32Array; values: Float32Array }): number | undefined {
  let shared = false;
  let s = 0;
  q.indices.forEach((i, a) => {
    const b = d.indices.indexOf(i);
    if (b >= 0) {
      shared = true;
      s += q.values[a]! * d.values[b]!;
    }
  });
  return shared ? s : undefined;
}

/** Qdrant's MaxSim score as displayed: per query row the best similarity, summed; distances shown positive. */
function maxSimScore(distance: Distance, q: readonly Float32Array[], d: readonly Float32Array[]): number {
  const sim = (a: Float32Array, b: Float32Array): number => {
    let s = 0;
    for (let i = 0; i < a.length; i++) {
      if (distance === 'Euclid') s -= (a[i]! - b[i]!) ** 2;
      else if (distance === 'Manhattan') s -= Math.abs(a[i]! - b[i]!);
      else s += a[i]! * b[i]!;
    }
    return s;
  };
  const raw = q.reduce((t, qr) => t + Math.max(...d.map((dr) => sim(qr, dr))), 0);
  return distance === 'Euclid' ? Math.sqrt(Math.abs(raw)) : distance === 'Manhattan' ? Math.abs(raw) : raw;
}

function expected(all: Array<{ offset: number; score: number }>, higher: boolean, accept: (o: number) => boolean): ScoredOffset[] {
  return all
    .filter((e) => accept(e.offset))
    .sort((a, b) => (higher ? b.score - a.score : a.score - b.score) || a.offset - b.offset)
    .slice(0, K);
}

function assertSame(actual: ScoredOffset[], want: ScoredOffset[], context: string): void {
  assert.deepEqual(
    actual.map((h) => h.offset),
    want.map((h) => h.offset),
    context,
  );
  actual.forEach((h, i) => assert.ok(Math.abs(h.score - want[i]!.score) <= 1e-4 * Math.max(1, Math.abs(want[i]!.score)), `${context}: score ${h.score} vs ${want[i]!.score}`));
}

describe('exact row scan (sparse vectors, multivectors)', () => {
  it('sparse: dot product over shared indices, best first, ties by offset, rows sharing nothing left out', () => {
    const rand = mulberry32(20240611);
    const rows = new Map<number, StoredRow>();
    for (let o = 0; o < 300; o += 1 + Math.floor(rand() * 2)) rows.set(o, sparseRow(rand));
    for (let t = 0; t < 20; t++) {
      const q = sparseRow(rand);
      const all: Array<{ offset: number; score: number }> = [];
      for (const [offset, r] of rows) {
        const s = sparseScore(q, r as { indices: Uint32Array; values: Float32Array });
        if (s !== undefined) all.push({ offset, score: s });
      }
      assertSame(scanRows(rows, { kind: 'sparse', row: q }, 'Dot', K), expected(all, true, () => true), `query ${t}`);
      const even = (o: number): boolean => o % 2 === 0;
      assertSame(scanRows(rows, { kind: 'sparse', row: q }, 'Dot', K, even), expected(all, true, even), `query ${t}, filtered`);
    }
  });

  for (const distance of DISTANCES) {
    it(`multivector MaxSim (${distance}): best first with Qdrant's score, filtered rows left out`, () => {
      const rand = mulberry32(7 + distance.length);
      const dim = 5;
      const rows = new Map<number, StoredRow>();
      for (let o = 0; o < 200; o++) rows.set(o, multiRow(rand, dim, distance));
      const higher = distance === 'Cosine' || distance === 'Dot';
      for (let t = 0; t < 10; t++) {
        const q = multiRow(rand, dim, distance).rows;
        const all = [...rows].map(([offset, r]) => ({ offset, score: maxSimScore(distance, q, (r as { readonly rows: readonly Float32Array[] }).rows) }));
        assertSame(scanRows(rows, { kind: 'multi', rows: q }, distance, K), expected(all, higher, () => true), `${distance} query ${t}`);
        const some = (o: number): boolean => o % 3 !== 0;
        assertSame(scanRows(rows, { kind: 'multi', rows: q }, distance, K, some), expected(all, higher, some), `${distance} query ${t}, filtered`);
      }
    });
  }

  it('returns nothing for k ≤ 0 and never scores a row of the other kind', () => {
    const rows = new Map<number, StoredRow>([
      [0, { kind: 'dense' }],
      [1, { kind: 'multi', rows: [new Float32Array([1, 0])] }],
      [2, { kind: 'sparse', indices: Uint32Array.of(1), values: Float32Array.of(2) }],
    ]);
    assert.deepEqual(scanRows(rows, { kind: 'sparse', row: { indices: Uint32Array.of(1), values: Float32Array.of(1) } }, 'Dot', 0), []);
    assert.deepEqual(scanRows(rows, { kind: 'sparse', row: { indices: Uint32Array.of(1), values: Float32Array.of(1) } }, 'Dot', 5), [{ offset: 2, score: 2 }]);
    assert.deepEqual(scanRows(rows, { kind: 'multi', rows: [new Float32Array([1, 0])] }, 'Dot', 5), [{ offset: 1, score: 1 }]);
  });
});
