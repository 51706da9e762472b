/**
 * One suite for the VectorIndex contract, run by every implementation × kernel (STYLE.md §7).
 * Exact implementations must match brute force exactly; approximate ones (HNSW) are held to a
 * recall budget on graph searches and to exact equality on every exact path.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DISTANCES, compareScores, normalizeInPlace, score, type Distance } from '../../src/index/distance.js';
import { FlatIndex } from '../../src/index/flat/flat-index.js';
import { HnswIndex } from '../../src/index/hnsw/hnsw-index.js';
import { loadVectorIndex } from '../../src/index/hnsw/load.js';
import type { KernelChoice } from '../../src/index/kernels/kernel.js';
import { simdSupported } from '../../src/index/kernels/select.js';
import type { ScoredOffset, VectorIndex } from '../../src/index/vector-index.js';
import { DenseVectorStore } from '../../src/index/vector-store.js';
import { ClusteredGenerator, mulberry32, row } from '../fixtures/clustered.js';

interface Implementation {
  name: string;
  kernel: KernelChoice;
  approximate: boolean;
  create(store: DenseVectorStore, distance: Distance): VectorIndex;
  /** Skipped cases with the reason (Drizzle `skipTests`). */
  skip?: Record<string, string>;
}

const kernels: KernelChoice[] = simdSupported() ? ['js', 'wasm'] : ['js'];
const implementations: Implementation[] = kernels.flatMap((kernel): Implementation[] => [
  { name: `FlatIndex (${kernel})`, kernel, approximate: false, create: (s, distance) => new FlatIndex(s, { distance, kernel }) },
  {
    name: `HnswIndex (${kernel})`,
    kernel,
    approximate: true,
    create: (s, distance) => new HnswIndex(s, { distance, kernel, m: 8, efConstruct: 64, seed: 7 }),
  },
]);

const SEED = 20240611;
const DIM = 12;

interface Fixture {
  store: DenseVectorStore;
  index: VectorIndex;
  queries: Float32Array[];
  distance: Distance;
}

function build(impl: Implementation, distance: Distance, n = 400, seed = SEED): Fixture {
  const gen = new ClusteredGenerator({ dim: DIM, clusters: 8, seed, spread: 0.6 });
  const data = gen.sample(n, seed + 1);
  const store = new DenseVectorStore(DIM, 64, { backing: impl.kernel === 'wasm' ? 'wasm' : 'auto' });
  for (let i = 0; i < n; i++) {
    const v = row(data, DIM, i).slice();
    store.set(i, distance === 'Cosine' ? normalizeInPlace(v) : v);
  }
  const index = impl.create(store, distance);
  for (let i = 0; i < n; i++) index.add(i);
  const qs = gen.sample(20, seed + 2);
  const queries = Array.from({ length: 20 }, (_, i) => row(qs, DIM, i).slice());
  return { store, index, queries, distance };
}

/** Brute force over the live offsets with distance.ts (f64), ties by offset. */
function bruteForce(f: Fixture, query: Float32Array, k: number, allowed: (o: number) => boolean): ScoredOffset[] {
  const q = f.distance === 'Cosine' ? normalizeInPlace(query.slice()) : query;
  const all: ScoredOffset[] = [];
  for (let o = 0; o < f.store.size; o++) {
    if (!f.index.has(o) || !allowed(o)) continue;
    all.push({ offset: o, score: score(f.distance, q, 0, f.store.data, o * DIM, DIM) });
  }
  all.sort((a, b) => compareScores(f.distance, a.score, b.score) || a.offset - b.offset);
  return all.slice(0, k);
}

function assertSameResults(actual: ScoredOffset[], expected: ScoredOffset[], context: string): void {
  assert.equal(actual.length, expected.length, `${context}: result count`);
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const e = expected[i]!;
    const tol = 1e-4 * Math.max(1, Math.abs(e.score));
    assert.ok(Math.abs(a.score - e.score) <= tol, `${context}: score #${i} ${a.score} vs ${e.score}`);
    // Near-ties may swap between f32 kernels and the f64 reference; offsets must match otherwise.
    if (a.offset !== e.offset) {
      const swapped = expected.find((x) => x.offset === a.offset);
      assert.ok(swapped !== undefined && Math.abs(swapped.score - a.score) <= tol, `${context}: offset #${i} ${a.offset} vs ${e.offset}`);
    }
  }
}

