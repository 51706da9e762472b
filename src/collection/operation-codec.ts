/**
 * Versioned serialisation of operations (`operation.ts`): `{"v":1,"op":{…}}` as JSON text, the unit a
 * replication log, a gRPC forwarder or a crash test's model can store and replay.
 *
 * - ids stay JSON numbers / UUID strings;
 * - vectors are a list of `[name, vector]` pairs (names of any spelling, `__proto__` included), each
 *   vector's float32 / uint32 components as little-endian base64, so no precision is lost;
 * - payloads are JSON as given (JSON.parse keeps a `__proto__` key as an own property);
 * - filters go through `index/filter/codec.ts` (sets as arrays, key paths as text);
 * - configuration changes are JSON as given, their name-keyed maps as `[name, value]` pairs;
 * - a batch written through a tenant token carries its tenant filter, under its own type `confined_batch`: a node
 *   that does not know it refuses to decode it (the write is skipped) rather than apply it unconfined.
 *
 * Version 2 is version 1 as exact JSON (`exact-json.ts`): an operation holding an integer beyond ±(2^53−1) (a
 * bigint in a payload or a filter value) is written with `"v":2`, its integers as digits and its doubles beyond
 * 2^53 with an exponent, and read back exactly; a node that knows only version 1 refuses it instead of rounding.
 * Every other operation stays version 1. A later format bumps `v` and keeps a decoder for every earlier one.
 */
import { parseExactJson, stringifyExact } from '../exact-json.js';
import { AppError } from '../errors.js';
import { decodeFilter, encodeFilter, type EncodedFilter } from '../index/filter/codec.js';
import type { Filter } from '../index/filter/types.js';
import type { PointId } from '../storage/point-id.js';
import type { CollectionOperation, PointInput, PointOperation, PointSelector, UpdateMode } from './operation.js';
import type { CollectionPatch, ConfigOperation, VectorPatch } from './config-change.js';
import type { SparseVectorParams } from './config.js';
import type { Payload, ShardKey } from './types.js';
import type { NamedVectors, VectorValue } from './vectors.js';
import { decodeVector as decodeStoredVector, encodeVector as encodeStoredVector } from './point-codec.js';

export const OPERATION_CODEC_VERSION = 1;
/** {@link OPERATION_CODEC_VERSION} in exact JSON (bigints present). */
const EXACT_CODEC_VERSION = 2;

type EncodedVector = { readonly d: string } | { readonly m: string; readonly n: number } | { readonly i: string; readonly x: string };
type EncodedVectors = ReadonlyArray<readonly [string, EncodedVector]>;
type EncodedSelector = { readonly ids: readonly PointId[] } | { readonly filter: EncodedFilter };
type Json = Record<string, unknown>;

function b64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('base64');
}

function raw(text: string): Buffer {
  return Buffer.from(text, 'base64');
}

/** The stored point format's vector bytes (`point-codec.ts`), as base64. */
function encodeVector(v: VectorValue): EncodedVector {
  const e = encodeStoredVector(v);
  if (e instanceof Uint8Array) return { d: b64(e) };
  return 'm' in e ? { m: b64(e.m), n: e.n } : { i: b64(e.i), x: b64(e.x) };
}

function decodeVector(e: EncodedVector): VectorValue {
  if ('d' in e) return decodeStoredVector(raw(e.d));
  return decodeStoredVector('m' in e ? { m: raw(e.m), n: e.n } : { i: raw(e.i), x: raw(e.x) });
}

function encodeVectors(vectors: NamedVectors): EncodedVectors {
  return [...vectors].map(([name, v]) => [name, encodeVector(v)] as const);
}

function decodeVectors(e: EncodedVectors): NamedVectors {
  return new Map(e.map(([name, v]) => [name, decodeVector(v)]));
}

function encodeSelector(s: PointSelector): EncodedSelector {
  return s.kind === 'ids' ? { ids: [...s.ids] } : { filter: encodeFilter(s.filter) };
}

function decodeSelector(e: EncodedSelector): PointSelector {
  return 'ids' in e ? { kind: 'ids', ids: e.ids } : { kind: 'filter', filter: decodeFilter(e.filter) };
}

