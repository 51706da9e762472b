import { availableParallelism } from 'node:os';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { Distance } from '../distance.js';
import { ResultBuffers, checkQuery, collectResults, growFlags, scanMembers, scanSubset } from '../flat/scan.js';
import type { DistanceKernel, KernelChoice, KernelName } from '../kernels/kernel.js';
import { createKernel } from '../kernels/select.js';
import { TopK } from '../top-k.js';
import type { IndexRuntimeOptions, ScoredOffset, SearchOptions, VectorIndex } from '../vector-index.js';
import { SCRATCH_SLOTS, type DenseVectorStore } from '../vector-store.js';
import type { WasmMemory } from '../kernels/wasm-api.js';
import { WriteGate } from '../write-gate.js';
import { GraphBuilder } from './build.js';
import { HnswGraph, type SharedGraph } from './graph.js';
import { levelFor } from './levels.js';
import { runBuildWorkers, type ParallelBuildOptions } from './parallel-build.js';
import { LayerSearch } from './search.js';
import { deserializeHnsw, serializeHnsw, type HnswImage } from './serialize.js';

/** HNSW parameters, named as in Qdrant's `hnsw_config` (camelCase). */
export interface HnswParams {
  distance: Distance;
  /** Links per node on upper layers (level 0 keeps 2·m). Qdrant default 16. 0 disables the graph (exact scans). */
  m?: number;
  /** Beam width while building. Qdrant default 100. */
  efConstruct?: number;
  /**
   * Qdrant `full_scan_threshold`, in KiB of vectors (1 KiB = one 256-dim f32 vector). A filtered
   * search whose `cardinality` estimate holds fewer vectors than this scans exactly. Default 10 000.
   */
  fullScanThreshold?: number;
  /** Default query beam width when a search gives no `ef` (Qdrant uses ef_construct). */
  ef?: number;
  /** Seed of the level generator: same seed + same offsets = same graph. */
  seed?: number;
  /** Fraction of tombstones in the graph above which `needsRepair` turns true. Default 0.2. */
  repairThreshold?: number;
  /**
   * Fraction of the graph's nodes whose vectors may be replaced (updates) before the async build rebuilds
   * the graph from scratch in the background. Default 0.1; 0 disables.
   */
  rebuildThreshold?: number;
}

export type { ParallelBuildOptions };

/** Scratch slots of each store leased to running parallel builds. */
const leased = new WeakMap<DenseVectorStore, Set<number>>();

export function leaseSlots(store: DenseVectorStore, wanted: number): number[] {
  let used = leased.get(store);
  if (used === undefined) {
    used = new Set();
    leased.set(store, used);
  }
  const out: number[] = [];
  for (let slot = 1; slot < SCRATCH_SLOTS && out.length < wanted; slot++) {
    if (used.has(slot)) continue;
    used.add(slot);
    out.push(slot);
  }
  return out;
}

export function releaseSlots(store: DenseVectorStore, slots: number[]): void {
  const used = leased.get(store);
  if (used !== undefined) for (const s of slots) used.delete(s);
}

export interface HnswIndexOptions extends HnswParams, IndexRuntimeOptions {
  /** Put the graph on SharedArrayBuffers (for `buildParallel` and search workers). Default true. */
  sharedMemory?: boolean;
  /**
   * The publication protocol shared with the vector store's other writers (the segment): every change to
   * memory that search workers read is made inside one of its write sections. Default: a gate of its own.
   */
  gate?: WriteGate;
}

/**
 * Everything a search worker needs to attach to an index over shared memory (see `HnswIndex.attach`). Valid
 * while the index's layout word still equals `layout`; the arrays are replaced when they grow.
 */
export interface SharedIndexLayout {
  readonly id: number;
  readonly layout: number;
  readonly params: Required<Omit<HnswParams, 'rebuildThreshold' | 'repairThreshold'>>;
  readonly dim: number;
  readonly kernel: 'wasm' | 'js';
  /** The store's wasm memory (rows from `base`), or undefined with `data` holding the rows. */
  readonly memory: WasmMemory | undefined;
  readonly base: number;
  readonly data: Float32Array | undefined;
  readonly graph: SharedGraph;
  readonly members: Uint8Array;
  readonly pending: Int32Array;
  readonly state: Int32Array;
  readonly gate: Int32Array;
}

/** Slots of the shared scalar state (`HnswIndex.state`). */
const LIMIT = 0;
const LIVE = 1;
const PENDING_LIVE = 2;
const PENDING_HEAD = 3;
const PENDING_LEN = 4;
/** Bumped (inside a write section) whenever an array a worker holds is replaced. */
const LAYOUT = 5;
const STATE_WORDS = 6;

let nextIndexId = 1;

