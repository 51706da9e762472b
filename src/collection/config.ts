/**
 * A collection's configuration as a typed engine value. Its fields are Qdrant's `CollectionConfig` (what
 * GET /collections/{name} reports under `config`), with every default filled in at creation; the value is
 * stored in the collection descriptor as is (the v1 store format), so a descriptor written by any earlier build
 * reads as this type. The derived `VectorSchema` is what the write and search paths use. Changes are data
 * (`config-change.ts`), never functions.
 */
import type { Distance } from '../index/distance.js';
import type { JsonObject } from '../json.js';
import type { Datatype } from './datatype.js';

/** A dense vector's element type (`datatype.ts`). */
export type VectorDatatype = Datatype;

/** Qdrant `HnswConfig` (collection level: every required field set). */
export interface HnswConfig {
  readonly m: number;
  readonly ef_construct: number;
  readonly full_scan_threshold: number;
  readonly max_indexing_threads?: number;
  readonly on_disk?: boolean | null;
  readonly payload_m?: number | null;
  readonly inline_storage?: boolean | null;
}

/** Qdrant `HnswConfigDiff`: a vector's own overrides, or a change. */
export type HnswConfigDiff = { readonly [K in keyof HnswConfig]?: HnswConfig[K] | null };

/** Qdrant `QuantizationConfig` (stored and reported; Quiver searches full-precision vectors). */
export type QuantizationConfig =
  | { readonly scalar: { readonly type: 'int8'; readonly quantile?: number | null; readonly always_ram?: boolean | null } }
  | { readonly product: { readonly compression: 'x4' | 'x8' | 'x16' | 'x32' | 'x64'; readonly always_ram?: boolean | null } }
  | { readonly binary: { readonly always_ram?: boolean | null; readonly encoding?: string | null; readonly query_encoding?: string | null } };

/** Qdrant `VectorParams`: one dense (or multi-) vector. */
export interface VectorParams {
  readonly size: number;
  readonly distance: Distance;
  readonly hnsw_config?: HnswConfigDiff | null;
  readonly quantization_config?: QuantizationConfig | null;
  readonly on_disk?: boolean | null;
  readonly datatype?: VectorDatatype | null;
  readonly multivector_config?: { readonly comparator: 'max_sim' } | null;
  /** Qdrant 1.19 `Memory` placement (recorded and echoed; `pinned` is refused for dense vectors). */
  readonly memory?: MemoryPlacement | null;
}

/** Qdrant 1.19 `Memory`. */
export type MemoryPlacement = 'cold' | 'cached' | 'pinned';

/** Qdrant `SparseVectorParams`. */
export interface SparseVectorParams {
  readonly index?: { readonly full_scan_threshold?: number | null; readonly on_disk?: boolean | null; readonly datatype?: VectorDatatype | null } | null;
  readonly modifier?: 'none' | 'idf' | null;
}

/** Qdrant `VectorsConfig`: one unnamed vector, or vectors by name (names of any spelling). */
export type VectorsConfig = VectorParams | { readonly [name: string]: VectorParams };

/** Qdrant `CollectionParams`. */
export interface CollectionParams {
  readonly vectors: VectorsConfig;
  readonly shard_number?: number;
  readonly sharding_method?: 'auto' | 'custom';
  readonly replication_factor?: number;
  readonly write_consistency_factor?: number;
  readonly read_fan_out_factor?: number | null;
  readonly read_fan_out_delay_ms?: number | null;
  readonly on_disk_payload?: boolean;
  readonly sparse_vectors?: { readonly [name: string]: SparseVectorParams };
  /** Qdrant 1.19 `PayloadStorageParams` (recorded and echoed; `pinned` is refused). */
  readonly payload?: { readonly memory?: MemoryPlacement | null } | null;
}

/** Qdrant `OptimizersConfig`. `indexing_threshold` (KiB) is the one Quiver acts on: the size that starts a graph. */
export interface OptimizersConfig {
  readonly deleted_threshold?: number;
  readonly vacuum_min_vector_number?: number;
  readonly default_segment_number?: number;
  readonly max_segment_size?: number | null;
  readonly memmap_threshold?: number | null;
  readonly indexing_threshold?: number | null;
  readonly flush_interval_sec?: number;
  readonly max_optimization_threads?: number | null;
  readonly prevent_unoptimized?: boolean | null;
}

/** Qdrant `WalConfig` (stored and reported; Quiver's write-ahead log is LMDB's). */
export interface WalConfig {
  readonly wal_capacity_mb?: number;
  readonly wal_segments_ahead?: number;
  readonly wal_retain_closed?: number;
}