function assertBestFirst(results: ScoredOffset[], distance: Distance): void {
  for (let i = 1; i < results.length; i++) {
    assert.ok(compareScores(distance, results[i - 1]!.score, results[i]!.score) <= 0, 'results are best first');
  }
}

/** Recall of `actual` against `expected` (by offset). */
function recall(actual: ScoredOffset[], expected: ScoredOffset[]): number {
  if (expected.length === 0) return 1;
  const want = new Set(expected.map((r) => r.offset));
  return actual.filter((r) => want.has(r.offset)).length / expected.length;
}

for (const impl of implementations) {
  describe(`VectorIndex conformance: ${impl.name}`, () => {
    const check = (f: Fixture, query: Float32Array, k: number, got: ScoredOffset[], allowed: (o: number) => boolean, ctx: string): void => {
      const expected = bruteForce(f, query, k, allowed);
      assertBestFirst(got, f.distance);
      for (const r of got) assert.ok(f.index.has(r.offset) && allowed(r.offset), `${ctx}: ${r.offset} is live and allowed`);
      if (impl.approximate) {
        // Scores of whatever is returned must be exact; membership has a recall budget.
        const q = f.distance === 'Cosine' ? normalizeInPlace(query.slice()) : query;
        for (const r of got) {
          const s = score(f.distance, q, 0, f.store.data, r.offset * DIM, DIM);
          assert.ok(Math.abs(s - r.score) <= 1e-4 * Math.max(1, Math.abs(s)), `${ctx}: score of ${r.offset}`);
        }
        assert.ok(recall(got, expected) >= 0.8, `${ctx}: recall ${recall(got, expected)} (seed ${SEED})`);
      } else {
        assertSameResults(got, expected, ctx);
      }
    };

    for (const distance of DISTANCES) {
      it(`returns the k best offsets best-first with Qdrant ${distance} scores`, () => {
        const f = build(impl, distance);
        let total = 0;
        for (const [i, q] of f.queries.entries()) {
          const got = f.index.search(q, 10, { ef: 64 });
          assert.equal(got.length, 10);
          check(f, q, 10, got, () => true, `${distance} query ${i}`);
          total += recall(got, bruteForce(f, q, 10, () => true));
        }
        if (impl.approximate) assert.ok(total / f.queries.length >= 0.95, `${distance} mean recall ${total / f.queries.length}`);
      });

      it(`matches brute force exactly with exact: true (${distance})`, () => {
        const f = build(impl, distance);
        for (const [i, q] of f.queries.entries()) {
          assertSameResults(f.index.search(q, 7, { exact: true }), bruteForce(f, q, 7, () => true), `${distance} query ${i}`);
        }
      });
    }

    it('returns nothing from an empty index and at most size results', () => {
      const store = new DenseVectorStore(DIM);
      const index = impl.create(store, 'Dot');
      assert.deepEqual(index.search(new Float32Array(DIM), 5), []);
      store.set(3, new Float32Array(DIM).fill(1));
      index.add(3);
      const got = index.search(new Float32Array(DIM).fill(1), 5);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.offset, 3);
      assert.equal(got[0]!.score, DIM);
      assert.deepEqual(index.search(new Float32Array(DIM), 0), []);
    });

    it('tracks size, indexedCount and has()', () => {
      const f = build(impl, 'Euclid', 100);
      assert.equal(f.index.size, 100);
      assert.equal(f.index.indexedCount, 100);
      assert.ok(f.index.has(0) && f.index.has(99) && !f.index.has(100) && !f.index.has(-1));
      f.index.delete(5);
      f.index.delete(5);
      f.index.delete(1000);
      assert.equal(f.index.size, 99);
      assert.ok(!f.index.has(5));
    });

    it('never returns deleted offsets', () => {
      const f = build(impl, 'Cosine');
      const rand = mulberry32(SEED);
      for (let o = 0; o < 400; o++) if (rand() < 0.3) f.index.delete(o);
      for (const [i, q] of f.queries.entries()) {
        check(f, q, 10, f.index.search(q, 10, { ef: 64 }), () => true, `query ${i}`);
        assertSameResults(f.index.search(q, 10, { exact: true }), bruteForce(f, q, 10, () => true), `exact query ${i}`);
      }
    });

    it('applies an update when a present offset is re-added', () => {
      const f = build(impl, 'Euclid');
      const target = f.queries[0]!;
      f.store.set(17, target);
      f.index.add(17);
      const got = f.index.search(target, 1, { ef: 64 });
      assert.equal(got[0]!.offset, 17);
      assert.ok(got[0]!.score < 1e-3);
      assert.equal(f.index.size, 400);
    });

    it('returns only offsets the accept callback admits', () => {
      const f = build(impl, 'Dot');
      const allowed = new Uint8Array(400);
      const rand = mulberry32(SEED + 9);
      for (let o = 0; o < 400; o++) allowed[o] = rand() < 0.25 ? 1 : 0;
      const accept = (o: number): boolean => allowed[o] === 1;
      for (const [i, q] of f.queries.entries()) check(f, q, 10, f.index.search(q, 10, { ef: 64, accept }), accept, `query ${i}`);
    });

    it('searchSubset scans exactly the listed live offsets, once each', () => {
      const f = build(impl, 'Manhattan');
      const subset = [3, 3, 10, 50, 51, 52, 399, 400, 100000, -1, 7];
      f.index.delete(7);
      const set = new Set(subset);
      for (const [i, q] of f.queries.entries()) {
        assertSameResults(f.index.searchSubset(q, 5, subset), bruteForce(f, q, 5, (o) => set.has(o)), `query ${i}`);
      }
    });

    it('orders equal scores by offset', () => {
      const store = new DenseVectorStore(4);
      const index = impl.create(store, 'Euclid');
      for (const o of [9, 2, 5]) {
        store.set(o, [1, 0, 0, 0]);
        index.add(o);
      }
      const got = index.search(new Float32Array([0, 0, 0, 0]), 3, { exact: true });
      assert.deepEqual(got.map((r) => r.offset), [2, 5, 9]);
    });

    it('rejects a query of the wrong dimension and an offset without a vector', () => {
      const f = build(impl, 'Dot', 20);
      assert.throws(() => f.index.search(new Float32Array(DIM + 1), 3), RangeError);
      assert.throws(() => f.index.add(12345), RangeError);
    });

    it('serializes and loads to an index with identical results', () => {
      const f = build(impl, 'Cosine');
      f.index.delete(11);
      f.index.delete(12);
      const bytes = f.index.serialize();
      const loaded = loadVectorIndex(bytes, f.store, { kernel: impl.kernel });
      assert.equal(loaded.kind, f.index.kind);
      assert.equal(loaded.size, f.index.size);
      assert.equal(loaded.indexedCount, f.index.indexedCount);
      for (const q of f.queries) {
        assert.deepEqual(loaded.search(q, 10, { ef: 32 }), f.index.search(q, 10, { ef: 32 }));
        assert.deepEqual(loaded.search(q, 10, { exact: true }), f.index.search(q, 10, { exact: true }));
      }
      assert.deepEqual(loaded.serialize(), bytes);
      const corrupt = bytes.slice();
      corrupt[corrupt.length - 5]! ^= 0xff;
      assert.throws(() => loadVectorIndex(corrupt, f.store), /corrupt/);
      assert.throws(() => loadVectorIndex(bytes.subarray(0, bytes.length - 1), f.store), /truncated/);
      assert.throws(() => loadVectorIndex(bytes, new DenseVectorStore(DIM + 1)), /dim/);
    });

    it('keeps working when the store grows after indexing', () => {
      const f = build(impl, 'Euclid', 50);
      const v = new Float32Array(DIM).fill(100);
      f.store.set(5000, v);
      f.index.add(5000);
      assert.equal(f.index.search(v, 1)[0]!.offset, 5000);
      for (const q of f.queries) check(f, q, 5, f.index.search(q, 5, { ef: 64 }), () => true, 'after growth');
    });

    if (impl.skip !== undefined) for (const [name, reason] of Object.entries(impl.skip)) void it.skip(`${name} (${reason})`);
  });
}
