/**
 * Dense vectors of one name, contiguous in memory: row `offset` lives at `data[offset * dim …]`.
 * The buffer is a SharedArrayBuffer so worker threads can scan it without copies. Rows that hold no
 * vector (deleted points, points without this named vector) are marked absent.
 *
 * Backing: with `backing: 'wasm'` (the default where WebAssembly SIMD128 is available) the rows live
 * in a shared `WebAssembly.Memory`, so the SIMD distance kernel (`index/kernels`) reads them in
 * place; its buffer is still a SharedArrayBuffer. A wasm32 memory holds at most 4 GiB: a store that
 * outgrows it moves to a plain SharedArrayBuffer (`backing` then reads `shared`) and indexes fall
 * back to the pure-TS kernel. The first bytes of the memory are scratch slots for kernel queries.
 */
import { wasmApi, type WasmMemory } from './kernels/wasm-api.js';

export type VectorBacking = 'auto' | 'wasm' | 'shared';

export interface DenseVectorStoreOptions {
  /** Where rows live; `auto` (default) = `wasm` when WebAssembly SIMD128 works, else `shared`. */
  backing?: VectorBacking;
}

const PAGE = 65536;
const MAX_WASM_BYTES = 65536 * PAGE;
/** Query scratch slots at the start of a wasm-backed memory (one per concurrent kernel user). */
export const SCRATCH_SLOTS = 8;
/** Bytes of each slot beyond the query: batch ids and results (kernels' BATCH_CAPACITY × 2 × 4) + spare. */
const SLOT_EXTRA = 2048 * 8 + 64;

let simdProbe: boolean | undefined;
function wasmSimdAvailable(): boolean {
  if (simdProbe !== undefined) return simdProbe;
  // Smallest module that imports a shared memory and uses one v128 op (f32x4.splat).
  const bytes = new Uint8Array([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, 0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, 0x02, 0x10, 0x01, 0x03,
    0x65, 0x6e, 0x76, 0x06, 0x6d, 0x65, 0x6d, 0x6f, 0x72, 0x79, 0x02, 0x03, 0x00, 0x01, 0x03, 0x02, 0x01, 0x00, 0x0a,
    0x0b, 0x01, 0x09, 0x00, 0x43, 0x00, 0x00, 0x00, 0x00, 0xfd, 0x13, 0x0b,
  ]);
  try {
    simdProbe = wasmApi !== undefined && wasmApi.validate(bytes);
  } catch {
    simdProbe = false;
  }
  return simdProbe === true;
}

export class DenseVectorStore {
  readonly dim: number;
  private buffer: Float32Array;
  private present: Uint8Array;
  private capacity: number;
  private rows = 0;
  private live = 0;
  private memory: WasmMemory | undefined;
  private readonly rowBytes: number;
  private readonly slotBytes: number;
  private readonly base: number;

  constructor(dim: number, initialCapacity = 1024, options: DenseVectorStoreOptions = {}) {
    this.dim = dim;
    this.capacity = Math.max(16, initialCapacity);
    this.rowBytes = dim * 4;
    this.slotBytes = Math.ceil(this.rowBytes / 64) * 64 + SLOT_EXTRA;
    this.base = SCRATCH_SLOTS * this.slotBytes;
    const backing = options.backing ?? 'auto';
    const wantWasm = backing === 'wasm' || (backing === 'auto' && wasmSimdAvailable());
    if (wantWasm && this.base + this.capacity * this.rowBytes <= MAX_WASM_BYTES) {
      try {
        const pages = Math.ceil((this.base + this.capacity * this.rowBytes) / PAGE);
        if (wasmApi === undefined) throw new Error('WebAssembly is not available');
        this.memory = new wasmApi.Memory({ initial: pages, maximum: 65536, shared: true });
      } catch (err) {
        if (backing === 'wasm') throw err;
        this.memory = undefined;
      }
    } else if (backing === 'wasm') {
      throw new RangeError('wasm backing needs WebAssembly SIMD128 and at most 4 GiB of vectors');
    }
    if (this.memory !== undefined) {
      this.buffer = new Float32Array(this.memory.buffer, this.base, this.capacity * dim);
    } else {
      this.buffer = new Float32Array(new SharedArrayBuffer(this.capacity * dim * 4));
    }
    this.present = new Uint8Array(new SharedArrayBuffer(this.capacity));
  }

