/**
 * Configuration changes as data. Every change of a collection's configuration is one `ConfigOperation` value
 * (Qdrant's UpdateCollection, adding or removing a vector name): the REST and gRPC adapters parse into it,
 * `applyConfigOperation` validates and applies it to a configuration (a pure function: the current value in,
 * the next value out, an AppError for a change that cannot apply), the collection's pipeline persists the result
 * in its descriptor, and `operation-codec.ts` serialises it. Values are plain data (maps for names of any
 * spelling), so they can cross a worker or replica boundary.
 */
import { AppError, badInput } from '../errors.js';
import { DISTANCES } from '../index/distance.js';
import type { JsonObject } from '../json.js';
import { setOwn } from '../index/json-path.js';
import {
  clone,
  isUnnamed,
  pickDefined,
  type CollectionConfig,
  type CollectionParams,
  type HnswConfig,
  type HnswConfigDiff,
  type MemoryPlacement,
  type OptimizersConfig,
  type QuantizationConfig,
  type SparseVectorParams,
  type StrictModeConfig,
  type VectorParams,
} from './config.js';

/** Qdrant `VectorParamsDiff`: what an update may change on an existing dense vector. */
export interface VectorPatch {
  readonly hnsw_config?: HnswConfigDiff;
  /** A new quantization, or null to remove the vector's own. */
  readonly quantization_config?: QuantizationConfig | null;
  readonly on_disk?: boolean;
  readonly memory?: MemoryPlacement;
}

/** Qdrant `CollectionParamsDiff`. */
export interface ParamsPatch {
  readonly replication_factor?: number;
  readonly write_consistency_factor?: number;
  readonly read_fan_out_factor?: number;
  readonly read_fan_out_delay_ms?: number;
  readonly on_disk_payload?: boolean;
  readonly payload?: { readonly memory?: MemoryPlacement | null } | null;
}

/** Qdrant `UpdateCollection`: every part optional; absent parts are left as they are. */
export interface CollectionPatch {
  readonly vectors?: ReadonlyMap<string, VectorPatch>;
  readonly params?: ParamsPatch;
  readonly hnsw?: HnswConfigDiff;
  readonly optimizers?: { readonly [K in keyof OptimizersConfig]?: OptimizersConfig[K] };
  /** A new collection quantization, or 'disabled' to remove it. */
  readonly quantization?: QuantizationConfig | 'disabled';
  readonly sparseVectors?: ReadonlyMap<string, SparseVectorParams>;
  readonly strictMode?: StrictModeConfig;
  /** Keys merged into the collection's metadata (a null value removes the key). */
  readonly metadata?: JsonObject;
}

export type ConfigOperation =
  | { readonly type: 'update_collection'; readonly patch: CollectionPatch }
  | { readonly type: 'create_vector_name'; readonly name: string; readonly vector: { readonly kind: 'dense'; readonly params: VectorParams } | { readonly kind: 'sparse'; readonly params: SparseVectorParams } }
  | { readonly type: 'delete_vector_name'; readonly name: string };

const PARAMS_PATCH_KEYS = ['replication_factor', 'write_consistency_factor', 'read_fan_out_factor', 'read_fan_out_delay_ms', 'on_disk_payload'] as const;

/**
 * Qdrant 1.19 `Memory` placement: all three values parse; `pinned` is refused where its documentation says it is
 * not supported (dense vector storage, payload storage). Quiver holds everything the same way (LMDB pages through
 * the page cache, graphs in the heap) and only records and echoes the placement.
 */
export function checkNotPinned(memory: unknown, where: string, what: string): void {
  if (memory === 'pinned') throw new AppError('VALIDATION', [`${where}.memory: \`pinned\` is not supported for ${what}`]);
}

/** The largest dense vector Quiver accepts (as Qdrant: 65 536 dimensions). */
export const MAX_VECTOR_SIZE = 65536;

/**
 * A dense vector's parameters are usable: a positive integer size up to {@link MAX_VECTOR_SIZE}, a known distance,
 * MaxSim for a multivector.
 * @throws AppError(bad_input) naming the field.
 */
