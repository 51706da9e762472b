/**
 * Collection create / update / vector-name bodies (Qdrant's configuration vocabulary, from REST JSON or gRPC
 * messages) → stored configurations: CreateCollection (with the node's defaults), UpdateCollection and
 * CreateVectorName. API-layer parsing shared by both transports: the gRPC parser converts the proto into this
 * vocabulary and both hand the engine a finished `CollectionConfig` / `ConfigOperation` (data, applied by the engine).
 * Only parameters Qdrant allows to change are changed; unknown vector names are refused.
 */
import { badInput } from '../errors.js';
import { isObject, type JsonObject } from '../json.js';
import {
  clone,
  isUnnamed,
  pickDefined,
  type CollectionConfig,
  type CollectionDefaults,
  type CollectionParams,
  type MemoryPlacement,
  type QuantizationConfig,
  type SparseVectorParams,
  type VectorParams,
  type VectorsConfig,
} from '../collection/config.js';
import { checkHnsw, checkNotPinned, checkSparseParams, checkVectorParams, type CollectionPatch, type ConfigOperation, type VectorPatch } from '../collection/config-change.js';

/** Copies the keys of `patch` (parsed JSON) whose value is not null/undefined over `base`. */
function mergeDefined<T extends object>(base: T, patch: unknown): T {
  const out: Record<string, unknown> = clone({ ...base } as Record<string, unknown>);
  if (isObject(patch)) for (const [k, v] of Object.entries(patch)) if (v !== null && v !== undefined) out[k] = clone(v);
  return out as T;
}

function normaliseVectorParams(name: string, p: unknown): VectorParams {
  if (!isObject(p)) throw badInput(`vectors${name ? `.${name}` : ''}: expected an object {size, distance}`);
  const params = pickDefined(clone(p)) as unknown as VectorParams; // `p` is parsed JSON
  checkVectorParams(name, params);
  return params;
}

/**
 * Builds the stored configuration for `PUT /collections/{name}` (CreateCollection body).
 * @throws AppError(bad_input) naming the field when a value is invalid.
 */
export function buildCollectionConfig(body: JsonObject, defaults: CollectionDefaults): CollectionConfig {
  const vectorsIn = body['vectors'];
  let vectors: VectorsConfig;
  if (vectorsIn === undefined || vectorsIn === null) {
    vectors = {};
  } else if (isObject(vectorsIn) && 'size' in vectorsIn && 'distance' in vectorsIn) {
    vectors = normaliseVectorParams('', vectorsIn);
  } else if (isObject(vectorsIn)) {
    const named: Record<string, VectorParams> = {};
    for (const [name, p] of Object.entries(vectorsIn)) {
      if (name === '') throw badInput('vectors: a named vector needs a non-empty name');
      Object.defineProperty(named, name, { value: normaliseVectorParams(name, p), enumerable: true, writable: true, configurable: true });
    }
    vectors = named;
  } else {
    throw badInput('vectors: expected an object');
  }
  const sparseIn = body['sparse_vectors'];
  const sparse: Record<string, SparseVectorParams> = {};
  if (isObject(sparseIn)) {
    for (const [name, p] of Object.entries(sparseIn)) {
      if (name === '') throw badInput('sparse_vectors: a sparse vector needs a non-empty name');
      if (!isUnnamed(vectors) && Object.hasOwn(vectors, name)) throw badInput(`sparse_vectors.${name}: the name is already used by a dense vector`);
      const sp = (isObject(p) ? pickDefined(clone(p)) : {}) as SparseVectorParams;
      checkSparseParams(name, sp);
      Object.defineProperty(sparse, name, { value: sp, enumerable: true, writable: true, configurable: true });
    }
  }
  const params: { -readonly [K in keyof CollectionParams]: CollectionParams[K] } = {
    vectors,
    shard_number: typeof body['shard_number'] === 'number' ? body['shard_number'] : 1,
    replication_factor: typeof body['replication_factor'] === 'number' ? body['replication_factor'] : 1,
    write_consistency_factor: typeof body['write_consistency_factor'] === 'number' ? body['write_consistency_factor'] : 1,
    on_disk_payload: typeof body['on_disk_payload'] === 'boolean' ? body['on_disk_payload'] : true,
  };
  if (body['sharding_method'] === 'custom') params.sharding_method = 'custom';
  if (Object.keys(sparse).length > 0) params.sparse_vectors = sparse;
  if (isObject(body['payload'])) {
    checkNotPinned(body['payload']['memory'], 'payload', 'payload storage');
    params.payload = pickDefined(clone(body['payload']));
  }

  const hnsw = mergeDefined(defaults.hnsw_config, body['hnsw_config']);
  checkHnsw(hnsw);
  const config: { -readonly [K in keyof CollectionConfig]: CollectionConfig[K] } = {
    params,
    hnsw_config: hnsw,
    optimizer_config: mergeDefined(defaults.optimizer_config, body['optimizers_config']),
    wal_config: mergeDefined(defaults.wal_config, body['wal_config']),
    quantization_config: isObject(body['quantization_config']) ? (clone(body['quantization_config']) as QuantizationConfig) : null,
    strict_mode_config: isObject(body['strict_mode_config']) ? pickDefined(clone(body['strict_mode_config'])) : { enabled: false },
  };
  if (isObject(body['metadata'])) config.metadata = clone(body['metadata']);
  return config;
}