  /** The backing array; valid until the next `set` that grows the store. */
  get data(): Float32Array {
    return this.buffer;
  }

  /** The presence flags (1 = row holds a vector); valid until the next growth. */
  get presence(): Uint8Array {
    return this.present;
  }

  /** One past the highest row ever written. */
  get size(): number {
    return this.rows;
  }

  /** Number of rows that hold a vector. */
  get count(): number {
    return this.live;
  }

  /** Where the rows live now. */
  get backing(): 'wasm' | 'shared' {
    return this.memory === undefined ? 'shared' : 'wasm';
  }

  /** The shared WebAssembly.Memory holding the rows, when wasm-backed. Rows start at `data.byteOffset`. */
  get wasmMemory(): WasmMemory | undefined {
    return this.memory;
  }

  /**
   * Byte address (in `wasmMemory`) of scratch slot `slot` (0 ≤ slot < SCRATCH_SLOTS): room for one
   * query (`dim` floats, padded to 64 bytes) plus 16 KiB of batch buffers.
   */
  scratchAddress(slot: number): number {
    if (slot < 0 || slot >= SCRATCH_SLOTS) throw new RangeError(`scratch slot ${slot} out of range`);
    return slot * this.slotBytes;
  }

  has(offset: number): boolean {
    return offset < this.rows && this.present[offset] === 1;
  }

  /** Copies `vector` (length `dim`) into row `offset`. */
  set(offset: number, vector: ArrayLike<number>): void {
    if (vector.length !== this.dim) throw new RangeError(`expected ${this.dim} components, got ${vector.length}`);
    this.ensure(offset + 1);
    this.buffer.set(vector, offset * this.dim);
    if (this.present[offset] !== 1) {
      this.present[offset] = 1;
      this.live++;
    }
    if (offset >= this.rows) this.rows = offset + 1;
  }

  /** True when row `offset` is present and holds `vector` (compared as the float32 values it would store). */
  holds(offset: number, vector: ArrayLike<number>): boolean {
    if (!this.has(offset) || vector.length !== this.dim) return false;
    const b = this.buffer;
    const base = offset * this.dim;
    for (let i = 0; i < this.dim; i++) if (b[base + i] !== Math.fround(vector[i]!)) return false;
    return true;
  }

  delete(offset: number): void {
    if (this.has(offset)) {
      this.present[offset] = 0;
      this.live--;
    }
  }

  /** A view of row `offset` (no copy); undefined when the row is absent. */
  get(offset: number): Float32Array | undefined {
    if (!this.has(offset)) return undefined;
    return this.buffer.subarray(offset * this.dim, (offset + 1) * this.dim);
  }

  private ensure(rows: number): void {
    if (rows <= this.capacity) return;
    let cap = this.capacity;
    while (cap < rows) cap *= 2;
    if (this.memory !== undefined) {
      const maxRows = Math.floor((MAX_WASM_BYTES - this.base) / this.rowBytes);
      if (cap > maxRows && rows <= maxRows) cap = maxRows;
      if (cap <= maxRows) {
        const needPages = Math.ceil((this.base + cap * this.rowBytes) / PAGE);
        const havePages = this.memory.buffer.byteLength / PAGE;
        // Shared memories grow in place: no copy, existing views stay valid (just shorter).
        if (needPages > havePages) this.memory.grow(needPages - havePages);
        this.buffer = new Float32Array(this.memory.buffer, this.base, cap * this.dim);
      } else {
        const next = new Float32Array(new SharedArrayBuffer(cap * this.dim * 4));
        next.set(this.buffer);
        this.buffer = next;
        this.memory = undefined;
      }
    } else {
      const next = new Float32Array(new SharedArrayBuffer(cap * this.dim * 4));
      next.set(this.buffer);
      this.buffer = next;
    }
    const nextPresent = new Uint8Array(new SharedArrayBuffer(cap));
    nextPresent.set(this.present);
    this.present = nextPresent;
    this.capacity = cap;
  }
}
