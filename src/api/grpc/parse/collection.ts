/**
 * Proto collection configuration → the bodies the engine's configuration builders take
 * (`src/api/collection-config.ts`: create, update, vector-name addition) and payload index schemas, in Qdrant's
 * configuration vocabulary, built field by field from the proto.
 */
import type { JsonValue as Json, JsonObject } from '../../../json.js';
import type * as M from '../generated/messages.js';
import { bad } from './point-id.js';
import { jsonMap, safeInteger } from './value.js';

type In = Record<string, unknown>;

/** Copies the defined fields of `m` (uint64 strings → numbers, nested messages through `nested`). */
function plain(m: In | undefined | null, nested: Record<string, (v: never) => Json> = {}): JsonObject | undefined {
  if (m === undefined || m === null) return undefined;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(m)) {
    if (v === undefined || v === null) continue;
    const convert = nested[k];
    if (convert !== undefined) out[k] = convert(v as never);
    else if (typeof v === 'string' && /^\d+$/.test(v)) out[k] = safeInteger(v, k);
    else if (typeof v === 'number' || typeof v === 'boolean' || typeof v === 'string') out[k] = v;
  }
  return out;
}

const DISTANCES: Readonly<Record<string, string>> = { Cosine: 'Cosine', Euclid: 'Euclid', Dot: 'Dot', Manhattan: 'Manhattan' };
const DATATYPES: Readonly<Record<string, string>> = { Float32: 'float32', Uint8: 'uint8', Float16: 'float16', Turbo4: 'turbo4' };

function distance(d: string | undefined): string {
  const name = DISTANCES[d ?? ''];
  if (name === undefined) throw bad(`distance: unknown distance ${d ?? 'UnknownDistance'}`);
  return name;
}

function hnsw(h: M.HnswConfigDiff__Output | undefined | null): JsonObject | undefined {
  return plain(h as In, { memory: () => null });
}

function quantization(q: M.QuantizationConfig__Output | M.QuantizationConfigDiff__Output | undefined | null): Json | undefined {
  if (q === undefined || q === null) return undefined;
  switch (q.quantization) {
    case 'scalar':
      return { scalar: { type: 'int8', ...(q.scalar?.quantile === undefined ? {} : { quantile: q.scalar.quantile }), ...(q.scalar?.always_ram === undefined ? {} : { always_ram: q.scalar.always_ram }) } };
    case 'product':
      return { product: { compression: q.product?.compression ?? 'x4', ...(q.product?.always_ram === undefined ? {} : { always_ram: q.product.always_ram }) } };
    case 'binary':
      return { binary: { ...(q.binary?.always_ram === undefined ? {} : { always_ram: q.binary.always_ram }) } };
    case 'disabled':
      return 'Disabled';
    default:
      throw bad(`quantization_config: ${q.quantization ?? 'empty'} quantization is not supported by Quiver`);
  }
}

function vectorParams(p: M.VectorParams__Output): JsonObject {
  const out: JsonObject = { size: safeInteger(p.size, 'size'), distance: distance(p.distance) };
  const h = hnsw(p.hnsw_config);
  if (h !== undefined) out['hnsw_config'] = h;
  const q = quantization(p.quantization_config);
  if (q !== undefined) out['quantization_config'] = q;
  if (p.on_disk !== undefined) out['on_disk'] = p.on_disk;
  if (p.datatype !== undefined && DATATYPES[p.datatype] !== undefined) out['datatype'] = DATATYPES[p.datatype]!;
  if (p.multivector_config !== undefined && p.multivector_config !== null) out['multivector_config'] = { comparator: 'max_sim' };
  return out;
}

function sparseVectors(s: M.SparseVectorConfig__Output | undefined | null): JsonObject | undefined {
  if (s === undefined || s === null) return undefined;
  const out: JsonObject = {};
  for (const [name, p] of Object.entries(s.map ?? {})) {
    const v: JsonObject = {};
    if (p.modifier === 'Idf') v['modifier'] = 'idf';
    else if (p.modifier === 'None') v['modifier'] = 'none';
    const index = plain(p.index as In, { datatype: () => null, memory: () => null });
    if (index !== undefined) v['index'] = index;
    out[name] = v;
  }
  return out;
}

function optimizers(o: M.OptimizersConfigDiff__Output | undefined | null): JsonObject | undefined {
  return plain(o as In, {
    max_optimization_threads: (t: M.MaxOptimizationThreads__Output) => (t.variant === 'value' ? safeInteger(t.value, 'max_optimization_threads') : null),
  });
}

/** `CreateCollection` → the creation body. */
export function createCollectionConfig(m: M.CreateCollection__Output): JsonObject {
  const out: JsonObject = {};
  const v = m.vectors_config;
  if (v?.config === 'params') out['vectors'] = vectorParams(v.params!);
  else if (v?.config === 'params_map') {
    const map: JsonObject = {};
    for (const [name, p] of Object.entries(v.params_map?.map ?? {})) map[name] = vectorParams(p);
    out['vectors'] = map;
  }
  const sparse = sparseVectors(m.sparse_vectors_config);
  if (sparse !== undefined) out['sparse_vectors'] = sparse;
  const h = hnsw(m.hnsw_config);
  if (h !== undefined) out['hnsw_config'] = h;
  const o = optimizers(m.optimizers_config);
  if (o !== undefined) out['optimizers_config'] = o;
  const w = plain(m.wal_config as In);
  if (w !== undefined) out['wal_config'] = w;
  const q = quantization(m.quantization_config);
  if (q !== undefined) out['quantization_config'] = q;
  for (const k of ['shard_number', 'replication_factor', 'write_consistency_factor', 'on_disk_payload'] as const) {
    const x = m[k];
    if (x !== undefined) out[k] = x;
  }
  if (m.sharding_method !== undefined) out['sharding_method'] = m.sharding_method === 'Custom' ? 'custom' : 'auto';
  if (m.metadata !== undefined && Object.keys(m.metadata).length > 0) out['metadata'] = jsonMap(m.metadata, 'metadata', 0, false) as JsonObject;
  return out;
}