export function checkVectorParams(name: string, p: VectorParams): void {
  const where = `vectors${name ? `.${name}` : ''}`;
  checkNotPinned(p.memory, where, 'dense vector storage');
  if (typeof p.size !== 'number' || !Number.isInteger(p.size) || p.size < 1) throw badInput(`${where}.size: must be a positive integer`);
  if (p.size > MAX_VECTOR_SIZE) throw badInput(`${where}.size: ${p.size} exceeds the maximum of ${MAX_VECTOR_SIZE}`);
  if (typeof p.distance !== 'string' || !DISTANCES.includes(p.distance)) throw badInput(`${where}.distance: expected one of ${DISTANCES.join(', ')}`);
  const mv = p.multivector_config;
  if (mv !== undefined && mv !== null && (typeof mv !== 'object' || mv.comparator !== 'max_sim')) throw badInput(`${where}.multivector_config.comparator: expected "max_sim"`);
}

/** @throws AppError(bad_input) for an `m` or `ef_construct` Qdrant refuses. */
export function checkHnsw(h: HnswConfigDiff, where = 'hnsw_config'): void {
  if (typeof h.m === 'number' && (h.m < 0 || h.m > 512)) throw badInput(`${where}.m: must be between 0 and 512`);
  if (typeof h.ef_construct === 'number' && h.ef_construct < 4) throw badInput(`${where}.ef_construct: must be at least 4`);
}

/** @throws AppError(bad_input) for a sparse modifier other than none / idf. */
export function checkSparseParams(name: string, p: SparseVectorParams): void {
  if (p.modifier !== undefined && p.modifier !== null && p.modifier !== 'none' && p.modifier !== 'idf') throw badInput(`sparse_vectors.${name}.modifier: expected "none" or "idf"`);
}

/** `base` with the defined values of `patch` over it. */
function merged<T extends object>(base: T | null | undefined, patch: object): T {
  return { ...(base ?? {}), ...clone(pickDefined(patch)) } as T;
}

function updateCollection(current: CollectionConfig, patch: CollectionPatch): CollectionConfig {
  let params: CollectionParams = current.params;
  if (patch.vectors !== undefined) {
    const vectors = current.params.vectors;
    const unnamed = isUnnamed(vectors);
    let next: Record<string, VectorParams> | VectorParams = unnamed ? vectors : { ...vectors };
    for (const [name, diff] of patch.vectors) {
      const target = unnamed ? (name === '' ? vectors : undefined) : Object.hasOwn(vectors, name) ? (vectors as Record<string, VectorParams>)[name] : undefined;
      if (target === undefined) throw badInput(`vectors.${name}: Not existing vector name error: ${name}`);
      let updated: VectorParams = target;
      if (diff.hnsw_config !== undefined) updated = { ...updated, hnsw_config: merged<HnswConfigDiff>(updated.hnsw_config, diff.hnsw_config) };
      // Qdrant `VectorParamsDiff`: `Disabled` (null here) clears the vector's own quantization; it then follows the collection's.
      if (diff.quantization_config === null) {
        const { quantization_config: _cleared, ...rest } = updated;
        updated = rest;
      } else if (diff.quantization_config !== undefined) updated = { ...updated, quantization_config: clone(diff.quantization_config) };
      if (diff.on_disk !== undefined) updated = { ...updated, on_disk: diff.on_disk };
      if (diff.memory !== undefined) {
        checkNotPinned(diff.memory, `vectors.${name}`, 'dense vector storage');
        updated = { ...updated, memory: diff.memory };
      }
      if (unnamed) next = updated;
      else Object.defineProperty(next, name, { value: updated, enumerable: true, writable: true, configurable: true });
    }
    params = { ...params, vectors: next };
  }
  if (patch.params !== undefined) {
    const p: Record<string, unknown> = { ...params };
    for (const key of PARAMS_PATCH_KEYS) if (patch.params[key] !== undefined && patch.params[key] !== null) p[key] = patch.params[key];
    const payload = patch.params.payload;
    if (payload !== undefined && payload !== null) {
      checkNotPinned(payload.memory, 'payload', 'payload storage');
      p['payload'] = clone(payload);
    }
    params = p as unknown as CollectionParams;
  }
  if (patch.sparseVectors !== undefined) {
    const sparse: Record<string, SparseVectorParams> = { ...(params.sparse_vectors ?? {}) };
    for (const [name, diff] of patch.sparseVectors) {
      if (!Object.hasOwn(sparse, name)) throw badInput(`sparse_vectors.${name}: Not existing vector name error: ${name}`);
      checkSparseParams(name, diff);
      Object.defineProperty(sparse, name, { value: merged(sparse[name], diff), enumerable: true, writable: true, configurable: true });
    }
    params = { ...params, sparse_vectors: sparse };
  }
  let next: CollectionConfig = params === current.params ? current : { ...current, params };
  if (patch.hnsw !== undefined) {
    const h = merged<HnswConfig>(next.hnsw_config, patch.hnsw);
    checkHnsw(h);
    next = { ...next, hnsw_config: h };
  }
  if (patch.optimizers !== undefined) next = { ...next, optimizer_config: merged(next.optimizer_config, patch.optimizers) };
  if (patch.quantization !== undefined) next = { ...next, quantization_config: patch.quantization === 'disabled' ? null : clone(patch.quantization) };
  if (patch.strictMode !== undefined) next = { ...next, strict_mode_config: merged(next.strict_mode_config, patch.strictMode) };
  if (patch.metadata !== undefined) {
    // Merged into the stored metadata; a key set to `null` is removed (UpdateCollection.metadata).
    const metadata: JsonObject = { ...(next.metadata ?? {}) };
    for (const [key, value] of Object.entries(patch.metadata)) {
      if (value === null) delete metadata[key];
      else setOwn(metadata, key, clone(value));
    }
    next = { ...next, metadata };
  }
  return next;
}

