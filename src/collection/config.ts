/**
 * A collection's configuration. The stored form is Qdrant's `CollectionConfig` wire object (what
 * GET /collections/{name} returns under `config`), normalised with every default filled in; the
 * typed `VectorSchema` derived from it is what the write and search paths use.
 */
import { AppError, badInput } from '../errors.js';
import type { Distance } from '../index/distance.js';
import { isObject, type JsonObject, type JsonValue } from '../json.js';

export interface DenseVectorSpec {
  readonly size: number;
  readonly distance: Distance;
  readonly multivector: boolean;
  readonly datatype: 'float32' | 'float16' | 'uint8';
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
  readonly hnsw_config: JsonObject;
  readonly optimizer_config: JsonObject;
  readonly wal_config: JsonObject;
}

const DISTANCE_NAMES: readonly Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];

function clone<T>(v: T): T {
  return structuredClone(v);
}

/** Copies the keys of `patch` (parsed JSON) whose value is not null/undefined over `base`. */
function mergeDefined(base: JsonObject, patch: unknown): JsonObject {
  const out = clone(base);
  if (isObject(patch)) for (const [k, v] of Object.entries(patch)) if (v !== null && v !== undefined) out[k] = clone(v) as JsonValue;
  return out;
}

function pickDefined(o: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(o)) if (v !== null && v !== undefined) out[k] = v;
  return out;
}

function normaliseVectorParams(name: string, p: unknown): JsonObject {
  if (!isObject(p)) throw badInput(`vectors${name ? `.${name}` : ''}: expected an object {size, distance}`);
  const { size, distance } = p;
  if (typeof size !== 'number' || !Number.isInteger(size) || size < 1) {
    throw badInput(`vectors${name ? `.${name}` : ''}.size: must be a positive integer`);
  }
  if (size > 65536) throw badInput(`vectors${name ? `.${name}` : ''}.size: ${size} exceeds the maximum of 65536`);
  if (typeof distance !== 'string' || !DISTANCE_NAMES.includes(distance as Distance)) {
    throw badInput(`vectors${name ? `.${name}` : ''}.distance: expected one of ${DISTANCE_NAMES.join(', ')}`);
  }
  const mv = p['multivector_config'];
  if (mv !== undefined && mv !== null && (!isObject(mv) || mv['comparator'] !== 'max_sim')) {
    throw badInput(`vectors${name ? `.${name}` : ''}.multivector_config.comparator: expected "max_sim"`);
  }
  return pickDefined(clone(p) as JsonObject); // `p` is parsed JSON
}

/**
 * Builds the stored configuration for `PUT /collections/{name}` (CreateCollection body).
 * @throws AppError(bad_input) naming the field when a value is invalid.
 */
export function buildCollectionConfig(body: JsonObject, defaults: CollectionDefaults): JsonObject {
  const vectorsIn = body['vectors'];
  let vectors: JsonObject;
  if (vectorsIn === undefined || vectorsIn === null) {
    vectors = {};
  } else if (isObject(vectorsIn) && 'size' in vectorsIn && 'distance' in vectorsIn) {
    vectors = normaliseVectorParams('', vectorsIn);
  } else if (isObject(vectorsIn)) {
    vectors = {};
    for (const [name, p] of Object.entries(vectorsIn)) {
      if (name === '') throw badInput('vectors: a named vector needs a non-empty name');
      vectors[name] = normaliseVectorParams(name, p);
    }
  } else {
    throw badInput('vectors: expected an object');
  }
  const sparseIn = body['sparse_vectors'];
  const sparse: JsonObject = {};
  if (isObject(sparseIn)) {
    for (const [name, p] of Object.entries(sparseIn)) {
      if (name === '') throw badInput('sparse_vectors: a sparse vector needs a non-empty name');
      if (!isUnnamed(vectors) && name in vectors) throw badInput(`sparse_vectors.${name}: the name is already used by a dense vector`);
      const sp = isObject(p) ? pickDefined(clone(p)) : {};
      if (sp['modifier'] !== undefined && sp['modifier'] !== 'none' && sp['modifier'] !== 'idf') {
        throw badInput(`sparse_vectors.${name}.modifier: expected "none" or "idf"`);
      }
      sparse[name] = sp;
    }
  }
  const shardingMethod = body['sharding_method'];
  const params: JsonObject = {
    vectors,
    shard_number: typeof body['shard_number'] === 'number' ? body['shard_number'] : 1,
    replication_factor: typeof body['replication_factor'] === 'number' ? body['replication_factor'] : 1,
    write_consistency_factor: typeof body['write_consistency_factor'] === 'number' ? body['write_consistency_factor'] : 1,
    on_disk_payload: typeof body['on_disk_payload'] === 'boolean' ? body['on_disk_payload'] : true,
  };
  if (shardingMethod === 'custom') params['sharding_method'] = 'custom';
  if (Object.keys(sparse).length > 0) params['sparse_vectors'] = sparse;

  const hnsw = mergeDefined(defaults.hnsw_config, body['hnsw_config']);
  validateHnsw(hnsw, 'hnsw_config');
  const config: JsonObject = {
    params,
    hnsw_config: hnsw,
    optimizer_config: mergeDefined(defaults.optimizer_config, body['optimizers_config']),
    wal_config: mergeDefined(defaults.wal_config, body['wal_config']),
    quantization_config: isObject(body['quantization_config']) ? clone(body['quantization_config']) : null,
    strict_mode_config: isObject(body['strict_mode_config']) ? pickDefined(clone(body['strict_mode_config'])) : { enabled: false },
  };
  if (isObject(body['metadata'])) config['metadata'] = clone(body['metadata']);
  return config;
}