function sharedBytes(n: number): Uint8Array {
  return new Uint8Array(new SharedArrayBuffer(n));
}

/** Options of the async (event-loop friendly) build. */
export interface BuildSliceOptions {
  /** Milliseconds of work between yields to the event loop. Default 10. */
  sliceMs?: number;
  /** Stops the build between slices; pending offsets stay searchable (exactly) and queued. */
  signal?: AbortSignal;
  /** Called after each slice with (indexed, queued). */
  onProgress?: (indexed: number, pending: number) => void;
  /** Awaited between slices (default: one turn of the event loop); a background build gives way to requests here. */
  pause?: () => Promise<void>;
}

/** Nodes a repair slice re-links between two clock reads. */
const REPAIR_STEP_NODES = 64;

const ABSENT = 0;
const IN_GRAPH = 1;
const PENDING = 2;
const PLAIN = 3;
/** `scanMembers` state masks: every live offset, or only those a search with `indexedOnly` may see. */
const LIVE_STATES = (1 << IN_GRAPH) | (1 << PENDING) | (1 << PLAIN);
const INDEXED_STATES = (1 << IN_GRAPH) | (1 << PLAIN);

export const HNSW_DEFAULTS = { m: 16, efConstruct: 100, fullScanThreshold: 10000, seed: 0x5eed, repairThreshold: 0.2, rebuildThreshold: 0.1 } as const;

/**
 * HNSW over a {@link DenseVectorStore}: incremental inserts, tombstone deletes, updates
 * (re-insert), filtered traversal, repair, async builds and a compact binary image.
 *
 * Membership states per offset: absent, in the graph, pending (queued for an async build; found
 * by an exact scan of the queue meanwhile) and plain (m = 0: no graph).
 */
export class HnswIndex implements VectorIndex {
  readonly kind = 'hnsw' as const;
  readonly distance: Distance;
  readonly dim: number;
  readonly store: DenseVectorStore;
  readonly m: number;
  readonly efConstruct: number;
  readonly fullScanThreshold: number;
  readonly ef: number;
  readonly seed: number;
  readonly repairThreshold: number;
  readonly rebuildThreshold: number;
  /** @internal graph arrays (exposed for serialization, workers and tests); replaced by a rebuild. */
  graph: HnswGraph;
  private readonly kernelChoice: KernelChoice;
  private kernel: DistanceKernel;
  private readonly searcher: LayerSearch;
  private builder: GraphBuilder;
  /** Vector updates applied to the graph since it was (re)built. */
  private updatedSinceBuild = 0;
  /** The graph being rebuilt in the background (deletes and updates tombstone it too). */
  private shadow: HnswGraph | undefined;
  /** Process-unique id (search workers key their attached copies by it). */
  readonly id = nextIndexId++;
  readonly gate: WriteGate;
  private members: Uint8Array = sharedBytes(16);
  /** Shared scalars (LIMIT, LIVE, …): workers read them with the arrays. */
  private state: Int32Array = new Int32Array(new SharedArrayBuffer(STATE_WORDS * 4));
  /** Queued offsets `[pendingHead, pendingLen)` (shared). */
  private pending: Int32Array = new Int32Array(new SharedArrayBuffer(64 * 4));
  /** The arrays as last published (compared at the end of each write section). */
  private published: ReadonlyArray<unknown> = [];
  private building: Promise<void> | undefined;
  private readonly top = new TopK(16);
  private readonly buf = new ResultBuffers();
  private seen: Uint8Array = new Uint8Array(16);

  private get limit(): number {
    return this.state[LIMIT]!;
  }
  private set limit(v: number) {
    this.state[LIMIT] = v;
  }
  private get live(): number {
    return this.state[LIVE]!;
  }
  private set live(v: number) {
    this.state[LIVE] = v;
  }
  private get pendingLive(): number {
    return this.state[PENDING_LIVE]!;
  }
  private set pendingLive(v: number) {
    this.state[PENDING_LIVE] = v;
  }
  private get pendingHead(): number {
    return this.state[PENDING_HEAD]!;
  }
  private set pendingHead(v: number) {
    this.state[PENDING_HEAD] = v;
  }
  private get pendingLen(): number {
    return this.state[PENDING_LEN]!;
  }
  private set pendingLen(v: number) {
    this.state[PENDING_LEN] = v;
  }

