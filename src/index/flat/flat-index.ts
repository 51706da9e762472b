import type { Distance } from '../distance.js';
import type { DistanceKernel, KernelChoice, KernelName } from '../kernels/kernel.js';
import { createKernel } from '../kernels/select.js';
import { TopK } from '../top-k.js';
import type { IndexRuntimeOptions, ScoredOffset, SearchOptions, VectorIndex } from '../vector-index.js';
import type { DenseVectorStore } from '../vector-store.js';
import { ImageReader, ImageWriter } from './format.js';
import { ResultBuffers, checkQuery, collectResults, growFlags, parseDistance, scanMembers, scanSubset } from './scan.js';

export const FLAT_MAGIC = 'QVFL';
const FLAT_VERSION = 1;

export interface FlatIndexOptions extends IndexRuntimeOptions {
  distance: Distance;
}

/** Exact scan over the store: the reference every recall test compares against. */
export class FlatIndex implements VectorIndex {
  readonly kind = 'flat' as const;
  readonly distance: Distance;
  readonly dim: number;
  readonly store: DenseVectorStore;
  private readonly kernelChoice: KernelChoice;
  private kernel: DistanceKernel;
  private members: Uint8Array = new Uint8Array(16);
  private limit = 0;
  private live = 0;
  private readonly top = new TopK(16);
  private readonly buf = new ResultBuffers();
  private seen: Uint8Array = new Uint8Array(16);

  constructor(store: DenseVectorStore, options: FlatIndexOptions) {
    this.store = store;
    this.distance = options.distance;
    this.dim = store.dim;
    this.kernelChoice = options.kernel ?? 'auto';
    this.kernel = createKernel(store, this.distance, this.kernelChoice);
  }

  /** @throws Error when `bytes` is not a flat index image or its dimension differs from `store`. */
  static load(bytes: Uint8Array, store: DenseVectorStore, options: IndexRuntimeOptions = {}): FlatIndex {
    const r = new ImageReader(bytes, FLAT_MAGIC, FLAT_VERSION);
    const distance = parseDistance(r.str());
    const dim = r.u32();
    if (dim !== store.dim) throw new Error(`flat index image has dim ${dim}, store has ${store.dim}`);
    const members = r.uint8Array();
    const index = new FlatIndex(store, { ...options, distance });
    index.members = growFlags(members, 16);
    let live = 0;
    let limit = 0;
    for (let o = 0; o < members.length; o++) {
      if (members[o] === 1) {
        live++;
        limit = o + 1;
      }
    }
    index.live = live;
    index.limit = limit;
    return index;
  }

  get kernelName(): KernelName {
    return this.kernel.name;
  }

  get size(): number {
    return this.live;
  }

  get indexedCount(): number {
    return this.live;
  }

  add(offset: number): void {
    if (!this.store.has(offset)) throw new RangeError(`no vector stored at offset ${offset}`);
    this.members = growFlags(this.members, offset + 1);
    if (this.members[offset] !== 1) {
      this.members[offset] = 1;
      this.live++;
      if (offset >= this.limit) this.limit = offset + 1;
    }
  }

  delete(offset: number): void {
    if (this.has(offset)) {
      this.members[offset] = 0;
      this.live--;
    }
  }

  has(offset: number): boolean {
    return offset >= 0 && offset < this.members.length && this.members[offset] === 1;
  }

  search(query: Float32Array, k: number, opts: SearchOptions = {}): ScoredOffset[] {
    checkQuery(query, this.dim);
    if (k <= 0 || this.live === 0) return [];
    const kernel = this.ready();
    kernel.setQuery(query);
    this.top.reset(k);
    scanMembers(kernel, this.members, this.limit, opts.accept, this.top);
    return collectResults(this.top, k, this.distance, this.buf);
  }

  searchSubset(query: Float32Array, k: number, offsets: ArrayLike<number>): ScoredOffset[] {
    checkQuery(query, this.dim);
    if (k <= 0 || this.live === 0) return [];
    const kernel = this.ready();
    kernel.setQuery(query);
    this.top.reset(k);
    this.seen = growFlags(this.seen, this.members.length);
    scanSubset(kernel, this.members, offsets, this.top, this.seen);
    return collectResults(this.top, k, this.distance, this.buf);
  }

  serialize(): Uint8Array {
    return new ImageWriter(FLAT_MAGIC, FLAT_VERSION)
      .str(this.distance)
      .u32(this.dim)
      .array(this.members.subarray(0, this.limit))
      .finish();
  }

  /** The kernel, re-created when the store moved to another backing. */
  private ready(): DistanceKernel {
    if (!this.kernel.valid()) this.kernel = createKernel(this.store, this.distance, this.kernelChoice === 'wasm' ? 'auto' : this.kernelChoice);
    return this.kernel;
  }
}
