/**
 * Qdrant's point-operation bodies (already checked against the OpenAPI schema) → typed operations
 * (`PointOperation`): ids parsed, filters parsed, vectors checked against the collection's schema.
 * Every semantic error is raised here or when the pipeline stages the operation, before anything is
 * written, so rejected writes change nothing. Also the read bodies of the points API (retrieve, scroll,
 * count, facet).
 */
import { AppError, badInput } from '../../../errors.js';
import { parsePointId, type PointId } from '../../../storage/point-id.js';
import type { Filter } from '../../../index/filter/types.js';
import { parseDatetime } from '../../../index/payload/datetime-value.js';
import type { VectorSchema } from '../../../collection/config.js';
import { DEFAULT_VECTOR, denseRowValue, toVectorValue, type NamedVectors, type VectorData } from '../../../collection/vectors.js';
import type { PointOperation, UpdateMode, PointInput } from '../../../collection/operation.js';
import type { FacetRequest, ScrollRequest } from '../../../collection/read.js';
import type { Payload, ShardKey } from '../../../collection/types.js';
import { optionalFilter, parseIds, parseSelector, readShardKeys, writeShardKey } from './selectors.js';
import { parseVectorStruct } from './vectors.js';
import { isObject } from '../../../json.js';
import { forEachSlice } from '../sliced-json.js';
import type { ScannedUpsert } from './upsert-scan.js';

type Obj = Record<string, unknown>;

function payloadOf(v: unknown, where: string): Payload | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v)) throw badInput(`${where}: payload must be a JSON object`);
  return v;
}

function parseUpdateMode(v: unknown): UpdateMode {
  if (v === undefined || v === null) return 'upsert';
  if (v === 'upsert' || v === 'insert_only' || v === 'update_only') return v;
  throw badInput('update_mode: expected one of upsert, insert_only, update_only');
}

/** One point of the list form of an upsert. */
function pointInput(p: unknown, i: number, schema: VectorSchema): PointInput {
  if (!isObject(p)) throw badInput(`points[${i}]: expected an object`);
  if (p['vector'] === undefined) throw badInput(`points[${i}]: missing field \`vector\``);
  return {
    id: parsePointId(p['id']),
    vectors: parseVectorStruct(p['vector'], schema, `points[${i}].vector`),
    payload: payloadOf(p['payload'], `points[${i}].payload`),
  };
}

/** {@link parseUpsert}, converting the points of the list form a slice at a time (a large upsert yields meanwhile). */
export async function parseUpsertInSlices(body: Obj, schema: VectorSchema): Promise<PointOperation> {
  const list = body['points'];
  if (!Array.isArray(list)) return parseUpsert(body, schema);
  const points: PointInput[] = [];
  await forEachSlice(list, (p: unknown, i) => void points.push(pointInput(p, i, schema)));
  return upsertOperation(body, points);
}

/**
 * {@link parseUpsert} of a body read by the upsert scanner: its rows become the stored vectors in place when the
 * collection's default vector is a plain dense vector of their length; otherwise the general conversion runs on
 * the same points (and reports, e.g., a dimension mismatch as it does for any body).
 */
export async function parseScannedUpsert(scanned: ScannedUpsert, schema: VectorSchema): Promise<PointOperation> {
  const { ids, payloads } = scanned;
  const first = ids.length === 0 ? undefined : denseRowValue(DEFAULT_VECTOR, scanned.row(0), schema);
  // Every row has the same length, so the first one decides for all (and was not converted when it does not fit).
  if (first === undefined) return parseUpsertInSlices(scanned.plainBody(), schema);
  const points: PointInput[] = [{ id: ids[0]!, vectors: new Map([[DEFAULT_VECTOR, first]]), payload: payloads[0]! }];
  await forEachSlice(ids, (id, i) => {
    if (i > 0) points.push({ id, vectors: new Map([[DEFAULT_VECTOR, denseRowValue(DEFAULT_VECTOR, scanned.row(i), schema)!]]), payload: payloads[i]! });
  }, 512);
  return upsertOperation(scanned.members, points);
}

