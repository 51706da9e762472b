/**
 * Collection create / update / vector-name bodies (Qdrant's configuration vocabulary, from REST JSON or gRPC
 * messages) → stored configurations: CreateCollection (with the node's defaults), UpdateCollection and
 * CreateVectorName. API-layer parsing shared by both transports: the gRPC parser converts the proto into this
 * vocabulary and both hand the engine a finished `CollectionConfig` / `ConfigChange`.
 * Only parameters Qdrant allows to change are changed; unknown vector names are refused.
 */
import { AppError, badInput } from '../errors.js';
import type { Distance } from '../index/distance.js';
import { isObject, type JsonObject, type JsonValue } from '../json.js';
import { clone, isUnnamed, pickDefined, type CollectionConfig, type CollectionDefaults, type ConfigChange } from '../collection/config.js';

const DISTANCE_NAMES: readonly Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];

/** Copies the keys of `patch` (parsed JSON) whose value is not null/undefined over `base`. */
function mergeDefined(base: JsonObject, patch: unknown): JsonObject {
  const out = clone(base);
  if (isObject(patch)) for (const [k, v] of Object.entries(patch)) if (v !== null && v !== undefined) out[k] = clone(v) as JsonValue;
  return out;
}

/**
 * Qdrant 1.19 `Memory` placement: all three values parse; `pinned` is refused where its documentation says
 * it is not supported (dense vector storage, payload storage). Quiver holds everything the same way (LMDB
 * pages through the page cache, graphs in the heap) and only records and echoes the placement.
 */
function checkNotPinned(memory: unknown, where: string, what: string): void {
  if (memory === 'pinned') throw new AppError('VALIDATION', [`${where}.memory: \`pinned\` is not supported for ${what}`]);
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
  checkNotPinned(p['memory'], `vectors${name ? `.${name}` : ''}`, 'dense vector storage');
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
  const payload = payloadStorage(body['payload']);
  if (payload !== null) params['payload'] = payload;

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

/** `params.payload` (`PayloadStorageParams`): `{memory}`; pinned payload storage is refused. */
function payloadStorage(v: unknown): JsonObject | null {
  if (!isObject(v)) return null;
  checkNotPinned(v['memory'], 'payload', 'payload storage');
  return pickDefined(clone(v) as JsonObject); // `v` is parsed JSON
}

function validateHnsw(h: JsonObject, where: string): void {
  const m = h['m'];
  const ef = h['ef_construct'];
  if (typeof m === 'number' && (m < 0 || m > 512)) throw badInput(`${where}.m: must be between 0 and 512`);
  if (typeof ef === 'number' && ef < 4) throw badInput(`${where}.ef_construct: must be at least 4`);
}


/**
 * Applies `PATCH /collections/{name}` (UpdateCollection) to a stored configuration.
 * Only parameters Qdrant allows to change are changed; unknown vector names are refused.
 */
export function updateCollectionConfig(current: CollectionConfig, patch: JsonObject): CollectionConfig {
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
      if (typeof diff['memory'] === 'string') {
        checkNotPinned(diff['memory'], `vectors.${name}`, 'dense vector storage');
        target['memory'] = diff['memory'];
      }
    }
  }
  if (isObject(patch['params'])) {
    for (const key of ['replication_factor', 'write_consistency_factor', 'read_fan_out_factor', 'read_fan_out_delay_ms', 'on_disk_payload']) {
      const v = patch['params'][key];
      if (v !== undefined && v !== null) params[key] = v;
    }
    const payload = payloadStorage(patch['params']['payload']);
    if (payload !== null) params['payload'] = payload;
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
export function addVectorName(current: CollectionConfig, name: string, body: JsonObject): CollectionConfig {
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


/** The change a `PATCH /collections/{name}` body makes. */
export function configPatch(patch: JsonObject): ConfigChange {
  return (current) => updateCollectionConfig(current, patch);
}

/** The change a `PUT …/vectors/{name}` body makes. */
export function vectorNameAddition(name: string, body: JsonObject): ConfigChange {
  return (current) => addVectorName(current, name, body);
}
