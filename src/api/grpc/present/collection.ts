/** Engine collection state → `CollectionInfo` (the configuration as the engine keeps it, in proto shape). */
import type { Collection } from '../../../collection/collection.js';
import type * as M from '../generated/messages.js';
import { protoMap } from './value.js';

type Obj = Record<string, unknown>;

function obj(v: unknown): Obj {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {};
}

/** The numeric / boolean fields of a config section (nulls dropped). */
function scalars(o: unknown): Record<string, number | boolean> {
  const out: Record<string, number | boolean> = {};
  for (const [k, v] of Object.entries(obj(o))) if (typeof v === 'number' || typeof v === 'boolean') out[k] = v;
  return out;
}

const DATATYPES: Readonly<Record<string, M.Datatype>> = { float32: 'Float32', uint8: 'Uint8', float16: 'Float16', turbo4: 'Turbo4' };

function quantization(q: unknown): M.QuantizationConfig | undefined {
  const o = obj(q);
  if (o['scalar'] !== undefined) return { scalar: { type: 'Int8', ...scalars(o['scalar']) } };
  if (o['product'] !== undefined) return { product: { compression: (typeof obj(o['product'])['compression'] === 'string' ? obj(o['product'])['compression'] : 'x4') as M.CompressionRatio, ...scalars(o['product']) } };
  if (o['binary'] !== undefined) return { binary: scalars(o['binary']) };
  return undefined;
}

function vectorParams(v: Obj): M.VectorParams {
  const out: M.VectorParams = { size: v['size'] as number, distance: v['distance'] as M.Distance };
  if (v['hnsw_config'] !== undefined && v['hnsw_config'] !== null) out.hnsw_config = scalars(v['hnsw_config']);
  const q = quantization(v['quantization_config']);
  if (q !== undefined) out.quantization_config = q;
  if (typeof v['on_disk'] === 'boolean') out.on_disk = v['on_disk'];
  const dt = DATATYPES[String(v['datatype'])];
  if (dt !== undefined) out.datatype = dt;
  if (v['multivector_config'] !== undefined && v['multivector_config'] !== null) out.multivector_config = { comparator: 'MaxSim' };
  return out;
}

function vectorsConfig(v: unknown): M.VectorsConfig | undefined {
  const o = obj(v);
  if (typeof o['size'] === 'number') return { params: vectorParams(o) };
  const map: Record<string, M.VectorParams> = {};
  for (const [name, p] of Object.entries(o)) map[name] = vectorParams(obj(p));
  return Object.keys(map).length === 0 ? undefined : { params_map: { map } };
}

function sparseConfig(v: unknown): M.SparseVectorConfig | undefined {
  const o = obj(v);
  if (Object.keys(o).length === 0) return undefined;
  const map: Record<string, M.SparseVectorParams> = {};
  for (const [name, p] of Object.entries(o)) {
    const s = obj(p);
    const out: M.SparseVectorParams = {};
    if (s['modifier'] === 'idf') out.modifier = 'Idf';
    else if (s['modifier'] === 'none') out.modifier = 'None';
    if (s['index'] !== undefined && s['index'] !== null) out.index = scalars(s['index']);
    map[name] = out;
  }
  return { map };
}

const SCHEMA_TYPES: Readonly<Record<string, M.PayloadSchemaType>> = {
  keyword: 'Keyword', integer: 'Integer', float: 'Float', geo: 'Geo', text: 'Text', bool: 'Bool', datetime: 'Datetime', uuid: 'Uuid',
};

/** `elsewhere`: the points of the shards other nodes hold (distributed mode), counted in `points_count`. */
export function collectionInfo(c: Collection, elsewhere = 0): M.CollectionInfo {
  const config = obj(c.config);
  const params = obj(config['params']);
  const protoParams: M.CollectionParams = {
    shard_number: (params['shard_number'] as number | undefined) ?? 1,
    on_disk_payload: params['on_disk_payload'] === true,
    replication_factor: (params['replication_factor'] as number | undefined) ?? 1,
    write_consistency_factor: (params['write_consistency_factor'] as number | undefined) ?? 1,
    sharding_method: params['sharding_method'] === 'custom' ? 'Custom' : 'Auto',
  };
  const vectors = vectorsConfig(params['vectors']);
  if (vectors !== undefined) protoParams.vectors_config = vectors;
  const sparse = sparseConfig(params['sparse_vectors']);
  if (sparse !== undefined) protoParams.sparse_vectors_config = sparse;
  const optimizer = scalars(config['optimizer_config']);
  const maxThreads = obj(config['optimizer_config'])['max_optimization_threads'];
  const optimizerConfig: M.OptimizersConfigDiff = { ...optimizer, max_optimization_threads: typeof maxThreads === 'number' ? { value: maxThreads } : { setting: 'Auto' } };
  delete (optimizerConfig as Record<string, unknown>)['deprecated_max_optimization_threads'];
  const protoConfig: M.CollectionConfig = {
    params: protoParams,
    hnsw_config: scalars(config['hnsw_config']),
    optimizer_config: optimizerConfig,
    wal_config: scalars(config['wal_config']),
    metadata: protoMap(obj(config['metadata'])),
  };
  const q = quantization(config['quantization_config']);
  if (q !== undefined) protoConfig.quantization_config = q;
  const payloadSchema: Record<string, M.PayloadSchemaInfo> = {};
  for (const [key, info] of Object.entries(c.fieldIndexes.schemaInfo())) {
    payloadSchema[key] = { data_type: SCHEMA_TYPES[info.data_type] ?? 'UnknownType', points: info.points };
  }
  return {
    status: c.optimizing ? 'Yellow' : 'Green',
    optimizer_status: { ok: true, error: '' },
    segments_count: 1,
    config: protoConfig,
    payload_schema: payloadSchema,
    points_count: c.pointsCount + elsewhere,
    indexed_vectors_count: c.indexedVectorsCount,
    warnings: [],
    update_queue: { length: 0 },
  };
}
