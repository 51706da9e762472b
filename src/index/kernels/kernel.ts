import type { Distance } from '../distance.js';
import type { WasmMemory } from './wasm-api.js';

/**
 * Where a kernel reads rows: row `o` is `data[o·dim …]`. `DenseVectorStore` is one; a worker
 * thread builds one over the same shared memory.
 */
export interface KernelSource {
  readonly dim: number;
  /** The rows; re-read on every call (it may be replaced when the source grows). */
  readonly data: Float32Array;
  /** The shared wasm memory holding `data` (rows start at `data.byteOffset`), if any. */
  readonly wasmMemory: WasmMemory | undefined;
  /** Byte address of a scratch slot in `wasmMemory` (query + batch buffers). */
  scratchAddress(slot: number): number;
}

/** Which implementation computes distances. */
export type KernelName = 'wasm-simd128' | 'js';

/** Kernel choice: `auto` takes WASM SIMD128 when the runtime and the store allow it. */
export type KernelChoice = 'auto' | 'wasm' | 'js';

/**
 * The distance hot loop, bound to one vector store. Distances are *internal*: lower is closer for
 * every metric (Cosine/Dot: −dot, Euclid: squared L2, Manhattan: L1); `toScore` turns one into the
 * score Qdrant reports.
 *
 * A kernel holds one current query. Callers set it at the start of every synchronous operation and
 * must not yield to the event loop between `setQuery*` and the last distance they need.
 */
export interface DistanceKernel {
  readonly name: KernelName;
  readonly distance: Distance;
  readonly dim: number;
  /** Copies `query` (length `dim`) as the current query; Cosine queries are normalised on the copy. */
  setQuery(query: Float32Array): void;
  /** Makes stored row `offset` the current query (no copy where the backing allows it). */
  setQueryRow(offset: number): void;
  /** Internal distance from the current query to row `offset`. */
  toQuery(offset: number): number;
  /** Internal distance between rows `a` and `b`. */
  between(a: number, b: number): number;
  /** Offsets for the batched calls (capacity {@link BATCH_CAPACITY}); fill, then call a batch method. */
  readonly batchIds: Int32Array;
  /** Results of the batched calls (capacity BATCH_CAPACITY + 1: the slot after the last result is scratch). */
  readonly batchOut: Float32Array;
  /** `batchOut[i] = toQuery(batchIds[i])` for `i < count`: one call per expanded graph node. */
  toQueryBatch(count: number): void;
  /** `batchOut[i] = between(row, batchIds[i])` for `i < count` (the current query is untouched). */
  betweenBatch(row: number, count: number): void;
  /** False once the store changed backing under the kernel (then create a new one). */
  valid(): boolean;
}

/** Capacity of a kernel's batch buffers: the largest link list (2·m with m ≤ 1024). */
export const BATCH_CAPACITY = 2048;

/** Turns an internal distance into the score Qdrant reports. */
export function toScore(distance: Distance, internal: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return -internal;
    case 'Euclid':
      return Math.sqrt(internal > 0 ? internal : 0);
    case 'Manhattan':
      return internal;
  }
}

/** Turns a Qdrant score into the internal distance (inverse of `toScore`). */
export function fromScore(distance: Distance, score: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return -score;
    case 'Euclid':
      return score * score;
    case 'Manhattan':
      return score;
  }
}