  constructor(store: DenseVectorStore, options: HnswIndexOptions) {
    const m = options.m ?? HNSW_DEFAULTS.m;
    if (!Number.isInteger(m) || m < 0 || m === 1 || m > 1024) throw new RangeError(`m must be 0 or an integer in [2, 1024], got ${m}`);
    const efc = options.efConstruct ?? HNSW_DEFAULTS.efConstruct;
    if (!Number.isInteger(efc) || efc < 1) throw new RangeError(`ef_construct must be a positive integer, got ${efc}`);
    this.store = store;
    this.distance = options.distance;
    this.dim = store.dim;
    this.m = m;
    this.efConstruct = efc;
    this.fullScanThreshold = options.fullScanThreshold ?? HNSW_DEFAULTS.fullScanThreshold;
    this.ef = options.ef ?? efc;
    this.seed = (options.seed ?? HNSW_DEFAULTS.seed) >>> 0;
    this.repairThreshold = options.repairThreshold ?? HNSW_DEFAULTS.repairThreshold;
    this.rebuildThreshold = options.rebuildThreshold ?? HNSW_DEFAULTS.rebuildThreshold;
    this.kernelChoice = options.kernel ?? 'auto';
    this.kernel = createKernel(store, this.distance, this.kernelChoice);
    this.graph = new HnswGraph(Math.max(m, 2), 1024, options.sharedMemory !== false);
    this.gate = options.gate ?? new WriteGate();
    this.gate.onPublish(this.publishLayout);
    this.searcher = new LayerSearch(1024);
    this.builder = new GraphBuilder(this.graph, this.searcher, { m: Math.max(m, 2), efConstruct: efc, seed: this.seed });
  }

  get kernelName(): KernelName {
    return this.kernel.name;
  }

  get size(): number {
    return this.live;
  }

  get indexedCount(): number {
    return this.m === 0 ? this.live : this.live - this.pendingLive;
  }

  /** Live offsets queued for the async build. */
  get pendingCount(): number {
    return this.pendingLive;
  }

  /** Tombstoned nodes still in the graph. */
  get deletedCount(): number {
    return this.graph.deletedCount;
  }

  /** True when tombstones exceed `repairThreshold` of the graph: call `repair()`. */
  get needsRepair(): boolean {
    const g = this.graph;
    return g.deletedCount > 0 && g.deletedCount > this.repairThreshold * g.nodeCount;
  }

  /** The full-scan threshold converted to a number of vectors of this dimension. */
  get fullScanVectors(): number {
    return Math.floor((this.fullScanThreshold * 1024) / (this.dim * 4));
  }

  /** Bytes of graph structure (for memory reports). */
  get graphBytes(): number {
    return this.graph.bytes + this.members.byteLength;
  }

  has(offset: number): boolean {
    return offset >= 0 && offset < this.members.length && this.members[offset] !== ABSENT;
  }

  /** The layout word: changes whenever an array a search worker holds was replaced. */
  get layoutVersion(): number {
    return Atomics.load(this.state, LAYOUT);
  }

  /** The arrays a worker reads, in a fixed order (compared by identity). */
  private arrays(): unknown[] {
    const g = this.graph;
    return [g.meta, g.level0, g.levels, g.deleted, g.upperStart, g.upper, this.members, this.pending, this.store.data.buffer, this.store.wasmMemory];
  }

  /** Gate hook (end of each write section): bumps the layout word when an array was replaced. */
  private readonly publishLayout = (): void => {
    const now = this.arrays();
    const before = this.published;
    if (now.length === before.length && now.every((a, i) => a === before[i])) return;
    this.published = now;
    Atomics.add(this.state, LAYOUT, 1);
  };

  /** Stops publishing layouts through the gate (the index is dropped; its gate lives on with the segment). */
  detach(): void {
    this.gate.offPublish(this.publishLayout);
  }

  /**
   * What a search worker needs to attach (`HnswIndex.attach`), or undefined when workers cannot read this
   * index (a graph not on shared memory). Call outside write sections.
   */
  sharedLayout(): SharedIndexLayout | undefined {
    const g = this.graph;
    if (!g.shared) return undefined;
    this.publishLayout();
    const memory = this.store.wasmMemory;
    const wasm = this.kernel.name === 'wasm-simd128' && memory !== undefined;
    return {
      id: this.id,
      layout: this.layoutVersion,
      params: { distance: this.distance, m: this.m, efConstruct: this.efConstruct, fullScanThreshold: this.fullScanThreshold, ef: this.ef, seed: this.seed },
      dim: this.dim,
      kernel: wasm ? 'wasm' : 'js',
      memory: wasm ? memory : undefined,
      base: this.store.data.byteOffset,
      data: wasm ? undefined : this.store.data,
      graph: g.toShared(),
      members: this.members,
      pending: this.pending,
      state: this.state,
      gate: this.gate.words,
    };
  }

