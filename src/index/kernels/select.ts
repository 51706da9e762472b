import type { Distance } from '../distance.js';
import { JsKernel } from './js-kernel.js';
import type { DistanceKernel, KernelChoice, KernelSource } from './kernel.js';
import { simdSupported } from './simd-module.js';
import { WasmKernel } from './wasm-kernel.js';

/**
 * Picks the distance kernel for a store: WASM SIMD128 when asked (`auto` or `wasm`), the runtime
 * supports it and the store is wasm-backed; otherwise the pure-TS kernel.
 *
 * @throws Error when `choice` is `wasm` and the WASM kernel cannot be used.
 */
export function createKernel(store: KernelSource, distance: Distance, choice: KernelChoice = 'auto', scratchSlot = 0): DistanceKernel {
  if (choice !== 'js' && simdSupported() && store.wasmMemory !== undefined) return new WasmKernel(store, distance, scratchSlot);
  if (choice === 'wasm') {
    throw new Error(
      simdSupported() ? 'the WASM kernel needs a wasm-backed vector store' : 'WebAssembly SIMD128 is not available',
    );
  }
  return new JsKernel(store, distance);
}

export { simdSupported };
export type { DistanceKernel, KernelChoice, KernelSource } from './kernel.js';