/** `UpdateCollection` → the update patch. */
export function updateCollectionPatch(m: M.UpdateCollection__Output): JsonObject {
  const out: JsonObject = {};
  const o = optimizers(m.optimizers_config);
  if (o !== undefined) out['optimizers_config'] = o;
  const h = hnsw(m.hnsw_config);
  if (h !== undefined) out['hnsw_config'] = h;
  const p = plain(m.params as In, { payload: () => null });
  if (p !== undefined) out['params'] = p;
  const q = quantization(m.quantization_config);
  if (q !== undefined) out['quantization_config'] = q;
  const v = m.vectors_config;
  if (v?.config === 'params_map') {
    const map: JsonObject = {};
    for (const [name, d] of Object.entries(v.params_map?.map ?? {})) map[name] = plain(d as In, { hnsw_config: (x: M.HnswConfigDiff__Output) => hnsw(x) ?? null, quantization_config: (x: M.QuantizationConfigDiff__Output) => quantization(x) ?? null, memory: () => null }) ?? {};
    out['vectors'] = map;
  } else if (v?.config === 'params') {
    out['vectors'] = { '': plain(v.params as In, { hnsw_config: (x: M.HnswConfigDiff__Output) => hnsw(x) ?? null, quantization_config: (x: M.QuantizationConfigDiff__Output) => quantization(x) ?? null, memory: () => null }) ?? {} };
  }
  const sparse = sparseVectors(m.sparse_vectors_config);
  if (sparse !== undefined) out['sparse_vectors'] = sparse;
  if (m.metadata !== undefined && Object.keys(m.metadata).length > 0) out['metadata'] = jsonMap(m.metadata, 'metadata', 0, false) as JsonObject;
  return out;
}

/** `CreateVectorNameRequest` → the vector name body (`{dense: …}` / `{sparse: …}`). */
export function vectorNameConfig(m: M.CreateVectorNameRequest__Output): JsonObject {
  if (m.vector_config === 'dense_config') {
    const d = m.dense_config!;
    const dense: JsonObject = { size: safeInteger(d.size, 'size'), distance: distance(d.distance) };
    if (d.multivector_config !== undefined && d.multivector_config !== null) dense['multivector_config'] = { comparator: 'max_sim' };
    if (d.datatype !== undefined && DATATYPES[d.datatype] !== undefined) dense['datatype'] = DATATYPES[d.datatype]!;
    return { dense };
  }
  if (m.vector_config === 'sparse_config') return { sparse: m.sparse_config?.modifier === 'Idf' ? { modifier: 'idf' } : {} };
  throw bad('vector_config: a dense or sparse configuration is required');
}

const FIELD_TYPES: Readonly<Record<string, string>> = {
  FieldTypeKeyword: 'keyword',
  FieldTypeInteger: 'integer',
  FieldTypeFloat: 'float',
  FieldTypeGeo: 'geo',
  FieldTypeText: 'text',
  FieldTypeBool: 'bool',
  FieldTypeDatetime: 'datetime',
  FieldTypeUuid: 'uuid',
};

const PARAM_TYPES: Readonly<Record<string, string>> = {
  keyword_index_params: 'keyword',
  integer_index_params: 'integer',
  float_index_params: 'float',
  geo_index_params: 'geo',
  text_index_params: 'text',
  bool_index_params: 'bool',
  datetime_index_params: 'datetime',
  uuid_index_params: 'uuid',
};

/** `StemmingAlgorithm` → its REST form (`{type: "snowball", language}` / `{type: "none"}`), validated with the index schema. */
function stemmerOf(v: M.StemmingAlgorithm__Output): Json {
  if (v.stemming_params === 'disabled') return { type: 'none' };
  if (v.stemming_params === 'snowball') return { type: 'snowball', language: v.snowball?.language ?? null };
  throw bad('field_index_params.text_index_params.stemmer: a stemming algorithm is required');
}

/** `field_type` + `field_index_params` → the payload index schema (`"keyword"` or `{type, …params}`). */
export function fieldIndexSchema(fieldType: string | undefined, params: M.PayloadIndexParams__Output | undefined | null): Json {
  const which = params?.index_params;
  if (which === undefined) {
    const type = FIELD_TYPES[fieldType ?? 'FieldTypeKeyword'];
    if (type === undefined) throw bad(`field_type: unknown type ${fieldType}`);
    return type;
  }
  const type = PARAM_TYPES[which]!;
  if (fieldType !== undefined && FIELD_TYPES[fieldType] !== type) throw bad(`field_index_params: ${which} do not match field_type ${fieldType}`);
  const raw = params![which] as In;
  const out: JsonObject = { type };
  for (const [k, v] of Object.entries(raw)) {
    if (v === undefined || v === null || k === 'memory' || k === 'prefix' || k === 'stopwords') continue;
    if (k === 'stemmer') out[k] = stemmerOf(v);
    else if (k === 'tokenizer' && typeof v === 'string') out[k] = v.toLowerCase();
    else if (typeof v === 'string' && /^\d+$/.test(v)) out[k] = safeInteger(v, k);
    else if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  }
  return out;
}