  /**
   * A read-only view of a shared index in a search worker: the same search code over the same memory. Use it
   * only inside `readStable` (write-gate.ts), with `scratch` a scratch slot address of the store leased to
   * this worker.
   */
  static attach(l: SharedIndexLayout, scratch: number): HnswIndex {
    const memory = l.memory;
    const rows = memory === undefined ? 0 : Math.floor((memory.buffer.byteLength - l.base) / (l.dim * 4));
    const data = memory !== undefined ? new Float32Array(memory.buffer, l.base, rows * l.dim) : l.data;
    if (data === undefined) throw new Error('a shared index layout without vectors');
    const source = { dim: l.dim, data, wasmMemory: memory, scratchAddress: () => scratch, has: () => true };
    const index = new HnswIndex(source as unknown as DenseVectorStore, { ...l.params, kernel: l.kernel });
    index.detach();
    index.graph = HnswGraph.attach(l.graph);
    index.members = l.members;
    index.pending = l.pending;
    index.state = l.state;
    return index;
  }

  add(offset: number): void {
    this.gate.write(() => this.addNow(offset));
  }

  private addNow(offset: number): void {
    if (!this.store.has(offset)) throw new RangeError(`no vector stored at offset ${offset}`);
    this.members = growFlags(this.members, offset + 1, true);
    const state = this.members[offset]!;
    if (state === ABSENT) this.live++;
    if (state === PENDING) this.pendingLive--;
    if (offset >= this.limit) this.limit = offset + 1;
    if (this.m === 0) {
      this.members[offset] = PLAIN;
      return;
    }
    if (state === IN_GRAPH) {
      // An update: unlink the old node (its neighbours re-select around it), then insert it anew.
      this.tombstone(offset);
      this.updatedSinceBuild++;
      this.builder.repair(this.ready());
    }
    // A synchronous insert during a background rebuild abandons the rebuild (the next threshold retries).
    this.shadow = undefined;
    this.builder.insert(this.ready(), offset);
    this.members[offset] = IN_GRAPH;
  }

  /**
   * Queues `offset` for the async build (`buildPending`). Until then it is searchable by exact scan.
   * An offset already in the graph (an update) is hidden from graph results until re-inserted.
   * @throws RangeError when the store has no vector at `offset`.
   */
  enqueue(offset: number): void {
    this.gate.write(() => this.enqueueNow(offset));
  }

  private enqueueNow(offset: number): void {
    if (!this.store.has(offset)) throw new RangeError(`no vector stored at offset ${offset}`);
    if (this.m === 0) {
      this.addNow(offset);
      return;
    }
    this.members = growFlags(this.members, offset + 1, true);
    const state = this.members[offset]!;
    if (state === PENDING) return;
    if (state === ABSENT) this.live++;
    if (state === IN_GRAPH) {
      this.tombstone(offset);
      this.updatedSinceBuild++;
    }
    if (offset >= this.limit) this.limit = offset + 1;
    this.members[offset] = PENDING;
    this.pendingLive++;
    this.pushPending(offset);
  }

  private pushPending(offset: number): void {
    const len = this.pendingLen;
    if (len >= this.pending.length) {
      const next = new Int32Array(new SharedArrayBuffer(this.pending.length * 2 * 4));
      next.set(this.pending);
      this.pending = next;
    }
    this.pending[len] = offset;
    this.pendingLen = len + 1;
  }

  delete(offset: number): void {
    if (this.has(offset)) this.gate.write(() => this.deleteNow(offset));
  }

  private deleteNow(offset: number): void {
    const state = this.members[offset]!;
    if (state === IN_GRAPH) this.tombstone(offset);
    if (state === PENDING) this.pendingLive--;
    this.members[offset] = ABSENT;
    this.live--;
  }

  private tombstone(offset: number): void {
    for (const g of [this.graph, this.shadow]) {
      if (g !== undefined && g.has(offset) && g.deleted[offset] === 0) {
        g.deleted[offset] = 1;
        g.deletedCount++;
      }
    }
  }

  /** True when enough vectors were replaced since the graph was built that the async build rebuilds it. */
  get needsRebuild(): boolean {
    return this.rebuildThreshold > 0 && this.m > 0 && this.updatedSinceBuild > 0 && this.updatedSinceBuild >= this.rebuildThreshold * this.graph.nodeCount;
  }

  /**
   * Indexes every queued offset synchronously.
   */
  buildPendingSync(): void {
    this.gate.write(() => {
      this.detachUpdated();
      while (this.pendingHead < this.pendingLen) this.indexNextPending();
      this.compactQueue();
      if (this.needsRebuild) {
        const rebuild = this.startRebuild();
        for (let o = 0; o < this.limit; o++) rebuild.step(o);
        rebuild.finish();
      }
    });
  }

