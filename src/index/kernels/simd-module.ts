import { wasmApi, type WasmMemory, type WasmModule } from './wasm-api.js';
import { CodeWriter, F32, I32, OP, SIMD, V128, assembleModule, type FunctionDef } from './wasm-assembler.js';

/**
 * The WASM SIMD128 distance kernel, assembled at load time. Every function takes byte pointers into
 * the imported (shared) memory and a component count:
 *
 *   neg_dot(a, b, n) → −Σ a·b        l2sq(a, b, n) → Σ (a−b)²        l1(a, b, n) → Σ |a−b|
 *   sum(a, n) → Σ a   (used by the benchmarks to measure memory bandwidth)
 *
 * and batched forms `<fn>_batch(q, base, stride, ids, count, out, n)` writing
 * `out[i] = fn(q, base + ids[i]·stride, n)` for i < count: one JS→wasm transition per expanded
 * graph node instead of one per neighbour, and a tight loop in which the CPU overlaps the cache
 * misses of consecutive rows (hnswlib gets the same from explicit prefetches).
 *
 * The main loop takes 16 floats per step into four independent f32x4 accumulators (hiding the
 * add latency), then a 4-float loop and a scalar tail handle any `n`. Accumulation is in f32, as
 * in Qdrant's and hnswlib's SIMD kernels.
 */

export const KERNEL_MEMORY = { module: 'env', field: 'memory' } as const;
/** Upper bound of a wasm32 memory: 65 536 pages of 64 KiB = 4 GiB. */
export const MAX_PAGES = 65536;

type Combine = 'dot' | 'l2' | 'l1' | 'sum';

// Locals: 0 a, 1 b, 2 n | 3 endA, 4 end16A, 5..8 acc0..acc3, 9 tmp v128, 10 s f32, 11 tmp f32
const A = 0;
const B = 1;
const N = 2;
const END = 3;
const END16 = 4;
const ACC = [5, 6, 7, 8] as const;
const TMP = 9;
const S = 10;
const TMPF = 11;

function vectorStep(w: CodeWriter, combine: Combine, offset: number, acc: number): void {
  w.get(acc);
  w.get(A).v128Load(offset);
  if (combine !== 'sum') {
    w.get(B).v128Load(offset);
    switch (combine) {
      case 'dot':
        w.simd(SIMD.f32x4Mul);
        break;
      case 'l2':
        w.simd(SIMD.f32x4Sub).tee(TMP).get(TMP).simd(SIMD.f32x4Mul);
        break;
      case 'l1':
        w.simd(SIMD.f32x4Sub).simd(SIMD.f32x4Abs);
        break;
    }
  }
  w.simd(SIMD.f32x4Add).set(acc);
}

function advance(w: CodeWriter, combine: Combine, bytes: number): void {
  w.get(A).i32(bytes).op(OP.i32Add).set(A);
  if (combine !== 'sum') w.get(B).i32(bytes).op(OP.i32Add).set(B);
}

function kernelFunction(fname: string, combine: Combine, negate: boolean): FunctionDef {
  const w = new CodeWriter();
  // end16A = a + ((n & -16) << 2); endA = a + (n << 2)
  w.get(A).get(N).i32(-16).op(OP.i32And).i32(2).op(OP.i32Shl).op(OP.i32Add).set(END16);
  w.get(A).get(N).i32(2).op(OP.i32Shl).op(OP.i32Add).set(END);
  // 16 floats per step
  w.op(OP.block, OP.blockTypeEmpty, OP.loop, OP.blockTypeEmpty);
  w.get(A).get(END16).op(OP.i32GeU).op(OP.brIf, 1);
  for (let j = 0; j < 4; j++) vectorStep(w, combine, j * 16, ACC[j]!);
  advance(w, combine, 64);
  w.op(OP.br, 0, OP.end, OP.end);
  // 4 floats per step while a + 16 <= endA
  w.op(OP.block, OP.blockTypeEmpty, OP.loop, OP.blockTypeEmpty);
  w.get(A).i32(16).op(OP.i32Add).get(END).op(OP.i32GtU).op(OP.brIf, 1);
  vectorStep(w, combine, 0, ACC[0]);
  advance(w, combine, 16);
  w.op(OP.br, 0, OP.end, OP.end);
  // horizontal sum: (acc0 + acc1) + (acc2 + acc3), then lanes
  w.get(ACC[0]).get(ACC[1]).simd(SIMD.f32x4Add).get(ACC[2]).get(ACC[3]).simd(SIMD.f32x4Add).simd(SIMD.f32x4Add).tee(TMP);
  w.lane(0).get(TMP).lane(1).op(OP.f32Add).get(TMP).lane(2).get(TMP).lane(3).op(OP.f32Add).op(OP.f32Add).set(S);
  // scalar tail
  w.op(OP.block, OP.blockTypeEmpty, OP.loop, OP.blockTypeEmpty);
  w.get(A).get(END).op(OP.i32GeU).op(OP.brIf, 1);
  w.get(S).get(A).f32Load();
  if (combine !== 'sum') {
    w.get(B).f32Load();
    switch (combine) {
      case 'dot':
        w.op(OP.f32Mul);
        break;
      case 'l2':
        w.op(OP.f32Sub).tee(TMPF).get(TMPF).op(OP.f32Mul);
        break;
      case 'l1':
        w.op(OP.f32Sub, OP.f32Abs);
        break;
    }
  }
  w.op(OP.f32Add).set(S);
  advance(w, combine, 4);
  w.op(OP.br, 0, OP.end, OP.end);
  w.get(S);
  if (negate) w.op(OP.f32Neg);
  return {
    name: fname,
    params: [I32, I32, I32],
    results: [F32],
    locals: [I32, I32, V128, V128, V128, V128, V128, F32, F32],
    body: w,
  };
}