/** `PUT /collections/{c}/points` body: the list form or the columnar batch form. */
export function parseUpsert(body: Obj, schema: VectorSchema): PointOperation {
  const points: PointInput[] = [];
  if (Array.isArray(body['points'])) {
    body['points'].forEach((p: unknown, i) => void points.push(pointInput(p, i, schema)));
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
      values.forEach((v, i) => perPoint[i]!.set(name, toVectorValue(name, v as VectorData, schema, `${where}[${i}]`)));
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
  return upsertOperation(body, points);
}

/** The upsert operation of `points` with the body's update mode, update filter and shard key. */
function upsertOperation(body: Obj, points: PointInput[]): PointOperation {
  const op: { type: 'upsert'; points: PointInput[]; mode: UpdateMode; updateFilter?: Filter; shardKey?: ShardKey } = {
    type: 'upsert',
    points,
    mode: parseUpdateMode(body['update_mode']),
  };
  const uf = optionalFilter(body['update_filter']);
  if (uf !== undefined) op.updateFilter = uf;
  const sk = writeShardKey(body['shard_key']);
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

/** `POST …/points` (retrieve): the ids to read. */
export function parseRetrieveIds(body: Obj): PointId[] {
  const ids = body['ids'];
  if (!Array.isArray(ids)) throw badInput('ids: missing field `ids`');
  return ids.map((x) => parsePointId(x));
}

/** The `{id}` path segment of `GET …/points/{id}`: digits are an integer id, anything else a UUID. */
export function parsePathPointId(raw: string): PointId {
  return parsePointId(/^\d+$/.test(raw) ? Number(raw) : raw);
}

/** `POST …/points/scroll`. */
export function parseScroll(body: Obj): ScrollRequest {
  const limit = body['limit'] ?? 10;
  if (typeof limit !== 'number' || !Number.isInteger(limit) || limit < 1) throw badInput('limit: must be a positive integer');
  let orderBy: ScrollRequest['orderBy'];
  const ob = body['order_by'];
  if (typeof ob === 'string') orderBy = { key: ob, direction: 'asc', startFrom: undefined };
  else if (isObject(ob)) {
    const dir = ob['direction'] ?? 'asc';
    if (dir !== 'asc' && dir !== 'desc') throw badInput('order_by.direction: expected "asc" or "desc"');
    const sf = ob['start_from'];
    let startFrom: number | bigint | undefined;
    if (typeof sf === 'number' || typeof sf === 'bigint') startFrom = sf;
    else if (typeof sf === 'string') {
      // Datetimes order as microseconds since the epoch, like Qdrant's `order_value`.
      const t = parseDatetime(sf);
      if (t === null) throw badInput('order_by.start_from: expected a number or an RFC 3339 datetime');
      startFrom = t;
    }
    if (typeof ob['key'] !== 'string') throw badInput('order_by.key: missing field `key`');
    orderBy = { key: ob['key'], direction: dir, startFrom };
  }
  const offset = body['offset'];
  // Ordered pages continue with `order_by.start_from`: the order is by value, not by id.
  if (orderBy !== undefined && offset !== undefined && offset !== null) {
    throw new AppError('BAD_REQUEST', ['Offset is not supported in conjunction with `order_by` scroll parameter']);
  }
  return {
    filter: optionalFilter(body['filter']),
    limit,
    offset: offset === undefined || offset === null ? undefined : parsePointId(offset),
    orderBy,
    shardKeys: readShardKeys(body['shard_key']),
  };
}

/** `POST …/facet`. */
export function parseFacet(body: Obj): FacetRequest {
  const key = body['key'];
  if (typeof key !== 'string') throw badInput('key: missing field `key`');
  return {
    key,
    limit: typeof body['limit'] === 'number' ? body['limit'] : undefined,
    filter: optionalFilter(body['filter']),
    shardKeys: readShardKeys(body['shard_key']),
    exact: typeof body['exact'] === 'boolean' ? body['exact'] : undefined,
  };
}
