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

const SEED = 424242;
const DIMS = [1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 63, 100, 128, 384, 768, 1536];
const simd = simdSupported();

/** |a − b| ≤ 1e-5 · max(1, |b|): f32 accumulation against the f64 reference. */
function close(a: number, b: number, ctx: string): void {
  assert.ok(Math.abs(a - b) <= 1e-5 * Math.max(1, Math.abs(b)), `${ctx}: ${a} vs ${b} (seed ${SEED})`);
}

describe('WASM SIMD128 kernel', { skip: simd ? false : 'WebAssembly SIMD128 unavailable' }, () => {
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