  /**
   * Indexes queued offsets in slices of `sliceMs`, yielding to the event loop between slices, so a
   * long build never freezes the server. Concurrent calls share one build. Searches, inserts and
   * deletes may run between slices.
   */
  buildPending(options: BuildSliceOptions = {}): Promise<void> {
    this.building ??= this.runBuild(options).finally(() => {
      this.building = undefined;
    });
    return this.building;
  }

  /** Enqueues `offsets` and runs `buildPending`. */
  addManyAsync(offsets: Iterable<number>, options: BuildSliceOptions = {}): Promise<void> {
    for (const o of offsets) this.enqueue(o);
    return this.buildPending(options);
  }

  private async runBuild(options: BuildSliceOptions): Promise<void> {
    const sliceMs = options.sliceMs ?? 10;
    const pause = options.pause ?? ((): Promise<void> => yieldToLoop());
    const aborted = (): boolean => options.signal?.aborted === true;
    // Each slice is one write section: search workers never read a node while it is being linked.
    for (;;) {
      const repairAll = this.repairRequested;
      this.repairRequested = false;
      if (repairAll ? this.graph.deletedCount > 0 : this.hasUpdatedInGraph()) await this.repairInSlices(sliceMs, pause, aborted);
      if (aborted()) return;
      let detach = false;
      while (this.pendingHead < this.pendingLen && !detach) {
        if (aborted()) break;
        const t0 = performance.now();
        let n = 0;
        this.gate.begin();
        try {
          while (this.pendingHead < this.pendingLen) {
            // An update queued since the repair above is still in the graph: it is unlinked (next round) first.
            if (this.headIsUpdatedInGraph()) {
              detach = true;
              break;
            }
            this.indexNextPending();
            if ((++n & 7) === 0 && performance.now() - t0 >= sliceMs) break;
          }
        } finally {
          this.gate.end();
        }
        options.onProgress?.(this.indexedCount, this.pendingLive);
        if (!detach && this.pendingHead < this.pendingLen) await pause();
      }
      this.gate.write(() => this.compactQueue());
      if (aborted()) return;
      if (detach || this.repairRequested) continue;
      if (!this.needsRebuild) return;
      // Rebuild in slices while the current graph keeps serving; rows queued meanwhile wait (exact scan).
      const rebuild = this.startRebuild();
      let o = 0;
      while (o < this.limit) {
        if (aborted()) {
          this.shadow = undefined;
          return;
        }
        const t0 = performance.now();
        let n = 0;
        while (o < this.limit) {
          rebuild.step(o++);
          if ((++n & 7) === 0 && performance.now() - t0 >= sliceMs) break;
        }
        if (o < this.limit) await pause();
      }
      this.gate.write(() => rebuild.finish());
    }
  }

  /**
   * A from-scratch graph over the rows in the current graph, built beside it (the shadow). Updates count
   * again from here; deletes and updates made during the rebuild tombstone the shadow too, and queued rows
   * are indexed into the new graph after the swap.
   */
  private startRebuild(): { step: (offset: number) => void; finish: () => void } {
    const old = this.graph;
    const g = new HnswGraph(old.m, Math.max(this.limit, 16), old.shared);
    const builder = new GraphBuilder(g, this.searcher, { m: old.m, efConstruct: this.efConstruct, seed: this.seed });
    this.shadow = g;
    this.updatedSinceBuild = 0;
    return {
      step: (o) => {
        if (this.shadow === g && this.members[o] === IN_GRAPH && !g.has(o)) builder.insert(this.ready(), o);
      },
      finish: () => {
        if (this.shadow !== g) return;
        this.shadow = undefined;
        this.graph = g;
        this.builder = builder;
      },
    };
  }

  /**
   * {@link repair} in slices, as {@link buildPending} builds (the event loop serves between them): a round of the
   * build loop, joined by a build already running.
   */
  repairInBackground(options: BuildSliceOptions = {}): Promise<void> {
    if (this.graph.deletedCount === 0 && this.building === undefined) return Promise.resolve();
    this.repairRequested = true;
    return this.buildPending(options);
  }

  /** Set by {@link repairInBackground}: the build loop's next round repairs every tombstone. */
  private repairRequested = false;

  /**
   * {@link GraphBuilder.repair} a slice of nodes at a time, each slice one write section, awaiting `pause` between
   * slices (a repair walks every node: at 20,000 × 128 one took 56–97 ms in one go). Returns early when aborted;
   * the tombstones then wait for the next repair.
   */
  private async repairInSlices(sliceMs: number, pause: () => Promise<void>, aborted: () => boolean): Promise<void> {
    const builder = this.builder;
    const pass = builder.startRepair();
    let p = 0;
    while (p < pass.end) {
      if (aborted() || this.builder !== builder) return;
      const t0 = performance.now();
      this.gate.write(() => {
        const kernel = this.ready();
        while (p < pass.end) {
          const to = Math.min(pass.end, p + REPAIR_STEP_NODES);
          pass.relink(kernel, p, to);
          p = to;
          if (performance.now() - t0 >= sliceMs) break;
        }
      });
      if (p < pass.end) await pause();
    }
    if (this.builder === builder) this.gate.write(() => pass.finish(this.ready()));
  }

