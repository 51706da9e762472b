/**
 * Engine results → proto: records (`RetrievedPoint`), scored points (`ScoredPoint`), vectors (`VectorsOutput`),
 * point ids, shard keys, order values, update results.
 */
import type { PointId } from '../../../storage/point-id.js';
import type { ShardKey, UpdateResult as EngineUpdateResult } from '../../../collection/types.js';
import type * as M from '../generated/messages.js';
import { protoMap } from './value.js';

type Obj = Record<string, unknown>;

export function protoPointId(id: PointId): M.PointId {
  return typeof id === 'number' ? { num: id } : { uuid: id };
}

export function protoShardKey(k: ShardKey): M.ShardKey {
  return typeof k === 'number' ? { number: k } : { keyword: k };
}

function vectorOutput(v: unknown): M.VectorOutput {
  if (Array.isArray(v)) {
    if (v.length > 0 && Array.isArray(v[0])) return { multi_dense: { vectors: (v as number[][]).map((data) => ({ data })) } };
    return { dense: { data: v as number[] } };
  }
  const s = v as { indices: number[]; values: number[] };
  return { sparse: { indices: s.indices, values: s.values } };
}

/** The engine's vector output (one unnamed vector, or named vectors) → `VectorsOutput`. */
export function vectorsOutput(v: unknown): M.VectorsOutput | undefined {
  if (v === undefined || v === null) return undefined;
  if (Array.isArray(v)) return { vector: vectorOutput(v) };
  const o = v as Obj;
  if (Array.isArray(o['indices']) && Array.isArray(o['values']) && Object.keys(o).length === 2) return { vector: vectorOutput(o) };
  const vectors: Record<string, M.VectorOutput> = {};
  for (const [name, value] of Object.entries(o)) vectors[name] = vectorOutput(value);
  return { vectors: { vectors } };
}

function orderValue(v: unknown): M.OrderValue | undefined {
  if (typeof v !== 'number') return undefined;
  return Number.isSafeInteger(v) ? { int: v } : { float: v };
}

export function retrievedPoint(r: Obj): M.RetrievedPoint {
  const out: M.RetrievedPoint = { id: protoPointId(r['id'] as PointId), payload: protoMap(r['payload'] as Obj | null) };
  const vectors = vectorsOutput(r['vector']);
  if (vectors !== undefined) out.vectors = vectors;
  if (r['shard_key'] !== undefined) out.shard_key = protoShardKey(r['shard_key'] as ShardKey);
  const ov = orderValue(r['order_value']);
  if (ov !== undefined) out.order_value = ov;
  return out;
}

export function scoredPoint(r: Obj): M.ScoredPoint {
  const out: M.ScoredPoint = { ...retrievedPoint(r), score: r['score'] as number, version: (r['version'] as number | undefined) ?? 0 };
  return out;
}

export function updateResult(r: EngineUpdateResult): M.UpdateResult {
  return { operation_id: r.operation_id, status: r.status === 'completed' ? 'Completed' : 'Acknowledged' };
}

export function groupId(id: string | number): M.GroupId {
  if (typeof id === 'string') return { string_value: id };
  return id >= 0 ? { unsigned_value: id } : { integer_value: id };
}