/** Qdrant `StrictModeConfig` as stored in the collection config (every field optional). */
export interface StrictModeConfig {
  readonly enabled?: boolean | null;
  readonly max_query_limit?: number | null;
  readonly max_timeout?: number | null;
  readonly unindexed_filtering_retrieve?: boolean | null;
  readonly unindexed_filtering_update?: boolean | null;
  readonly search_max_hnsw_ef?: number | null;
  readonly search_allow_exact?: boolean | null;
  readonly search_max_oversampling?: number | null;
  readonly upsert_max_batchsize?: number | null;
  readonly search_max_batchsize?: number | null;
  readonly max_collection_vector_size_bytes?: number | null;
  readonly read_rate_limit?: number | null;
  readonly write_rate_limit?: number | null;
  readonly max_collection_payload_size_bytes?: number | null;
  readonly max_points_count?: number | null;
  readonly filter_max_conditions?: number | null;
  readonly condition_max_size?: number | null;
  readonly multivector_config?: Readonly<Record<string, { readonly max_vectors?: number | null } | null>> | null;
  readonly sparse_config?: Readonly<Record<string, { readonly max_length?: number | null } | null>> | null;
  readonly max_payload_index_count?: number | null;
}

/** A collection's configuration (Qdrant `CollectionConfig`). */
export interface CollectionConfig {
  readonly params: CollectionParams;
  readonly hnsw_config: HnswConfig;
  readonly optimizer_config: OptimizersConfig;
  readonly wal_config?: WalConfig;
  readonly quantization_config?: QuantizationConfig | null;
  readonly strict_mode_config?: StrictModeConfig;
  /** Arbitrary client data (Qdrant `metadata`), kept as given. */
  readonly metadata?: JsonObject;
}

export interface DenseVectorSpec {
  readonly size: number;
  readonly distance: Distance;
  readonly multivector: boolean;
  readonly datatype: Datatype;
  /** Effective HNSW parameters for this vector (collection config overridden by the vector's own). */
  readonly hnsw: { readonly m: number; readonly ef_construct: number; readonly full_scan_threshold: number };
}

export interface SparseVectorSpec {
  readonly modifier: 'none' | 'idf';
}

export interface VectorSchema {
  readonly dense: ReadonlyMap<string, DenseVectorSpec>;
  readonly sparse: ReadonlyMap<string, SparseVectorSpec>;
  /** True when the collection was created with a single unnamed vector (`vectors: {size, distance}`). */
  readonly unnamed: boolean;
}

/** Server-wide defaults for new collections (`storage.hnsw_index`, `storage.optimizers`, `storage.wal`). */
export interface CollectionDefaults {
  readonly hnsw_config: HnswConfig;
  readonly optimizer_config: OptimizersConfig;
  readonly wal_config: WalConfig;
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** `o` without its null / undefined values. */
export function pickDefined<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as T;
}

/** True when `vectors` is the single unnamed vector's parameters. */
export function isUnnamed(vectors: object): vectors is VectorParams {
  return 'size' in vectors && 'distance' in vectors;
}

/** The named dense vectors of a configuration (the unnamed one under ''). */
export function denseVectors(params: CollectionParams): ReadonlyArray<readonly [string, VectorParams]> {
  const v = params.vectors;
  if (isUnnamed(v)) return [['', v]];
  return Object.entries(v).filter((e): e is [string, VectorParams] => typeof e[1] === 'object' && e[1] !== null);
}

/** Derives the typed vector schema from a configuration. */
export function vectorSchema(config: CollectionConfig): VectorSchema {
  const collectionHnsw = config.hnsw_config;
  const dense = new Map<string, DenseVectorSpec>();
  const spec = (p: VectorParams): DenseVectorSpec => {
    const h = { ...collectionHnsw, ...(p.hnsw_config ? pickDefined(p.hnsw_config) : {}) };
    return {
      size: p.size,
      distance: p.distance,
      multivector: typeof p.multivector_config === 'object' && p.multivector_config !== null,
      datatype: typeof p.datatype === 'string' ? p.datatype : 'float32',
      hnsw: { m: Number(h.m ?? 16), ef_construct: Number(h.ef_construct ?? 100), full_scan_threshold: Number(h.full_scan_threshold ?? 10000) },
    };
  };
  for (const [name, p] of denseVectors(config.params)) dense.set(name, spec(p));
  const sparse = new Map<string, SparseVectorSpec>();
  for (const [name, p] of Object.entries(config.params.sparse_vectors ?? {})) {
    sparse.set(name, { modifier: typeof p === 'object' && p !== null && p.modifier === 'idf' ? 'idf' : 'none' });
  }
  return { dense, sparse, unnamed: isUnnamed(config.params.vectors) };
}

export function isCustomSharding(config: CollectionConfig): boolean {
  return config.params.sharding_method === 'custom';
}

/** `optimizer_config.indexing_threshold` in KiB (null: Qdrant's default). */
export function indexingThresholdKb(config: CollectionConfig): number | null {
  const t = config.optimizer_config.indexing_threshold;
  return typeof t === 'number' ? t : null;
}
