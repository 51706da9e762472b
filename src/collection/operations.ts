/**
 * Converts Qdrant's point-operation bodies (already checked against the OpenAPI schema) into typed
 * operations: ids parsed, filters parsed, vectors checked against the collection's schema. Every
 * semantic error is raised here, before the update pipeline, so rejected writes change nothing.
 */
import { AppError, badInput } from '../errors.js';
import { parsePointId, type PointId } from '../storage/point-id.js';
import { parseFilter } from '../index/filter/parse.js';
import type { Filter } from '../index/filter/types.js';
import type { VectorSchema } from './config.js';
import { parseVectorStruct, parseVectorValue, DEFAULT_VECTOR, type NamedVectors } from './vectors.js';
import type { PointOperation, PointSelector, UpdateMode, PointInput } from './collection.js';
import type { Payload, ShardKey } from './types.js';
import { isObject } from '../json.js';

type Obj = Record<string, unknown>;

function optionalFilter(v: unknown): Filter | undefined {
  return v === undefined || v === null ? undefined : parseFilter(v);
}

function payloadOf(v: unknown, where: string): Payload | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw badInput(`${where}: payload must be a JSON object`);
  return v;
}

/** The single shard key of a write (`shard_key` on the body), if any. */
export function writeShardKey(body: Obj): ShardKey | undefined {
  const sk = body['shard_key'];
  if (sk === undefined || sk === null) return undefined;
  if (typeof sk === 'string' || typeof sk === 'number') return sk;
  if (Array.isArray(sk) && sk.length === 1 && (typeof sk[0] === 'string' || typeof sk[0] === 'number')) return sk[0];
  throw badInput('shard_key: a write goes to exactly one shard key');
}

/** The shard keys a read is restricted to (`shard_key` selector), undefined for all. */
export function readShardKeys(v: unknown): ShardKey[] | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string' || typeof v === 'number') return [v];
  if (Array.isArray(v)) return v.filter((x): x is ShardKey => typeof x === 'string' || typeof x === 'number');
  if (isObject(v) && Array.isArray(v['shards'])) return readShardKeys(v['shards']);
  throw badInput('shard_key: expected a shard key or a list of shard keys');
}

function parseIds(v: unknown, where: string): PointId[] {
  if (!Array.isArray(v)) throw badInput(`${where}: expected a list of point ids`);
  return v.map((x) => parsePointId(x));
}

export function parseSelector(body: Obj, where = ''): PointSelector {
  const hasPoints = body['points'] !== undefined && body['points'] !== null;
  const hasFilter = body['filter'] !== undefined && body['filter'] !== null;
  if (hasPoints && hasFilter) throw badInput(`${where}either \`points\` or \`filter\` must be given, not both`);
  if (hasPoints) return { kind: 'ids', ids: parseIds(body['points'], `${where}points`) };
  if (hasFilter) return { kind: 'filter', filter: parseFilter(body['filter']) };
  throw badInput(`${where}either \`points\` or \`filter\` is required`);
}

function parseUpdateMode(v: unknown): UpdateMode {
  if (v === undefined || v === null) return 'upsert';
  if (v === 'upsert' || v === 'insert_only' || v === 'update_only') return v;
  throw badInput('update_mode: expected one of upsert, insert_only, update_only');
}

/** `PUT /collections/{c}/points` body: the list form or the columnar batch form. */
export function parseUpsert(body: Obj, schema: VectorSchema): PointOperation {
  const points: PointInput[] = [];
  if (Array.isArray(body['points'])) {
    body['points'].forEach((p: unknown, i) => {
      if (!isObject(p)) throw badInput(`points[${i}]: expected an object`);
      if (p['vector'] === undefined) throw badInput(`points[${i}]: missing field \`vector\``);
      points.push({
        id: parsePointId(p['id']),
        vectors: parseVectorStruct(p['vector'], schema, `points[${i}].vector`),
        payload: payloadOf(p['payload'], `points[${i}].payload`),
      });
    });
  } else if (isObject(body['batch'])) {
    const batch = body['batch'];
    const ids = parseIds(batch['ids'], 'batch.ids');
    const payloads = batch['payloads'];
    if (payloads !== undefined && payloads !== null && (!Array.isArray(payloads) || payloads.length !== ids.length)) {
      throw badInput('batch.payloads: must have one entry per id');
    }
    const perPoint: NamedVectors[] = ids.map((): NamedVectors => new Map());
    const vectors = batch['vectors'];
    const column = (name: string, values: unknown, where: string): void => {
      if (!Array.isArray(values) || values.length !== ids.length) throw badInput(`${where}: must have one vector per id (${ids.length})`);
      values.forEach((v, i) => perPoint[i]!.set(name, parseVectorValue(name, v, schema, `${where}[${i}]`)));
    };
    if (Array.isArray(vectors)) column(DEFAULT_VECTOR, vectors, 'batch.vectors');
    else if (isObject(vectors)) for (const [name, values] of Object.entries(vectors)) column(name, values, `batch.vectors.${name}`);
    else throw badInput('batch.vectors: expected a list of vectors or an object of named vector lists');
    ids.forEach((id, i) => {
      points.push({ id, vectors: perPoint[i]!, payload: Array.isArray(payloads) ? payloadOf(payloads[i], `batch.payloads[${i}]`) : null });
    });
  } else {
    throw badInput('either `points` or `batch` is required');
  }
  const op: { type: 'upsert'; points: PointInput[]; mode: UpdateMode; updateFilter?: Filter; shardKey?: ShardKey } = {
    type: 'upsert',
    points,
    mode: parseUpdateMode(body['update_mode']),
  };
  const uf = optionalFilter(body['update_filter']);
  if (uf !== undefined) op.updateFilter = uf;
  const sk = writeShardKey(body);
  if (sk !== undefined) op.shardKey = sk;
  return op;
}

