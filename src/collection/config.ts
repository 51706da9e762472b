/**
 * A collection's configuration. The stored form is Qdrant's `CollectionConfig` wire object (what
 * GET /collections/{name} returns under `config`), normalised with every default filled in; the
 * typed `VectorSchema` derived from it is what the write and search paths use.
 */
import { AppError } from '../errors.js';
import type { Distance } from '../index/distance.js';
import { isObject, type JsonObject } from '../json.js';
import type { Datatype } from './datatype.js';

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

/**
 * A collection's configuration as stored in its descriptor and reported by `GET /collections/{name}`:
 * Qdrant's `CollectionConfig` shape. Built from request bodies at the edge
 * (src/api/collection-config.ts); the engine reads it through `vectorSchema()`.
 */
export type CollectionConfig = JsonObject;

/** A change of a stored configuration (a parsed `PATCH /collections/{name}` or vector-name body). */
export type ConfigChange = (current: CollectionConfig) => CollectionConfig;

/** Server-wide defaults for new collections (`storage.hnsw_index`, `storage.optimizers`, `storage.wal`). */
export interface CollectionDefaults {
  readonly hnsw_config: JsonObject;
  readonly optimizer_config: JsonObject;
  readonly wal_config: JsonObject;
}

export function clone<T>(v: T): T {
  return structuredClone(v);
}

/** `o` without its null / undefined values. */
export function pickDefined<T extends JsonObject>(o: T): T {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out as T;
}

export function removeVectorName(current: CollectionConfig, name: string): CollectionConfig {
  const next = clone(current);
  const params = next['params'] as JsonObject;
  const vectors = params['vectors'] as JsonObject;
  const sparse = isObject(params['sparse_vectors']) ? params['sparse_vectors'] : {};
  if (!isUnnamed(vectors) && name in vectors) delete vectors[name];
  else if (name in sparse) delete sparse[name];
  else throw new AppError('VECTOR_NAME_NOT_FOUND', [name]);
  return next;
}

/** True when `params.vectors` of a configuration is the single unnamed vector's parameters. */
export function isUnnamed<T extends JsonObject>(vectors: T): boolean {
  return 'size' in vectors && 'distance' in vectors;
}

/** Derives the typed vector schema from a stored configuration. */
export function vectorSchema(config: CollectionConfig): VectorSchema {
  const params = config['params'] as JsonObject;
  const vectors = (params['vectors'] ?? {}) as JsonObject;
  const collectionHnsw = config['hnsw_config'] as JsonObject;
  const dense = new Map<string, DenseVectorSpec>();
  const spec = (p: JsonObject): DenseVectorSpec => {
    const h = { ...collectionHnsw, ...(isObject(p['hnsw_config']) ? pickDefined(p['hnsw_config']) : {}) };
    return {
      size: p['size'] as number,
      distance: p['distance'] as Distance,
      multivector: isObject(p['multivector_config']),
      datatype: (typeof p['datatype'] === 'string' ? p['datatype'] : 'float32') as DenseVectorSpec['datatype'],
      hnsw: { m: Number(h['m'] ?? 16), ef_construct: Number(h['ef_construct'] ?? 100), full_scan_threshold: Number(h['full_scan_threshold'] ?? 10000) },
    };
  };
  const unnamed = isUnnamed(vectors);
  if (unnamed) dense.set('', spec(vectors));
  else for (const [name, p] of Object.entries(vectors)) if (isObject(p)) dense.set(name, spec(p));
  const sparse = new Map<string, SparseVectorSpec>();
  if (isObject(params['sparse_vectors'])) {
    for (const [name, p] of Object.entries(params['sparse_vectors'])) {
      sparse.set(name, { modifier: isObject(p) && p['modifier'] === 'idf' ? 'idf' : 'none' });
    }
  }
  return { dense, sparse, unnamed };
}

export function isCustomSharding(config: CollectionConfig): boolean {
  return (config['params'] as JsonObject)['sharding_method'] === 'custom';
}
