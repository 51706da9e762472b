import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { DISTANCES, normalizeInPlace, score } from '../../../../src/index/distance.js';
import { JsKernel } from '../../../../src/index/kernels/js-kernel.js';
import { toScore, fromScore } from '../../../../src/index/kernels/kernel.js';
import { createKernel, simdSupported } from '../../../../src/index/kernels/select.js';
import { instantiateKernel, kernelModuleBytes } from '../../../../src/index/kernels/simd-module.js';
import { WasmKernel } from '../../../../src/index/kernels/wasm-kernel.js';
import { wasmApi } from '../../../../src/index/kernels/wasm-api.js';
import { DenseVectorStore } from '../../../../src/index/vector-store.js';
import { gaussian, mulberry32 } from '../../../fixtures/clustered.js';
import { assertCanRun, skipUnlessRequired } from '../../../support/skips.js';

const SEED = 424242;
const DIMS = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 100, 128, 384, 768, 1536];
const simd = simdSupported();

/** |a − b| ≤ 1e-5 · max(1, |b|): f32 accumulation against the f64 reference. */
function close(a: number, b: number, ctx: string): void {
  assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${ctx}: ${a} vs ${b} (seed ${SEED})`);
}

const noSimd = simd ? false : 'WebAssembly SIMD128 unavailable';

// Node 20 has SIMD128 everywhere it runs; without it this block skips on a developer machine, and fails in CI.
describe('WASM SIMD128 kernel', skipUnlessRequired(noSimd), () => {
  it('can run here', () => assertCanRun(noSimd));

  it('assembles a module that validates', () => {
    assert.ok(wasmApi?.validate(kernelModuleBytes(true)));
    assert.ok(wasmApi?.validate(kernelModuleBytes(false)));
  });

  for (const distance of DISTANCES) {
    it(`agrees with the pure-TS kernel and distance.ts within 1e-5 (${distance})`, () => {
      const g = gaussian(mulberry32(SEED + distance.length));
      for (const dim of DIMS) {
        const n = 24;
        const wasmStore = new DenseVectorStore(dim, 4, { backing: 'wasm' });
        const jsStore = new DenseVectorStore(dim, 4, { backing: 'shared' });
        // Dot sums cancel, so f32 error scales with Σ|a·b|, not with the result: keep Dot vectors
        // embedding-like (norm ~2). Euclid/Manhattan sums are all-positive, so any scale works.
        const scale = distance === 'Dot' ? 2 / Math.sqrt(dim) : 3;
        for (let o = 0; o < n; o++) {
          const v = Float32Array.from({ length: dim }, () => g() * scale);
          if (distance === 'Cosine') normalizeInPlace(v);
          wasmStore.set(o, v);
          jsStore.set(o, v);
        }
        const wk = new WasmKernel(wasmStore, distance);
        const jk = new JsKernel(jsStore, distance);
        const q = Float32Array.from({ length: dim }, () => g() * scale);
        wk.setQuery(q);
        jk.setQuery(q);
        const qn = distance === 'Cosine' ? normalizeInPlace(q.slice()) : q;
        for (let o = 0; o < n; o++) {
          const ref = score(distance, qn, 0, jsStore.data, o * dim, dim);
          close(wk.toQuery(o), jk.toQuery(o), `${distance} dim ${dim} toQuery(${o})`);
          close(toScore(distance, wk.toQuery(o)), ref, `${distance} dim ${dim} score(${o})`);
          close(toScore(distance, jk.toQuery(o)), ref, `${distance} dim ${dim} js score(${o})`);
          const b = (o * 7 + 3) % n;
          close(wk.between(o, b), jk.between(o, b), `${distance} dim ${dim} between(${o}, ${b})`);
        }
        // Batched forms (ids in reverse order, with repeats) agree with the single calls.
        const count = n + 3;
        for (let i = 0; i < count; i++) {
          wk.batchIds[i] = (n - 1 - i + n) % n;
          jk.batchIds[i] = (n - 1 - i + n) % n;
        }
        wk.toQueryBatch(count);
        jk.toQueryBatch(count);
        for (let i = 0; i < count; i++) {
          close(wk.batchOut[i]!, wk.toQuery(wk.batchIds[i]!), `${distance} dim ${dim} toQueryBatch #${i}`);
          close(jk.batchOut[i]!, jk.toQuery(jk.batchIds[i]!), `${distance} dim ${dim} js toQueryBatch #${i}`);
        }
        wk.betweenBatch(3, count);
        jk.betweenBatch(3, count);
        for (let i = 0; i < count; i++) close(wk.batchOut[i]!, jk.batchOut[i]!, `${distance} dim ${dim} betweenBatch #${i}`);
        wk.setQueryRow(5);
        jk.setQueryRow(5);
        for (let o = 0; o < n; o++) close(wk.toQuery(o), jk.toQuery(o), `${distance} dim ${dim} row query`);
      }
    });
  }

  it('computes sums over any length (bandwidth probe)', () => {
    const store = new DenseVectorStore(37, 4, { backing: 'wasm' });
    const v = Float32Array.from({ length: 37 }, (_, i) => i * 0.5);
    store.set(0, v);
    const memory = store.wasmMemory;
    assert.ok(memory !== undefined);
    const k = instantiateKernel(memory);
    close(k.sum(store.data.byteOffset, 0, 37), v.reduce((a, b) => a + b, 0), 'sum');
  });

  it('keeps reading rows after the store grows in place', () => {
    const store = new DenseVectorStore(8, 16, { backing: 'wasm' });
    store.set(0, new Float32Array(8).fill(1));
    const k = createKernel(store, 'Dot');
    assert.equal(k.name, 'wasm-simd128');
    store.set(100000, new Float32Array(8).fill(2));
    k.setQuery(new Float32Array(8).fill(1));
    assert.equal(k.toQuery(100000), -16);
    assert.equal(k.toQuery(0), -8);
    assert.ok(k.valid());
  });
});