function encodePointOperation(op: PointOperation): Json {
  switch (op.type) {
    case 'upsert': {
      const out: Json = { type: op.type, mode: op.mode, points: op.points.map((p) => ({ id: p.id, vectors: encodeVectors(p.vectors), payload: p.payload })) };
      if (op.updateFilter !== undefined) out['updateFilter'] = encodeFilter(op.updateFilter);
      if (op.shardKey !== undefined) out['shardKey'] = op.shardKey;
      return out;
    }
    case 'update_vectors': {
      const out: Json = { type: op.type, points: op.points.map((p) => ({ id: p.id, vectors: encodeVectors(p.vectors) })) };
      if (op.updateFilter !== undefined) out['updateFilter'] = encodeFilter(op.updateFilter);
      return out;
    }
    case 'delete':
    case 'clear_payload':
      return { type: op.type, selector: encodeSelector(op.selector) };
    case 'delete_vectors':
      return { type: op.type, selector: encodeSelector(op.selector), names: op.names };
    case 'set_payload': {
      const out: Json = { type: op.type, selector: encodeSelector(op.selector), payload: op.payload };
      if (op.key !== undefined) out['key'] = op.key;
      return out;
    }
    case 'overwrite_payload':
      return { type: op.type, selector: encodeSelector(op.selector), payload: op.payload };
    case 'delete_payload':
      return { type: op.type, selector: encodeSelector(op.selector), keys: op.keys };
  }
}

/** Maps keyed by names of any spelling travel as `[name, value]` pairs. */
function pairs<V>(m: ReadonlyMap<string, V> | undefined): Array<[string, V]> | undefined {
  return m === undefined ? undefined : [...m];
}

function encodePatch(p: CollectionPatch): Json {
  const out: Json = { ...p };
  if (p.vectors !== undefined) out['vectors'] = pairs(p.vectors);
  if (p.sparseVectors !== undefined) out['sparseVectors'] = pairs(p.sparseVectors);
  return out;
}

function decodePatch(e: Json): CollectionPatch {
  const out: Json = { ...e };
  if (e['vectors'] !== undefined) out['vectors'] = new Map(e['vectors'] as Array<[string, VectorPatch]>);
  if (e['sparseVectors'] !== undefined) out['sparseVectors'] = new Map(e['sparseVectors'] as Array<[string, SparseVectorParams]>);
  return out;
}

function encodeOp(op: CollectionOperation): Json {
  switch (op.type) {
    case 'batch':
      return op.tenant === undefined
        ? { type: 'batch', operations: op.operations.map(encodePointOperation) }
        : { type: 'confined_batch', operations: op.operations.map(encodePointOperation), tenant: encodeFilter(op.tenant) };
    case 'create_field_index':
      return { type: op.type, field: op.field, schema: op.schema };
    case 'delete_field_index':
      return { type: op.type, field: op.field };
    case 'create_shard_key':
      return op.shardsNumber === undefined ? { type: op.type, key: op.key } : { type: op.type, key: op.key, shardsNumber: op.shardsNumber };
    case 'delete_shard_key':
      return { type: op.type, key: op.key };
    case 'update_collection':
      return { type: op.type, patch: encodePatch(op.patch) };
    case 'create_vector_name':
      return { type: op.type, name: op.name, vector: op.vector };
    case 'delete_vector_name':
      return { type: op.type, name: op.name };
    default:
      return encodePointOperation(op);
  }
}

/** The serialised form of `op` (JSON text; exact JSON, version 2, when it holds a bigint). */
export function encodeOperation(op: CollectionOperation): string {
  const encoded = encodeOp(op);
  const plain = stringifyExact({ v: OPERATION_CODEC_VERSION, op: encoded });
  return plain.exact ? stringifyExact({ v: EXACT_CODEC_VERSION, op: encoded }).text : plain.text;
}

function corrupt(detail: string): AppError {
  return new AppError('SERVICE_ERROR', [`cannot decode a stored operation: ${detail}`]);
}

function optionalFilter(e: Json): { updateFilter?: Filter } {
  return e['updateFilter'] === undefined ? {} : { updateFilter: decodeFilter(e['updateFilter'] as EncodedFilter) };
}