  /** True when queued `offset` is an update still in the graph (a tombstone): it needs a repair before its insert. */
  private isUpdatedInGraph(offset: number): boolean {
    return this.members[offset] === PENDING && this.graph.has(offset);
  }

  /** True when the next queued offset is an update still in the graph. */
  private headIsUpdatedInGraph(): boolean {
    return this.isUpdatedInGraph(this.pending[this.pendingHead]!);
  }

  /** True when any queued offset is an update still in the graph. */
  private hasUpdatedInGraph(): boolean {
    if (this.graph.deletedCount === 0) return false;
    for (let i = this.pendingHead; i < this.pendingLen; i++) if (this.isUpdatedInGraph(this.pending[i]!)) return true;
    return false;
  }

  /**
   * Updated rows (queued offsets still in the graph, tombstoned) are unlinked before they are re-inserted,
   * as a delete followed by an insert: every node that linked to one re-selects its links from its live
   * links plus the moved node's old links (the tombstone repair), so nothing reachable only through the
   * node's old position is cut off, and no node keeps a link to where the point no longer is. Re-linking
   * in place (hnswlib's updatePoint) left 1.5-12% of updated points unreachable.
   */
  private detachUpdated(): void {
    if (this.hasUpdatedInGraph()) this.builder.repair(this.ready());
  }

  private indexNextPending(): void {
    const o = this.pending[this.pendingHead++]!;
    if (this.members[o] !== PENDING) return;
    if (!this.store.has(o)) {
      // The row vanished without a delete(): drop it rather than index garbage.
      this.members[o] = ABSENT;
      this.pendingLive--;
      this.live--;
      return;
    }
    this.builder.insert(this.ready(), o);
    this.members[o] = IN_GRAPH;
    this.pendingLive--;
  }

  private compactQueue(): void {
    const head = this.pendingHead;
    if (head === 0) return;
    this.pending.copyWithin(0, head, this.pendingLen);
    this.pendingLen -= head;
    this.pendingHead = 0;
  }

  /**
   * Removes tombstoned nodes from the graph, re-linking their neighbours. Cost is about one
   * heuristic selection per node that linked to a tombstone. Returns the number removed.
   */
  repair(): number {
    return this.gate.write(() => this.builder.repair(this.ready()));
  }

  search(query: Float32Array, k: number, opts: SearchOptions = {}): ScoredOffset[] {
    checkQuery(query, this.dim);
    if (k <= 0 || this.live === 0) return [];
    const kernel = this.ready();
    kernel.setQuery(query);
    const accept = opts.accept;
    const g = this.graph;
    const exact =
      opts.exact === true ||
      this.m === 0 ||
      g.entry < 0 ||
      (accept !== undefined && opts.cardinality !== undefined && opts.cardinality < this.fullScanVectors);
    // Qdrant `indexed_only`: points not yet in the graph are left out (a graph-less index has none).
    const states = opts.indexedOnly === true ? INDEXED_STATES : LIVE_STATES;
    if (exact) return this.scanAll(kernel, k, accept, states);

    const ef = Math.max(opts.ef ?? this.ef, k);
    const s = this.searcher;
    let ep = g.entry;
    let epDist = kernel.toQuery(ep);
    if (g.maxLevel > 0) {
      s.greedy(kernel, g, ep, epDist, g.maxLevel, 0);
      ep = s.node;
      epDist = s.dist;
    }
    s.searchLayer(kernel, g, ep, epDist, 0, ef, accept, true);
    // Keep the k best of the ef found (ties by offset, like the exact path), then merge pending rows.
    const top = this.top;
    top.reset(k);
    const found = s.top;
    for (let i = 0; i < found.size; i++) top.push(found.ids[i]!, found.keys[i]!);
    if (this.pendingLive > 0 && opts.indexedOnly !== true) this.scanPending(kernel, accept, top);
    return collectResults(top, k, this.distance, this.buf);
  }

  searchSubset(query: Float32Array, k: number, offsets: ArrayLike<number>, opts: { indexedOnly?: boolean } = {}): ScoredOffset[] {
    checkQuery(query, this.dim);
    if (k <= 0 || this.live === 0) return [];
    const kernel = this.ready();
    kernel.setQuery(query);
    this.top.reset(k);
    this.seen = growFlags(this.seen, this.members.length);
    scanSubset(kernel, this.members, offsets, this.top, this.seen, opts.indexedOnly === true ? INDEXED_STATES : LIVE_STATES);
    return collectResults(this.top, k, this.distance, this.buf);
  }