function validateHnsw(h: JsonObject, where: string): void {
  const m = h['m'];
  const ef = h['ef_construct'];
  if (typeof m === 'number' && (m < 0 || m > 512)) throw badInput(`${where}.m: must be between 0 and 512`);
  if (typeof ef === 'number' && ef < 4) throw badInput(`${where}.ef_construct: must be at least 4`);
}

function isUnnamed(vectors: JsonObject): boolean {
  return 'size' in vectors && 'distance' in vectors;
}

/**
 * Applies `PATCH /collections/{name}` (UpdateCollection) to a stored configuration.
 * Only parameters Qdrant allows to change are changed; unknown vector names are refused.
 */
export function updateCollectionConfig(current: JsonObject, patch: JsonObject): JsonObject {
  const next = clone(current);
  const params = next['params'] as JsonObject;
  const vectors = params['vectors'] as JsonObject;
  const vDiff = patch['vectors'];
  if (isObject(vDiff)) {
    for (const [name, diff] of Object.entries(vDiff)) {
      let target: JsonObject | undefined;
      if (isUnnamed(vectors)) target = name === '' ? vectors : undefined;
      else target = isObject(vectors[name]) ? vectors[name] : undefined;
      if (target === undefined) throw badInput(`vectors.${name}: Not existing vector name error: ${name}`);
      if (!isObject(diff)) continue;
      if (isObject(diff['hnsw_config'])) {
        target['hnsw_config'] = mergeDefined(isObject(target['hnsw_config']) ? target['hnsw_config'] : {}, diff['hnsw_config']);
      }
      if (diff['quantization_config'] !== undefined) target['quantization_config'] = clone(diff['quantization_config']);
      if (typeof diff['on_disk'] === 'boolean') target['on_disk'] = diff['on_disk'];
    }
  }
  if (isObject(patch['params'])) {
    for (const key of ['replication_factor', 'write_consistency_factor', 'read_fan_out_factor', 'read_fan_out_delay_ms', 'on_disk_payload']) {
      const v = patch['params'][key];
      if (v !== undefined && v !== null) params[key] = v;
    }
  }
  if (isObject(patch['hnsw_config'])) {
    const h = mergeDefined(next['hnsw_config'] as JsonObject, patch['hnsw_config']);
    validateHnsw(h, 'hnsw_config');
    next['hnsw_config'] = h;
  }
  if (isObject(patch['optimizers_config'])) {
    next['optimizer_config'] = mergeDefined(next['optimizer_config'] as JsonObject, patch['optimizers_config']);
  }
  if (patch['quantization_config'] !== undefined && patch['quantization_config'] !== null) {
    next['quantization_config'] = patch['quantization_config'] === 'Disabled' ? null : clone(patch['quantization_config']);
  }
  if (isObject(patch['sparse_vectors'])) {
    const sparse = isObject(params['sparse_vectors']) ? params['sparse_vectors'] : {};
    for (const [name, diff] of Object.entries(patch['sparse_vectors'])) {
      if (!isObject(sparse[name])) throw badInput(`sparse_vectors.${name}: Not existing vector name error: ${name}`);
      sparse[name] = mergeDefined(sparse[name], diff);
    }
    params['sparse_vectors'] = sparse;
  }
  if (isObject(patch['strict_mode_config'])) {
    next['strict_mode_config'] = mergeDefined(isObject(next['strict_mode_config']) ? next['strict_mode_config'] : {}, patch['strict_mode_config']);
  }
  if (isObject(patch['metadata'])) {
    next['metadata'] = { ...(isObject(next['metadata']) ? next['metadata'] : {}), ...clone(patch['metadata']) };
  }
  return next;
}

/** Adds a named dense vector (`PUT /collections/{c}/vectors/{name}`) or sparse vector. */
export function addVectorName(current: JsonObject, name: string, body: JsonObject): JsonObject {
  const next = clone(current);
  const params = next['params'] as JsonObject;
  const vectors = params['vectors'] as JsonObject;
  const sparse = isObject(params['sparse_vectors']) ? params['sparse_vectors'] : {};
  if (isUnnamed(vectors)) throw badInput('cannot add a named vector to a collection created with a single unnamed vector');
  if (name in vectors || name in sparse) throw badInput(`Wrong input: Vector with name \`${name}\` already exists`);
  if (isObject(body['sparse']) || body['sparse'] === true) {
    sparse[name] = isObject(body['sparse']) ? pickDefined(body['sparse']) : {};
    params['sparse_vectors'] = sparse;
  } else {
    const p = isObject(body['dense']) ? body['dense'] : body;
    vectors[name] = normaliseVectorParams(name, p);
  }
  return next;
}

export function removeVectorName(current: JsonObject, name: string): JsonObject {
  const next = clone(current);
  const params = next['params'] as JsonObject;
  const vectors = params['vectors'] as JsonObject;
  const sparse = isObject(params['sparse_vectors']) ? params['sparse_vectors'] : {};
  if (!isUnnamed(vectors) && name in vectors) delete vectors[name];
  else if (name in sparse) delete sparse[name];
  else throw new AppError('VECTOR_NAME_NOT_FOUND', [name]);
  return next;
}

/** Derives the typed vector schema from a stored configuration. */
export function vectorSchema(config: JsonObject): VectorSchema {
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

export function isCustomSharding(config: JsonObject): boolean {
  return (config['params'] as JsonObject)['sharding_method'] === 'custom';
}