function decodePointOperation(e: Json): PointOperation {
  const selector = (): PointSelector => decodeSelector(e['selector'] as EncodedSelector);
  switch (e['type']) {
    case 'upsert': {
      const points = (e['points'] as Json[]).map((p): PointInput => ({ id: p['id'] as PointId, vectors: decodeVectors(p['vectors'] as EncodedVectors), payload: p['payload'] as Payload | null }));
      const shard = e['shardKey'] === undefined ? {} : { shardKey: e['shardKey'] as ShardKey };
      return { type: 'upsert', mode: e['mode'] as UpdateMode, points, ...optionalFilter(e), ...shard };
    }
    case 'update_vectors': {
      const points = (e['points'] as Json[]).map((p) => ({ id: p['id'] as PointId, vectors: decodeVectors(p['vectors'] as EncodedVectors) }));
      return { type: 'update_vectors', points, ...optionalFilter(e) };
    }
    case 'delete':
      return { type: 'delete', selector: selector() };
    case 'clear_payload':
      return { type: 'clear_payload', selector: selector() };
    case 'delete_vectors':
      return { type: 'delete_vectors', selector: selector(), names: e['names'] as string[] };
    case 'set_payload': {
      const key = e['key'] === undefined ? {} : { key: e['key'] as string };
      return { type: 'set_payload', selector: selector(), payload: e['payload'] as Payload, ...key };
    }
    case 'overwrite_payload':
      return { type: 'overwrite_payload', selector: selector(), payload: e['payload'] as Payload };
    case 'delete_payload':
      return { type: 'delete_payload', selector: selector(), keys: e['keys'] as string[] };
    default:
      throw corrupt(`unknown operation type ${JSON.stringify(e['type'])}`);
  }
}

/**
 * Reads an operation written by {@link encodeOperation}.
 * @throws AppError(SERVICE_ERROR) for text that is not a serialised operation or has an unknown version.
 */
export function decodeOperation(text: string): CollectionOperation {
  let envelope: unknown;
  try {
    envelope = JSON.parse(text);
    if (typeof envelope === 'object' && envelope !== null && (envelope as { v?: unknown }).v === EXACT_CODEC_VERSION) envelope = parseExactJson(text);
  } catch (e) {
    throw corrupt(e instanceof Error ? e.message : 'not JSON');
  }
  if (envelope === null || typeof envelope !== 'object' || !('v' in envelope) || !('op' in envelope)) throw corrupt('missing version or operation');
  if (envelope.v !== OPERATION_CODEC_VERSION && envelope.v !== EXACT_CODEC_VERSION) throw corrupt(`unsupported version ${JSON.stringify(envelope.v)}`);
  const e = envelope.op as Json;
  switch (e['type']) {
    case 'batch':
      return { type: 'batch', operations: (e['operations'] as Json[]).map(decodePointOperation) };
    case 'confined_batch':
      return { type: 'batch', operations: (e['operations'] as Json[]).map(decodePointOperation), tenant: decodeFilter(e['tenant'] as EncodedFilter) };
    case 'create_field_index':
      return { type: 'create_field_index', field: e['field'] as string, schema: e['schema'] };
    case 'delete_field_index':
      return { type: 'delete_field_index', field: e['field'] as string };
    case 'create_shard_key':
      return typeof e['shardsNumber'] === 'number' ? { type: 'create_shard_key', key: e['key'] as ShardKey, shardsNumber: e['shardsNumber'] } : { type: 'create_shard_key', key: e['key'] as ShardKey };
    case 'delete_shard_key':
      return { type: 'delete_shard_key', key: e['key'] as ShardKey };
    case 'update_collection':
      return { type: 'update_collection', patch: decodePatch(e['patch'] as Json) };
    case 'create_vector_name':
      return { type: 'create_vector_name', name: e['name'] as string, vector: e['vector'] as Extract<ConfigOperation, { type: 'create_vector_name' }>['vector'] };
    case 'delete_vector_name':
      return { type: 'delete_vector_name', name: e['name'] as string };
    default:
      return decodePointOperation(e);
  }
}