/** A map of the object's own entries (names of any spelling), or undefined when `v` is not an object. */
function entriesOf(v: unknown): Array<[string, JsonObject]> | undefined {
  if (!isObject(v)) return undefined;
  return Object.entries(v).map(([k, d]) => [k, isObject(d) ? (d as JsonObject) : {}]);
}

/** A vector's `quantization_config` diff: "Disabled" removes it (null), an object replaces it. */
function quantizationDiff(v: unknown): QuantizationConfig | null | undefined {
  if (v === undefined || v === null) return undefined;
  return v === 'Disabled' ? null : (clone(v) as QuantizationConfig);
}

/**
 * Parses a `PATCH /collections/{name}` (UpdateCollection) body into the change it makes. Only parameters Qdrant
 * allows to change are taken; the engine refuses unknown vector names when it applies the change.
 */
export function configPatch(body: JsonObject): ConfigOperation {
  const patch: { -readonly [K in keyof CollectionPatch]: CollectionPatch[K] } = {};
  const vectors = entriesOf(body['vectors']);
  if (vectors !== undefined) {
    patch.vectors = new Map(
      vectors.map(([name, d]): [string, VectorPatch] => {
        const diff: { -readonly [K in keyof VectorPatch]: VectorPatch[K] } = {};
        if (isObject(d['hnsw_config'])) diff.hnsw_config = pickDefined(clone(d['hnsw_config']));
        const q = quantizationDiff(d['quantization_config']);
        if (q !== undefined) diff.quantization_config = q;
        if (typeof d['on_disk'] === 'boolean') diff.on_disk = d['on_disk'];
        if (typeof d['memory'] === 'string') diff.memory = d['memory'] as MemoryPlacement; // validated against the schema
        return [name, diff];
      }),
    );
  }
  if (isObject(body['params'])) patch.params = pickDefined(clone(body['params']));
  if (isObject(body['hnsw_config'])) patch.hnsw = pickDefined(clone(body['hnsw_config']));
  if (isObject(body['optimizers_config'])) patch.optimizers = pickDefined(clone(body['optimizers_config']));
  const q = body['quantization_config'];
  if (q !== undefined && q !== null) patch.quantization = q === 'Disabled' ? 'disabled' : (clone(q) as QuantizationConfig);
  const sparse = entriesOf(body['sparse_vectors']);
  if (sparse !== undefined) patch.sparseVectors = new Map(sparse.map(([name, d]) => [name, pickDefined(clone(d)) as SparseVectorParams]));
  if (isObject(body['strict_mode_config'])) patch.strictMode = pickDefined(clone(body['strict_mode_config']));
  if (isObject(body['metadata'])) patch.metadata = clone(body['metadata']);
  return { type: 'update_collection', patch };
}

/** Parses a `PUT …/vectors/{name}` body (a dense vector's parameters, or `sparse`) into the change it makes. */
export function vectorNameAddition(name: string, body: JsonObject): ConfigOperation {
  if (isObject(body['sparse']) || body['sparse'] === true) {
    return { type: 'create_vector_name', name, vector: { kind: 'sparse', params: isObject(body['sparse']) ? (pickDefined(clone(body['sparse']))) : {} } };
  }
  const p = isObject(body['dense']) ? body['dense'] : body;
  return { type: 'create_vector_name', name, vector: { kind: 'dense', params: normaliseVectorParams(name, p) } };
}
