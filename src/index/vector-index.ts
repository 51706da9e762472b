import type { Distance } from './distance.js';
import type { KernelChoice, KernelName } from './kernels/kernel.js';
import type { DenseVectorStore } from './vector-store.js';

/** One search hit: a dense internal offset and the score Qdrant reports for it. */
export interface ScoredOffset {
  offset: number;
  score: number;
}

/** Per-query options of {@link VectorIndex.search}. */
export interface SearchOptions {
  /** HNSW beam width (Qdrant `hnsw_ef`); raised to `k` when smaller. Ignored by exact indexes. */
  ef?: number;
  /** Exact scan instead of the graph (Qdrant `exact: true`). */
  exact?: boolean;
  /**
   * Filter: only offsets for which this returns true may be returned. Graph traversal continues
   * through rejected nodes (as in Qdrant and hnswlib), so recall holds for selective filters.
   * Must be synchronous and side-effect free; it may be called more than once per offset.
   */
  accept?: (offset: number) => boolean;
  /**
   * Estimated number of offsets `accept` admits (from payload-index cardinality). When it is below
   * the index's full-scan threshold the index scans exactly instead of traversing the graph.
   */
  cardinality?: number;
}

/**
 * A vector index over one {@link DenseVectorStore}. Offsets are the store's dense internal ids; the
 * vector of an offset is read from the store, never copied into the index (so the store must not
 * change a row's vector without `delete` + `add` on the index).
 *
 * Contract every implementation keeps (tested by `tests/conformance/vector-index.test.ts`):
 * - results are best first, scored with Qdrant semantics (`distance.ts`): Cosine and Dot higher is
 *   better, Euclid and Manhattan lower is better; ties in score are ordered by offset;
 * - a deleted offset is never returned, and `add` of an offset already present re-indexes it
 *   (an update);
 * - `serialize` → `load` (the implementation's static `load`, or `loadVectorIndex`) gives an index
 *   that returns identical results without rebuilding.
 *
 * Not thread-safe: call from one thread. Methods are synchronous and never yield mid-operation.
 *
 * @example
 * ```ts
 * const store = new DenseVectorStore(128);
 * const index = new HnswIndex(store, { distance: 'Cosine', m: 16, efConstruct: 100 });
 * store.set(7, normalizeInPlace(vector));
 * index.add(7);
 * const hits = index.search(query, 10, { ef: 128, accept: (o) => allowed[o] === 1 });
 * ```
 */
export interface VectorIndex {
  /** `flat` (exact scan) or `hnsw` (graph). */
  readonly kind: 'flat' | 'hnsw';
  readonly distance: Distance;
  readonly dim: number;
  /** The store the index reads vectors from. */
  readonly store: DenseVectorStore;
  /** Which distance kernel runs the hot loop. */
  readonly kernelName: KernelName;
  /** Number of live (added, not deleted) offsets: all of them are searchable. */
  readonly size: number;
  /**
   * Number of live offsets already in the index structure. Equals `size` for exact indexes; less
   * than `size` for HNSW while an async build is pending (Qdrant `indexed_vectors_count`).
   */
  readonly indexedCount: number;

  /**
   * Indexes the vector at `offset` (already written to the store). Re-adding a present offset
   * re-indexes it, which is how updates are applied.
   * @throws RangeError when the store has no vector at `offset`.
   */
  add(offset: number): void;
  /** Removes `offset` from results (HNSW: a tombstone until repair). Unknown offsets are ignored. */
  delete(offset: number): void;
  /** True when `offset` is live in the index. */
  has(offset: number): boolean;
  /**
   * The `k` best offsets for `query` (length `dim`; Cosine queries are normalised by the index).
   * @throws RangeError when `query` has the wrong dimension.
   */
  search(query: Float32Array, k: number, opts?: SearchOptions): ScoredOffset[];
  /**
   * Exact scan restricted to `offsets` (the planner's filter-first path for selective filters).
   * Offsets that are not live are skipped; duplicates are reported once.
   */
  searchSubset(query: Float32Array, k: number, offsets: ArrayLike<number>): ScoredOffset[];
  /** A compact versioned binary image of the index structure (vectors excluded: they are in the store). */
  serialize(): Uint8Array;
}

/** Options shared by every implementation's constructor and `load`. */
export interface IndexRuntimeOptions {
  /** Distance kernel: `auto` (default) picks WASM SIMD128 when available. */
  kernel?: KernelChoice;
}

