import type { Distance } from '../distance.js';
import { BATCH_CAPACITY, type DistanceKernel, type KernelSource } from './kernel.js';
import { instantiateKernel, type BatchFn, type KernelExports } from './simd-module.js';
import type { WasmMemory } from './wasm-api.js';

type PtrFn = (a: number, b: number, n: number) => number;

/** Instances per memory: every index on one store shares one instance (they are stateless). */
const instances = new WeakMap<WasmMemory, KernelExports>();

export function kernelExportsFor(memory: WasmMemory): KernelExports {
  let k = instances.get(memory);
  if (k === undefined) {
    k = instantiateKernel(memory);
    instances.set(memory, k);
  }
  return k;
}

function pick(k: KernelExports, distance: Distance): [PtrFn, BatchFn] {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return [k.neg_dot, k.neg_dot_batch];
    case 'Euclid':
      return [k.l2sq, k.l2sq_batch];
    case 'Manhattan':
      return [k.l1, k.l1_batch];
  }
}

/**
 * WASM SIMD128 kernel over a wasm-backed `KernelSource`: rows are read in place; a query is
 * copied once into the store's scratch slot.
 */
export class WasmKernel implements DistanceKernel {
  readonly name = 'wasm-simd128' as const;
  readonly distance: Distance;
  readonly dim: number;
  private readonly store: KernelSource;
  private readonly memory: WasmMemory;
  private readonly fn: PtrFn;
  private readonly batchFn: BatchFn;
  private readonly idsPtr: number;
  private readonly outPtr: number;
  readonly batchIds: Int32Array;
  readonly batchOut: Float32Array;
  private readonly base: number;
  private readonly stride: number;
  private readonly scratch: number;
  private readonly normalise: boolean;
  private qPtr: number;

  /** @throws Error when the store is not wasm-backed. */
  constructor(store: KernelSource, distance: Distance, scratchSlot = 0) {
    const memory = store.wasmMemory;
    if (memory === undefined) throw new Error('WasmKernel needs a wasm-backed vector store');
    this.store = store;
    this.memory = memory;
    this.distance = distance;
    this.dim = store.dim;
    [this.fn, this.batchFn] = pick(kernelExportsFor(memory), distance);
    this.base = store.data.byteOffset;
    this.stride = store.dim * 4;
    this.scratch = store.scratchAddress(scratchSlot);
    this.qPtr = this.scratch;
    this.normalise = distance === 'Cosine';
    // Scratch slot layout: [query: dim f32, 64-aligned][ids: BATCH_CAPACITY i32][out: BATCH_CAPACITY f32]
    this.idsPtr = this.scratch + Math.ceil((this.dim * 4) / 64) * 64;
    this.outPtr = this.idsPtr + BATCH_CAPACITY * 4;
    // Shared memories never detach, so these views stay valid across growth.
    this.batchIds = new Int32Array(memory.buffer, this.idsPtr, BATCH_CAPACITY);
    this.batchOut = new Float32Array(memory.buffer, this.outPtr, BATCH_CAPACITY);
  }

  setQuery(query: Float32Array): void {
    if (query.length !== this.dim) throw new RangeError(`expected ${this.dim} components, got ${query.length}`);
    const q = new Float32Array(this.memory.buffer, this.scratch, this.dim);
    q.set(query);
    if (this.normalise) {
      let n = 0;
      for (let i = 0; i < q.length; i++) n += q[i]! * q[i]!;
      if (n > 0) {
        const inv = 1 / Math.sqrt(n);
        for (let i = 0; i < q.length; i++) q[i] = q[i]! * inv;
      }
    }
    this.qPtr = this.scratch;
  }

  setQueryRow(offset: number): void {
    this.qPtr = this.base + offset * this.stride;
  }

  toQuery(offset: number): number {
    return this.fn(this.qPtr, this.base + offset * this.stride, this.dim);
  }

  between(a: number, b: number): number {
    return this.fn(this.base + a * this.stride, this.base + b * this.stride, this.dim);
  }

  toQueryBatch(count: number): void {
    this.batchFn(this.qPtr, this.base, this.stride, this.idsPtr, count, this.outPtr, this.dim);
  }

  betweenBatch(row: number, count: number): void {
    this.batchFn(this.base + row * this.stride, this.base, this.stride, this.idsPtr, count, this.outPtr, this.dim);
  }

  valid(): boolean {
    return this.store.wasmMemory === this.memory;
  }
}
