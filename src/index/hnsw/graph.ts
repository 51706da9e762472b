/**
 * The HNSW graph in flat typed arrays, indexed by dense offset (no per-node objects):
 *
 * - `level0`: `capacity × (1 + m0)` Int32 — per node `[count, link0 … link(m0−1)]`, m0 = 2·m;
 * - `levels`: Int8 per node, −1 when the node is not in the graph;
 * - `deleted`: Uint8 tombstones (still traversed, never returned);
 * - `upperStart` / `upper`: nodes with level ≥ 1 own a block of `level × (1 + m)` Int32 in `upper`
 *   (layer l at `upperStart[node] + (l − 1)(1 + m)`), −1 for level-0 nodes.
 *
 * Scalars (entry point, max level, counts, upper allocation) live in `meta`, an Int32Array, so a
 * graph built with `shared: true` (every array on a SharedArrayBuffer) can be attached by worker
 * threads (`HnswGraph.attach`) and built concurrently.
 */

const ENTRY = 0;
const MAX_LEVEL = 1;
const NODES = 2;
const DELETED = 3;
const UPPER_USED = 4;
const META_LENGTH = 8;

function allocInt32(n: number, shared: boolean): Int32Array {
  return shared ? new Int32Array(new SharedArrayBuffer(n * 4)) : new Int32Array(n);
}
function allocUint8(n: number, shared: boolean): Uint8Array {
  return shared ? new Uint8Array(new SharedArrayBuffer(n)) : new Uint8Array(n);
}
function allocInt8(n: number, shared: boolean): Int8Array {
  return shared ? new Int8Array(new SharedArrayBuffer(n)) : new Int8Array(n);
}

export interface GraphArrays {
  level0: Int32Array;
  levels: Int8Array;
  deleted: Uint8Array;
  upperStart: Int32Array;
  upper: Int32Array;
}

/** Everything a worker needs to attach to a shared graph (all arrays on SharedArrayBuffers). */
export interface SharedGraph extends GraphArrays {
  m: number;
  capacity: number;
  meta: Int32Array;
}

export class HnswGraph implements GraphArrays {
  readonly m: number;
  readonly m0: number;
  readonly stride0: number;
  readonly strideU: number;
  readonly shared: boolean;
  capacity = 0;
  level0: Int32Array;
  levels: Int8Array;
  deleted: Uint8Array;
  upperStart: Int32Array;
  upper: Int32Array;
  readonly meta: Int32Array;
  /** True in worker threads: counters and allocation go through Atomics and never grow arrays. */
  private concurrent = false;

  constructor(m: number, initialCapacity = 1024, shared = false) {
    this.m = m;
    this.m0 = 2 * m;
    this.stride0 = 1 + this.m0;
    this.strideU = 1 + m;
    this.shared = shared;
    this.level0 = allocInt32(0, shared);
    this.levels = allocInt8(0, shared);
    this.deleted = allocUint8(0, shared);
    this.upperStart = allocInt32(0, shared);
    this.upper = allocInt32(Math.max(64, this.strideU * 16), shared);
    this.meta = allocInt32(META_LENGTH, shared);
    this.meta[ENTRY] = -1;
    this.meta[MAX_LEVEL] = -1;
    this.ensure(initialCapacity);
  }

  /** A worker-side view of a shared graph: same memory, atomic counters, no growth. */
  static attach(s: SharedGraph): HnswGraph {
    const g = Object.create(HnswGraph.prototype) as HnswGraph;
    Object.assign(g, {
      m: s.m,
      m0: 2 * s.m,
      stride0: 1 + 2 * s.m,
      strideU: 1 + s.m,
      shared: true,
      capacity: s.capacity,
      level0: s.level0,
      levels: s.levels,
      deleted: s.deleted,
      upperStart: s.upperStart,
      upper: s.upper,
      meta: s.meta,
      concurrent: true,
    });
    return g;
  }

  /** The arrays to hand to workers; valid until the next growth. */
  toShared(): SharedGraph {
    if (!this.shared) throw new Error('graph is not on shared memory');
    const { m, capacity, level0, levels, deleted, upperStart, upper, meta } = this;
    return { m, capacity, level0, levels, deleted, upperStart, upper, meta };
  }