function createVectorName(current: CollectionConfig, op: Extract<ConfigOperation, { type: 'create_vector_name' }>): CollectionConfig {
  const { name } = op;
  const vectors = current.params.vectors;
  const sparse = current.params.sparse_vectors ?? {};
  if (isUnnamed(vectors)) throw badInput('cannot add a named vector to a collection created with a single unnamed vector');
  if (name === '') throw badInput('vectors: a named vector needs a non-empty name');
  if (Object.hasOwn(vectors, name) || Object.hasOwn(sparse, name)) throw badInput(`Wrong input: Vector with name \`${name}\` already exists`);
  const define = <T>(o: Readonly<Record<string, T>>, value: T): Record<string, T> => Object.defineProperty({ ...o }, name, { value, enumerable: true, writable: true, configurable: true });
  if (op.vector.kind === 'sparse') {
    checkSparseParams(name, op.vector.params);
    return { ...current, params: { ...current.params, sparse_vectors: define(sparse, pickDefined(clone(op.vector.params))) } };
  }
  checkVectorParams(name, op.vector.params);
  return { ...current, params: { ...current.params, vectors: define(vectors, pickDefined(clone(op.vector.params))) } };
}

function deleteVectorName(current: CollectionConfig, name: string): CollectionConfig {
  const vectors = current.params.vectors;
  const sparse = current.params.sparse_vectors ?? {};
  const without = <T>(o: Readonly<Record<string, T>>): Record<string, T> => Object.fromEntries(Object.entries(o).filter(([k]) => k !== name));
  if (!isUnnamed(vectors) && Object.hasOwn(vectors, name)) return { ...current, params: { ...current.params, vectors: without(vectors) } };
  if (Object.hasOwn(sparse, name)) return { ...current, params: { ...current.params, sparse_vectors: without(sparse) } };
  throw new AppError('VECTOR_NAME_NOT_FOUND', [name]);
}

/**
 * The configuration `op` makes of `current` (a new value; `current` is not changed).
 * @throws AppError(bad_input | VECTOR_NAME_NOT_FOUND) when the change cannot apply; nothing changes then.
 */
export function applyConfigOperation(current: CollectionConfig, op: ConfigOperation): CollectionConfig {
  switch (op.type) {
    case 'update_collection':
      return updateCollection(current, op.patch);
    case 'create_vector_name':
      return createVectorName(current, op);
    case 'delete_vector_name':
      return deleteVectorName(current, op.name);
  }
}