// Batch locals: 0 q, 1 base, 2 stride, 3 ids, 4 count, 5 out, 6 n | 7 i (byte index), 8 row, 9 line, 10 end, 11 touch f32
function batchFunction(fname: string, target: number): FunctionDef {
  const w = new CodeWriter();
  const [q, base, stride, ids, count, out, n, i, rowPtr, line, end, touch] = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
  // count → end byte index
  w.get(count).i32(2).op(OP.i32Shl).set(count);
  // Pass 1, a software prefetch (wasm has no prefetch instruction): load one float from every
  // cache line of every row, so the misses of all rows are in flight at once.
  w.op(OP.block, OP.blockTypeEmpty, OP.loop, OP.blockTypeEmpty);
  w.get(i).get(count).op(OP.i32GeU).op(OP.brIf, 1);
  w.get(base).get(ids).get(i).op(OP.i32Add).i32Load().get(stride).op(OP.i32Mul).op(OP.i32Add).tee(rowPtr);
  w.get(stride).op(OP.i32Add).set(end);
  w.get(rowPtr).set(line);
  w.op(OP.block, OP.blockTypeEmpty, OP.loop, OP.blockTypeEmpty);
  w.get(line).get(end).op(OP.i32GeU).op(OP.brIf, 1);
  w.get(touch).get(line).f32Load().op(OP.f32Add).set(touch);
  w.get(line).i32(64).op(OP.i32Add).set(line);
  w.op(OP.br, 0, OP.end, OP.end);
  w.get(i).i32(4).op(OP.i32Add).set(i);
  w.op(OP.br, 0, OP.end, OP.end);
  // The sum is never read, but storing it keeps the loads alive.
  w.get(out).get(count).op(OP.i32Add).get(touch).f32Store();
  w.i32(0).set(i);
  // Pass 2: out[i] = fn(q, base + ids[i] * stride, n)
  w.op(OP.block, OP.blockTypeEmpty, OP.loop, OP.blockTypeEmpty);
  w.get(i).get(count).op(OP.i32GeU).op(OP.brIf, 1);
  w.get(out).get(i).op(OP.i32Add);
  w.get(q);
  w.get(base).get(ids).get(i).op(OP.i32Add).i32Load().get(stride).op(OP.i32Mul).op(OP.i32Add);
  w.get(n).call(target).f32Store();
  w.get(i).i32(4).op(OP.i32Add).set(i);
  w.op(OP.br, 0, OP.end, OP.end);
  return { name: fname, params: [I32, I32, I32, I32, I32, I32, I32], results: [], locals: [I32, I32, I32, I32, F32], body: w };
}

/** The kernel module's bytes (shared memory import, so workers can share vectors). */
export function kernelModuleBytes(shared = true): Uint8Array {
  // Function indices follow this order (no imported functions): 0 neg_dot, 1 dot, 2 l2sq, 3 l1.
  return assembleModule({ ...KERNEL_MEMORY, minPages: 0, maxPages: MAX_PAGES, shared }, [
    kernelFunction('neg_dot', 'dot', true),
    kernelFunction('dot', 'dot', false),
    kernelFunction('l2sq', 'l2', false),
    kernelFunction('l1', 'l1', false),
    kernelFunction('sum', 'sum', false),
    batchFunction('neg_dot_batch', 0),
    batchFunction('l2sq_batch', 2),
    batchFunction('l1_batch', 3),
  ]);
}

export type BatchFn = (q: number, base: number, stride: number, ids: number, count: number, out: number, n: number) => void;

/** The exports of an instantiated kernel module. */
export interface KernelExports {
  neg_dot: (a: number, b: number, n: number) => number;
  dot: (a: number, b: number, n: number) => number;
  l2sq: (a: number, b: number, n: number) => number;
  l1: (a: number, b: number, n: number) => number;
  /** `sum(a, b, n)`: `b` is ignored. */
  sum: (a: number, b: number, n: number) => number;
  neg_dot_batch: BatchFn;
  l2sq_batch: BatchFn;
  l1_batch: BatchFn;
}

let compiled: WasmModule | null | undefined;

/**
 * The compiled kernel module, or null when this runtime lacks WebAssembly SIMD128 or threads
 * (shared memory). Compiled once per thread, synchronously (the module is a few hundred bytes).
 */
export function kernelModule(): WasmModule | null {
  if (compiled !== undefined) return compiled;
  try {
    const bytes = kernelModuleBytes(true);
    compiled = wasmApi !== undefined && wasmApi.validate(bytes) ? new wasmApi.Module(bytes) : null;
  } catch {
    compiled = null;
  }
  return compiled;
}

/** True when the WASM SIMD128 kernel can run here. */
export function simdSupported(): boolean {
  return kernelModule() !== null;
}

function isKernelExports(x: Record<string, unknown>): x is Record<string, unknown> & KernelExports {
  return ['neg_dot', 'dot', 'l2sq', 'l1', 'sum', 'neg_dot_batch', 'l2sq_batch', 'l1_batch'].every((k) => typeof x[k] === 'function');
}

/** Instantiates the kernel over `memory` (a shared WebAssembly.Memory). */
export function instantiateKernel(memory: WasmMemory): KernelExports {
  const module = kernelModule();
  if (module === null || wasmApi === undefined) throw new Error('WebAssembly SIMD128 is not available in this runtime');
  const instance = new wasmApi.Instance(module, { env: { memory } });
  const exports = instance.exports;
  if (!isKernelExports(exports)) throw new Error('kernel module is missing exports');
  return exports;
}