  get entry(): number {
    return this.meta[ENTRY]!;
  }
  set entry(v: number) {
    this.meta[ENTRY] = v;
  }
  get maxLevel(): number {
    return this.concurrent ? Atomics.load(this.meta, MAX_LEVEL) : this.meta[MAX_LEVEL]!;
  }
  set maxLevel(v: number) {
    this.meta[MAX_LEVEL] = v;
  }
  /** Nodes in the graph, tombstoned ones included. */
  get nodeCount(): number {
    return this.meta[NODES]!;
  }
  set nodeCount(v: number) {
    this.meta[NODES] = v;
  }
  get deletedCount(): number {
    return this.meta[DELETED]!;
  }
  set deletedCount(v: number) {
    this.meta[DELETED] = v;
  }
  get upperUsed(): number {
    return this.meta[UPPER_USED]!;
  }
  set upperUsed(v: number) {
    this.meta[UPPER_USED] = v;
  }

  /** Makes sure `ints` more upper-layer Int32 fit without growing (before a concurrent build). */
  reserveUpper(ints: number): void {
    const need = this.upperUsed + ints;
    if (need <= this.upper.length) return;
    const next = allocInt32(need, this.shared);
    next.set(this.upper.subarray(0, this.upperUsed));
    this.upper = next;
  }

  /** Makes room for offsets `< n` (doubling). */
  ensure(n: number): void {
    if (n <= this.capacity) return;
    if (this.concurrent) throw new Error('a concurrent build cannot grow the graph');
    let cap = Math.max(16, this.capacity);
    while (cap < n) cap *= 2;
    const s = this.shared;
    const l0 = allocInt32(cap * this.stride0, s);
    l0.set(this.level0);
    const lv = allocInt8(cap, s);
    lv.fill(-1);
    lv.set(this.levels);
    const del = allocUint8(cap, s);
    del.set(this.deleted);
    const us = allocInt32(cap, s);
    us.fill(-1);
    us.set(this.upperStart);
    this.level0 = l0;
    this.levels = lv;
    this.deleted = del;
    this.upperStart = us;
    this.capacity = cap;
  }

  has(node: number): boolean {
    return node >= 0 && node < this.capacity && this.levels[node]! >= 0;
  }

  /** Puts `node` in the graph at `level` with empty link lists (not linked to anything yet). */
  addNode(node: number, level: number): void {
    this.ensure(node + 1);
    this.levels[node] = level;
    this.deleted[node] = 0;
    this.level0[node * this.stride0] = 0;
    if (level > 0) {
      let start = this.upperStart[node]!;
      const need = level * this.strideU;
      if (start < 0) {
        start = this.allocUpper(need);
        this.upperStart[node] = start;
      }
      for (let l = 0; l < level; l++) this.upper[start + l * this.strideU] = 0;
    }
    if (this.concurrent) Atomics.add(this.meta, NODES, 1);
    else this.nodeCount++;
  }

  private allocUpper(n: number): number {
    if (this.concurrent) {
      const start = Atomics.add(this.meta, UPPER_USED, n);
      if (start + n > this.upper.length) throw new Error('upper-layer space exhausted in a concurrent build');
      return start;
    }
    if (this.upperUsed + n > this.upper.length) {
      let cap = this.upper.length;
      while (cap < this.upperUsed + n) cap *= 2;
      const next = allocInt32(cap, this.shared);
      next.set(this.upper.subarray(0, this.upperUsed));
      this.upper = next;
    }
    const start = this.upperUsed;
    this.upperUsed += n;
    return start;
  }

  /** Takes `node` out of the graph entirely (after repair unlinked it). */
  removeNode(node: number): void {
    if (!this.has(node)) return;
    if (this.deleted[node] === 1) this.deletedCount--;
    this.levels[node] = -1;
    this.deleted[node] = 0;
    this.level0[node * this.stride0] = 0;
    this.nodeCount--;
  }

  /** The array holding layer `level` links. */
  linksArray(level: number): Int32Array {
    return level === 0 ? this.level0 : this.upper;
  }

  /** Index of the `[count, links…]` block of `node` at `level` in `linksArray(level)`. */
  linksBase(node: number, level: number): number {
    return level === 0 ? node * this.stride0 : this.upperStart[node]! + (level - 1) * this.strideU;
  }

  maxLinks(level: number): number {
    return level === 0 ? this.m0 : this.m;
  }

  /** Bytes held by the graph arrays. */
  get bytes(): number {
    return this.level0.byteLength + this.levels.byteLength + this.deleted.byteLength + this.upperStart.byteLength + this.upper.byteLength;
  }
}
