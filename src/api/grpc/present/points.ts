/**
 * Engine results → proto: records (`RetrievedPoint`), scored points (`ScoredPoint`), vectors (`VectorsOutput`),
 * point ids, shard keys, order values, update results.
 */
import type { PointId } from '../../../storage/point-id.js';
import type { PointRecord, ScoredPoint, ShardKey, UpdateResult as EngineUpdateResult } from '../../../collection/types.js';
import type { WaitTimeoutResult } from '../../../collection/wait-timeout.js';
import { DEFAULT_VECTOR, type NamedVectors, type VectorValue } from '../../../collection/vectors.js';
import type { PointGroup } from '../../../collection/query/run.js';
import type { Matrix } from '../../../collection/query/matrix.js';
import type * as M from '../generated/messages.js';
import { protoMap } from './value.js';

export function protoPointId(id: PointId): M.PointId {
  return typeof id === 'number' ? { num: id } : { uuid: id };
}

export function protoShardKey(k: ShardKey): M.ShardKey {
  return typeof k === 'number' ? { number: k } : { keyword: k };
}

function vectorOutput(v: VectorValue): M.VectorOutput {
  switch (v.kind) {
    case 'dense':
      return { dense: { data: Array.from(v.data) } };
    case 'multi':
      return { multi_dense: { vectors: v.rows.map((r) => ({ data: Array.from(r) })) } };
    case 'sparse':
      return { sparse: { indices: Array.from(v.indices), values: Array.from(v.values) } };
  }
}

/** Selected vectors → `VectorsOutput`: the bare vector when the selection is exactly the unnamed default one. */
function vectorsOutput(vectors: NamedVectors): M.VectorsOutput {
  if (vectors.size === 1 && vectors.has(DEFAULT_VECTOR)) return { vector: vectorOutput(vectors.get(DEFAULT_VECTOR)!) };
  const out: Record<string, M.VectorOutput> = {};
  for (const [name, v] of vectors) out[name] = vectorOutput(v);
  return { vectors: { vectors: out } };
}

function orderValue(v: number | bigint): M.OrderValue {
  if (typeof v === 'bigint') return { int: v.toString() };
  return Number.isSafeInteger(v) ? { int: v } : { float: v };
}

/** The fields a retrieved and a scored point share, added to `out`. */
function pointFields<T extends M.RetrievedPoint>(r: PointRecord, out: T): T {
  if (r.vectors !== null) out.vectors = vectorsOutput(r.vectors);
  if (r.shardKey !== undefined) out.shard_key = protoShardKey(r.shardKey);
  if (r.orderValue !== undefined) out.order_value = orderValue(r.orderValue);
  return out;
}

export function retrievedPoint(r: PointRecord): M.RetrievedPoint {
  return pointFields(r, { id: protoPointId(r.id), payload: protoMap(r.payload) });
}

/** Built in one object literal (no spread of a retrieved point): search replies present this per hit. */
export function scoredPoint(p: ScoredPoint): M.ScoredPoint {
  return pointFields(p, { id: protoPointId(p.id), payload: protoMap(p.payload), score: p.score, version: p.version });
}

export function groupsResult(groups: readonly PointGroup[]): M.GroupsResult {
  return {
    groups: groups.map((g) => {
      const out: M.PointGroup = { id: groupId(g.id), hits: g.hits.map(scoredPoint) };
      if (g.lookup !== undefined) out.lookup = retrievedPoint(g.lookup);
      return out;
    }),
  };
}

export function matrixPairs(m: Matrix): M.SearchMatrixPairs {
  return { pairs: m.rows.flatMap((row, i) => row.map((cell) => ({ a: protoPointId(m.ids[i]!), b: protoPointId(m.ids[cell.col]!), score: cell.score }))) };
}

export function matrixOffsets(m: Matrix): M.SearchMatrixOffsets {
  return {
    offsets_row: m.rows.flatMap((row, i) => row.map(() => i)),
    offsets_col: m.rows.flatMap((row) => row.map((cell) => cell.col)),
    scores: m.rows.flatMap((row) => row.map((cell) => cell.score)),
    ids: m.ids.map(protoPointId),
  };
}

/** Qdrant `UpdateResult`; a write that outlasted its `timeout` has no operation id yet (`WaitTimeout`). */
export function updateResult(r: EngineUpdateResult | WaitTimeoutResult): M.UpdateResult {
  if (r.status === 'wait_timeout') return r.operationId === null ? { status: 'WaitTimeout' } : { operation_id: r.operationId, status: 'WaitTimeout' };
  return { operation_id: r.operationId, status: r.status === 'completed' ? 'Completed' : 'Acknowledged' };
}

export function groupId(id: string | number | bigint): M.GroupId {
  if (typeof id === 'string') return { string_value: id };
  const n = typeof id === 'bigint' ? id.toString() : id;
  return id >= 0 ? { unsigned_value: n } : { integer_value: n };
}