/**
 * The oracle every kernel is held to: Qdrant's score written out naively, in float64, from the definitions
 * (Cosine: dot of unit vectors; Dot; Euclid: √Σ(a−b)²; Manhattan: Σ|a−b|). No code shared with src/.
 */
function naiveScore(distance: string, a: ArrayLike<number>, b: ArrayLike<number>): number {
  let acc = 0;
  if (distance === 'Cosine') {
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.length; i++) {
      na += a[i]! * a[i]!;
      nb += b[i]! * b[i]!;
    }
    na = Math.sqrt(na) || 1;
    nb = Math.sqrt(nb) || 1;
    for (let i = 0; i < a.length; i++) acc += (a[i]! / na) * (b[i]! / nb);
    return acc;
  }
  for (let i = 0; i < a.length; i++) {
    if (distance === 'Dot') acc += a[i]! * b[i]!;
    else if (distance === 'Euclid') acc += (a[i]! - b[i]!) ** 2;
    else acc += Math.abs(a[i]! - b[i]!);
  }
  return distance === 'Euclid' ? Math.sqrt(acc) : acc;
}

describe('pure-TS kernel and distance.ts against a naive float64 loop', () => {
  it('checks the oracle itself on hand-computed values', () => {
    assert.equal(naiveScore('Dot', [1, 2, 3], [4, -5, 6]), 12);
    assert.equal(naiveScore('Euclid', [0, 0], [3, 4]), 5);
    assert.equal(naiveScore('Manhattan', [1, -1], [-2, 3]), 7);
    close(naiveScore('Cosine', [3, 4], [1, 0]), 0.6, 'cosine');
  });

  for (const distance of DISTANCES) {
    it(`agree with the oracle within 1e-5 on every dimension (${distance})`, () => {
      const g = gaussian(mulberry32(SEED * 3 + distance.length));
      for (const dim of DIMS) {
        const n = 16;
        const store = new DenseVectorStore(dim, 4, { backing: 'shared' });
        const rows: Float32Array[] = [];
        const scale = distance === 'Dot' ? 2 / Math.sqrt(dim) : 3;
        for (let o = 0; o < n; o++) {
          const v = Float32Array.from({ length: dim }, () => g() * scale);
          // Stored rows are what the collection stores: normalised for Cosine. The oracle normalises again (a no-op).
          if (distance === 'Cosine') normalizeInPlace(v);
          rows.push(v);
          store.set(o, v);
        }
        const raw = Float32Array.from({ length: dim }, () => g() * scale);
        const kernel = new JsKernel(store, distance);
        kernel.setQuery(raw);
        const qn = distance === 'Cosine' ? normalizeInPlace(raw.slice()) : raw;
        for (let o = 0; o < n; o++) {
          const want = naiveScore(distance, raw, rows[o]!);
          close(score(distance, qn, 0, store.data, o * dim, dim), want, `distance.ts ${distance} dim ${dim} row ${o}`);
          close(toScore(distance, kernel.toQuery(o)), want, `js kernel ${distance} dim ${dim} row ${o}`);
          const b = (o * 5 + 1) % n;
          close(toScore(distance, kernel.between(o, b)), naiveScore(distance, rows[o]!, rows[b]!), `js kernel between ${distance} dim ${dim}`);
        }
      }
    });
  }
});

describe('kernel selection', () => {
  it('picks WASM for a wasm-backed store and TS for a SharedArrayBuffer store', () => {
    const shared = new DenseVectorStore(4, 16, { backing: 'shared' });
    assert.equal(shared.backing, 'shared');
    assert.equal(createKernel(shared, 'Dot').name, 'js');
    assert.equal(createKernel(shared, 'Dot', 'js').name, 'js');
    assert.throws(() => createKernel(shared, 'Dot', 'wasm'));
    if (simd) {
      const wasm = new DenseVectorStore(4);
      assert.equal(wasm.backing, 'wasm');
      assert.ok(wasm.data.buffer instanceof SharedArrayBuffer);
      assert.equal(createKernel(wasm, 'Dot').name, 'wasm-simd128');
      assert.equal(createKernel(wasm, 'Dot', 'js').name, 'js');
    }
  });

  it('normalises Cosine queries and converts scores both ways', () => {
    const store = new DenseVectorStore(2, 4, { backing: 'shared' });
    store.set(0, [1, 0]);
    const k = createKernel(store, 'Cosine');
    k.setQuery(new Float32Array([3, 4]));
    close(toScore('Cosine', k.toQuery(0)), 0.6, 'cosine');
    for (const d of DISTANCES) close(toScore(d, fromScore(d, 0.25)), 0.25, d);
    assert.equal(toScore('Euclid', -1e-9), 0);
  });
});