  private scanAll(kernel: DistanceKernel, k: number, accept: ((offset: number) => boolean) | undefined, states: number): ScoredOffset[] {
    const top = this.top;
    top.reset(k);
    scanMembers(kernel, this.members, this.limit, accept, top, states);
    return collectResults(top, k, this.distance, this.buf);
  }

  private scanPending(kernel: DistanceKernel, accept: ((offset: number) => boolean) | undefined, top: TopK): void {
    const q = this.pending;
    const members = this.members;
    // Bounded by the array too: a worker may read the scalars torn (the read is then discarded).
    const end = Math.min(this.pendingLen, q.length);
    if (end <= this.pendingHead) return;
    // An offset deleted while queued and stored again is queued twice: it is scored once.
    const pool = this.searcher.visited;
    const visited = pool.acquire();
    const tag = visited.begin(members.length);
    const marks = visited.marks;
    try {
      for (let i = this.pendingHead; i < end; i++) {
        const o = q[i]!;
        if (members[o] !== PENDING || marks[o] === tag) continue;
        marks[o] = tag;
        if (accept !== undefined && !accept(o)) continue;
        top.push(o, kernel.toQuery(o));
      }
    } finally {
      pool.release(visited);
    }
  }

  /** The kernel, re-created when the store moved to another backing. */
  private ready(): DistanceKernel {
    if (!this.kernel.valid()) this.kernel = createKernel(this.store, this.distance, this.kernelChoice === 'wasm' ? 'auto' : this.kernelChoice);
    return this.kernel;
  }

  serialize(): Uint8Array {
    const g = this.graph;
    const n = this.limit;
    // Compact the upper-layer blocks: removed nodes leave holes behind.
    const upperStart = new Int32Array(n).fill(-1);
    let used = 0;
    for (let o = 0; o < n; o++) {
      const lv = o < g.capacity ? g.levels[o]! : -1;
      if (lv > 0) used += lv * g.strideU;
    }
    const upper = new Int32Array(used);
    used = 0;
    for (let o = 0; o < n; o++) {
      const lv = o < g.capacity ? g.levels[o]! : -1;
      if (lv <= 0) continue;
      const start = g.upperStart[o]!;
      const len = lv * g.strideU;
      upper.set(g.upper.subarray(start, start + len), used);
      upperStart[o] = used;
      used += len;
    }
    const cap = Math.min(n, g.capacity);
    const levels = new Int8Array(n).fill(-1);
    levels.set(g.levels.subarray(0, cap));
    const deleted = new Uint8Array(n);
    deleted.set(g.deleted.subarray(0, cap));
    const level0 = new Int32Array(n * g.stride0);
    level0.set(g.level0.subarray(0, cap * g.stride0));
    return serializeHnsw({
      params: {
        distance: this.distance,
        m: this.m,
        efConstruct: this.efConstruct,
        fullScanThreshold: this.fullScanThreshold,
        ef: this.ef,
        seed: this.seed,
        repairThreshold: this.repairThreshold,
      },
      dim: this.dim,
      entry: g.entry,
      maxLevel: g.maxLevel,
      members: this.members.subarray(0, n),
      levels,
      deleted,
      level0,
      upperStart,
      upper,
      pending: this.pendingQueue(),
    });
  }

  /** Live queued offsets, in queue order. */
  private pendingQueue(): number[] {
    const out: number[] = [];
    for (let i = this.pendingHead; i < this.pendingLen; i++) {
      const o = this.pending[i]!;
      if (this.members[o] === PENDING) out.push(o);
    }
    return out;
  }

  /**
   * Builds a new index over `offsets` with worker threads sharing the vectors (the store's
   * SharedArrayBuffer or shared wasm memory) and the graph (SharedArrayBuffers, per-node locks as
   * in hnswlib). The calling thread stays free: it only waits. The index is not visible to anyone
   * until the promise resolves, so serve searches from the previous index (or exact scans) and
   * re-apply changes made meanwhile; the rows of `offsets` must not change during the build.
   * Parallel builds are not deterministic (thread interleaving decides insertion order).
   * With `threads: 1` (or m = 0) this is the sliced single-thread build.
   *
   * @throws RangeError when an offset has no vector in the store.
   */
  static async buildParallel(
    store: DenseVectorStore,
    options: HnswIndexOptions,
    offsets: ArrayLike<number>,
    build: ParallelBuildOptions = {},
  ): Promise<HnswIndex> {
    const list = Int32Array.from(new Set(Array.from(offsets)));
    let max = -1;
    for (const o of list) {
      if (!store.has(o)) throw new RangeError(`no vector stored at offset ${o}`);
      if (o > max) max = o;
    }
    const wanted = Math.max(1, Math.min(build.threads ?? availableParallelism(), SCRATCH_SLOTS - 1));
    // Each worker needs its own scratch slot of the store (slot 0 belongs to the owning thread).
    const slots = leaseSlots(store, wanted);
    try {
      return await HnswIndex.buildWithSlots(store, options, list, max, slots, build);
    } finally {
      releaseSlots(store, slots);
    }
  }