export function parseUpdateVectors(body: Obj, schema: VectorSchema): PointOperation {
  if (!Array.isArray(body['points'])) throw badInput('points: missing field `points`');
  const points = body['points'].map((p: unknown, i) => {
    if (!isObject(p)) throw badInput(`points[${i}]: expected an object`);
    const vectors = parseVectorStruct(p['vector'], schema, `points[${i}].vector`);
    if (vectors.size === 0) throw new AppError('VALIDATION', [`points[${i}].vector: must specify vectors to update for point`]);
    return { id: parsePointId(p['id']), vectors };
  });
  const uf = optionalFilter(body['update_filter']);
  return uf === undefined ? { type: 'update_vectors', points } : { type: 'update_vectors', points, updateFilter: uf };
}

export function parseDeleteVectors(body: Obj): PointOperation {
  const names = body['vector'];
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) throw badInput('vector: expected a list of vector names');
  if (names.length === 0) throw new AppError('VALIDATION', ['vector: must specify vector names to delete']);
  return { type: 'delete_vectors', selector: parseSelector(body), names };
}

export function parseSetPayload(body: Obj, overwrite: boolean): PointOperation {
  const payload = body['payload'];
  if (!isObject(payload)) throw badInput('payload: expected a JSON object');
  const selector = parseSelector(body);
  if (overwrite) return { type: 'overwrite_payload', selector, payload };
  const key = body['key'];
  if (key !== undefined && key !== null && typeof key !== 'string') throw badInput('key: expected a string');
  return typeof key === 'string' ? { type: 'set_payload', selector, payload, key } : { type: 'set_payload', selector, payload };
}

export function parseDeletePayload(body: Obj): PointOperation {
  const keys = body['keys'];
  if (!Array.isArray(keys) || !keys.every((k) => typeof k === 'string')) throw badInput('keys: expected a list of payload keys');
  return { type: 'delete_payload', selector: parseSelector(body), keys };
}

export function parseDelete(body: Obj): PointOperation {
  return { type: 'delete', selector: parseSelector(body) };
}

export function parseClear(body: Obj): PointOperation {
  return { type: 'clear_payload', selector: parseSelector(body) };
}

/** `POST /collections/{c}/points/batch`: a list of single-key operation objects. */
export function parseBatch(body: Obj, schema: VectorSchema): PointOperation[] {
  const ops = body['operations'];
  if (!Array.isArray(ops)) throw badInput('operations: missing field `operations`');
  return ops.map((o: unknown, i) => {
    if (!isObject(o) || Object.keys(o).length !== 1) throw badInput(`operations[${i}]: expected an object with exactly one operation`);
    const [kind, inner] = Object.entries(o)[0]!;
    if (!isObject(inner)) throw badInput(`operations[${i}].${kind}: expected an object`);
    switch (kind) {
      case 'upsert':
        return parseUpsert(inner, schema);
      case 'delete':
        return parseDelete(inner);
      case 'set_payload':
        return parseSetPayload(inner, false);
      case 'overwrite_payload':
        return parseSetPayload(inner, true);
      case 'delete_payload':
        return parseDeletePayload(inner);
      case 'clear_payload':
        return parseClear(inner);
      case 'update_vectors':
        return parseUpdateVectors(inner, schema);
      case 'delete_vectors':
        return parseDeleteVectors(inner);
      default:
        throw badInput(`operations[${i}]: unknown operation \`${kind}\``);
    }
  });
}

/** Shard keys named by write operations, to check they exist. */
export function shardKeysOf(ops: readonly PointOperation[]): ShardKey[] {
  const out: ShardKey[] = [];
  for (const op of ops) if (op.type === 'upsert' && op.shardKey !== undefined) out.push(op.shardKey);
  return out;
}
