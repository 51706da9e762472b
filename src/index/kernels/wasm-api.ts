/**
 * The slice of the WebAssembly JS API the kernels use, typed locally: this project's `lib` has no
 * DOM and @types/node 20 does not declare `WebAssembly`, and a global declaration here could clash
 * with one added later. Undefined when the runtime has no WebAssembly.
 */

export interface WasmMemoryDescriptor {
  initial: number;
  maximum?: number;
  shared?: boolean;
}

export interface WasmMemory {
  /** A SharedArrayBuffer for shared memories; a fresh object after every `grow`. */
  readonly buffer: ArrayBufferLike;
  grow(deltaPages: number): number;
}

/** A compiled module (opaque). */
export interface WasmModule {
  readonly __wasmModule?: never;
}

export interface WasmInstance {
  readonly exports: Record<string, unknown>;
}

export interface WasmApi {
  Memory: new (descriptor: WasmMemoryDescriptor) => WasmMemory;
  Module: new (bytes: Uint8Array) => WasmModule;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => WasmInstance;
  validate(bytes: Uint8Array): boolean;
}

export const wasmApi: WasmApi | undefined = (globalThis as { WebAssembly?: WasmApi }).WebAssembly;