  private static async buildWithSlots(
    store: DenseVectorStore,
    options: HnswIndexOptions,
    list: Int32Array,
    max: number,
    slots: number[],
    build: ParallelBuildOptions,
  ): Promise<HnswIndex> {
    const threads = slots.length;
    const index = new HnswIndex(store, { ...options, sharedMemory: true });
    if (list.length === 0) return index;
    if (threads <= 1 || index.m === 0 || list.length < 2) {
      const onProgress = build.onProgress;
      await index.addManyAsync(list, {
        signal: build.signal,
        onProgress: onProgress === undefined ? undefined : (done) => onProgress(done, list.length),
      });
      return index;
    }
    index.add(list[0]!); // the entry point, so workers never race to create it
    const g = index.graph;
    g.ensure(max + 1);
    let upper = 0;
    for (let i = 1; i < list.length; i++) upper += levelFor(index.seed, list[i]!, g.m) * g.strideU;
    g.reserveUpper(upper);
    index.members = growFlags(index.members, max + 1, true);
    const kernel = index.ready();
    const memory = store.wasmMemory;
    const useWasm = kernel.name === 'wasm-simd128' && memory !== undefined;
    const counter = new Int32Array(new SharedArrayBuffer(4));
    counter[0] = 1;
    const claimed = await runBuildWorkers(
      {
        distance: index.distance,
        kernel: useWasm ? 'wasm' : 'js',
        dim: store.dim,
        memory: useWasm ? memory : undefined,
        base: store.data.byteOffset,
        rows: max + 1,
        data: useWasm ? undefined : store.data,
        graph: g.toShared(),
        params: { m: g.m, efConstruct: index.efConstruct, seed: index.seed },
        locks: new Int32Array(new SharedArrayBuffer((g.capacity + 1) * 4)),
        offsets: list,
        counter,
      },
      (t) => store.scratchAddress(slots[t]!),
      threads,
      build,
    );
    for (let i = 1; i < list.length; i++) {
      const o = list[i]!;
      if (i < claimed) {
        index.members[o] = IN_GRAPH;
        index.live++;
        if (o >= index.limit) index.limit = o + 1;
      } else {
        index.enqueue(o);
      }
    }
    return index;
  }

  /** @throws Error when `bytes` is not an HNSW image or does not fit `store`. */
  static load(bytes: Uint8Array, store: DenseVectorStore, options: IndexRuntimeOptions & { gate?: WriteGate | undefined } = {}): HnswIndex {
    const img = deserializeHnsw(bytes);
    if (img.dim !== store.dim) throw new Error(`hnsw index image has dim ${img.dim}, store has ${store.dim}`);
    const index = new HnswIndex(store, { ...img.params, kernel: options.kernel, gate: options.gate });
    index.restore(img);
    return index;
  }

  private restore(img: HnswImage): void {
    const g = this.graph;
    const n = img.members.length;
    if (img.levels.length !== n || img.deleted.length !== n || img.upperStart.length !== n || img.level0.length !== n * g.stride0) {
      throw new Error('hnsw index image has inconsistent array sizes');
    }
    g.ensure(Math.max(n, 16));
    g.levels.set(img.levels);
    g.deleted.set(img.deleted);
    g.level0.set(img.level0);
    g.upperStart.set(img.upperStart);
    g.reserveUpper(img.upper.length);
    g.upper.set(img.upper);
    g.upperUsed = img.upper.length;
    g.entry = img.entry;
    g.maxLevel = img.maxLevel;
    let nodes = 0;
    let dels = 0;
    let live = 0;
    for (let o = 0; o < n; o++) {
      if (img.levels[o]! >= 0) {
        nodes++;
        if (img.deleted[o] === 1) dels++;
      }
      if (img.members[o] !== ABSENT) live++;
    }
    g.nodeCount = nodes;
    g.deletedCount = dels;
    this.members = sharedBytes(Math.max(16, n));
    this.members.set(img.members);
    this.limit = n;
    this.live = live;
    const queued = img.pending.filter((o) => this.members[o] === PENDING);
    this.pendingLen = 0;
    this.pendingHead = 0;
    for (const o of queued) this.pushPending(o);
    this.pendingLive = queued.length;
  }
}
