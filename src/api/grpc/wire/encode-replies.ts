/**
 * Hand-written protobuf encoders for the hottest replies: the scored-point lists of `Query`, `Search`,
 * `Recommend` and `Discover` (`QueryResponse` / `SearchResponse` / … : `repeated ScoredPoint result = 1; double
 * time = 2`) and the `PointsOperationResponse` of every point write. They read the same plain objects the
 * handlers return (the proto-loader message shapes of `generated/`) and write the bytes protobufjs' generic path
 * (`fromObject` then `encode`) writes for them — same field order, same presence rules (a field is written when it
 * is neither null nor undefined, repeated fields when non-empty, map entries in key order), same 64-bit integer and
 * enum conversions, same nesting limit — without building protobufjs message objects first. A reply holding a
 * field these encoders do not write (`usage`, which Quiver never sends) goes through the generic serialiser.
 */
import protobuf from 'protobufjs';
import type { MethodDefinition, ServiceDefinition } from '@grpc/grpc-js';
import type * as M from '../generated/messages.js';

type Writer = protobuf.Writer;
type Long = NonNullable<M.PointId['num']>;
const { util, Writer } = protobuf;
const LongOf = util.Long as unknown as { fromValue(v: Long, unsigned: boolean): protobuf.Long };

/** Over protobufjs' nesting limit (`util.recursionLimit`) fromObject throws this; so do these encoders. */
function checkDepth(depth: number): void {
  if (depth > util.recursionLimit) throw Error('maximum nesting depth exceeded');
}

/** A 64-bit integer field's value (`uint64` when `unsigned`), converted as fromObject converts it. */
function long(w: Writer, v: Long, unsigned: boolean): void {
  if (typeof v === 'number' && Number.isSafeInteger(v) && (v >= 0 || !unsigned)) w.uint64(v);
  else w.uint64(LongOf.fromValue(v, unsigned));
}

/** An enum field's number, as fromObject maps its name or number (undefined: an unknown name, left out). */
function enumNumber(v: string | number, names: Readonly<Record<string, number>>): number | undefined {
  return typeof v === 'number' ? v : names[v];
}

function packedFloats(w: Writer, tag: number, data: ReadonlyArray<number | string> | null | undefined): void {
  if (data == null || data.length === 0) return;
  w.uint32(tag).fork();
  for (const x of data) w.float(Number(x));
  w.ldelim();
}

function packedUint32(w: Writer, tag: number, data: readonly number[] | null | undefined): void {
  if (data == null || data.length === 0) return;
  w.uint32(tag).fork();
  for (const x of data) w.uint32(x);
  w.ldelim();
}

function pointId(w: Writer, id: M.PointId, depth: number): void {
  checkDepth(depth);
  if (id.num != null) long(w.uint32(8), id.num, true);
  if (id.uuid != null) w.uint32(18).string(String(id.uuid));
}

function stringMap<V>(w: Writer, tag: number, map: Readonly<Record<string, V>>, depth: number, entry: (w: Writer, v: V, depth: number) => void): void {
  for (const k of Object.keys(map)) {
    w.uint32(tag).fork().uint32(10).string(k).uint32(18).fork();
    entry(w, map[k]!, depth);
    w.ldelim().ldelim();
  }
}

const NULL_VALUE: Readonly<Record<string, number>> = { NULL_VALUE: 0 };

/** `qdrant.Value` (json_with_int.proto). */
function value(w: Writer, v: M.Value, depth: number): void {
  checkDepth(depth);
  if (v.null_value != null) {
    const n = enumNumber(v.null_value, NULL_VALUE);
    if (n !== undefined) w.uint32(8).int32(n);
  }
  if (v.double_value != null) w.uint32(17).double(Number(v.double_value));
  if (v.integer_value != null) long(w.uint32(24), v.integer_value, false);
  if (v.string_value != null) w.uint32(34).string(String(v.string_value));
  if (v.bool_value != null) w.uint32(40).bool(Boolean(v.bool_value));
  if (v.struct_value != null) {
    w.uint32(50).fork();
    checkDepth(depth + 1);
    if (v.struct_value.fields != null) stringMap(w, 10, v.struct_value.fields, depth + 2, value);
    w.ldelim();
  }
  if (v.list_value != null) {
    w.uint32(58).fork();
    checkDepth(depth + 1);
    for (const x of v.list_value.values ?? []) {
      w.uint32(10).fork();
      value(w, x, depth + 2);
      w.ldelim();
    }
    w.ldelim();
  }
}

function vectorOutput(w: Writer, v: M.VectorOutput, depth: number): void {
  checkDepth(depth);
  packedFloats(w, 10, v.data);
  if (v.indices != null) {
    w.uint32(18).fork();
    packedUint32(w, 10, v.indices.data);
    w.ldelim();
  }
  if (v.vectors_count != null) w.uint32(24).uint32(v.vectors_count);
  if (v.dense != null) {
    w.uint32(810).fork();
    packedFloats(w, 10, v.dense.data);
    w.ldelim();
  }
  if (v.sparse != null) {
    w.uint32(818).fork();
    packedFloats(w, 10, v.sparse.values);
    packedUint32(w, 18, v.sparse.indices);
    w.ldelim();
  }
  if (v.multi_dense != null) {
    w.uint32(826).fork();
    for (const row of v.multi_dense.vectors ?? []) {
      w.uint32(10).fork();
      packedFloats(w, 10, row.data);
      w.ldelim();
    }
    w.ldelim();
  }
}

function vectorsOutput(w: Writer, v: M.VectorsOutput, depth: number): void {
  checkDepth(depth);
  if (v.vector != null) {
    w.uint32(10).fork();
    vectorOutput(w, v.vector, depth + 1);
    w.ldelim();
  }
  if (v.vectors != null) {
    w.uint32(18).fork();
    checkDepth(depth + 1);
    if (v.vectors.vectors != null) stringMap(w, 10, v.vectors.vectors, depth + 2, vectorOutput);
    w.ldelim();
  }
}

function message<T>(w: Writer, tag: number, m: T, depth: number, body: (w: Writer, m: T, depth: number) => void): void {
  w.uint32(tag).fork();
  body(w, m, depth);
  w.ldelim();
}

function scoredPoint(w: Writer, p: M.ScoredPoint, depth: number): void {
  checkDepth(depth);
  if (p.id != null) message(w, 10, p.id, depth + 1, pointId);
  if (p.payload != null) stringMap(w, 18, p.payload, depth + 1, value);
  if (p.score != null) w.uint32(29).float(Number(p.score));
  if (p.version != null) long(w.uint32(40), p.version, true);
  if (p.vectors != null) message(w, 50, p.vectors, depth + 1, vectorsOutput);
  if (p.shard_key != null) {
    const k = p.shard_key;
    message(w, 58, k, depth + 1, () => {
      checkDepth(depth + 1);
      if (k.keyword != null) w.uint32(10).string(String(k.keyword));
      if (k.number != null) long(w.uint32(16), k.number, true);
    });
  }
  if (p.order_value != null) {
    const o = p.order_value;
    message(w, 66, o, depth + 1, () => {
      checkDepth(depth + 1);
      if (o.int != null) long(w.uint32(8), o.int, false);
      if (o.float != null) w.uint32(17).double(Number(o.float));
    });
  }
}

/** The reply of `Query` / `Search` / `Recommend` / `Discover`: `repeated ScoredPoint result = 1; double time = 2`. */
export function encodeScoredPoints(reply: M.QueryResponse): Buffer | undefined {
  if (reply.usage != null) return undefined;
  const w = Writer.create();
  for (const p of reply.result ?? []) message(w, 10, p, 1, scoredPoint);
  if (reply.time != null) w.uint32(17).double(Number(reply.time));
  return w.finish() as Buffer;
}

const UPDATE_STATUS: Readonly<Record<string, number>> = { UnknownUpdateStatus: 0, Acknowledged: 1, Completed: 2, ClockRejected: 3, WaitTimeout: 4 };

/** The reply of the point writes: `UpdateResult result = 1; double time = 2`. */
export function encodeOperation(reply: M.PointsOperationResponse): Buffer | undefined {
  if (reply.usage != null) return undefined;
  const w = Writer.create();
  const r = reply.result;
  if (r != null) {
    message(w, 10, r, 1, () => {
      if (r.operation_id != null) long(w.uint32(8), r.operation_id, true);
      if (r.status != null) {
        const n = enumNumber(r.status, UPDATE_STATUS);
        if (n !== undefined) w.uint32(16).int32(n);
      }
    });
  }
  if (reply.time != null) w.uint32(17).double(Number(reply.time));
  return w.finish() as Buffer;
}

/** The reply's bytes; undefined for a reply holding a field the encoder does not write. */
type Encoder = (reply: never) => Buffer | undefined;

/** The encoder of each RPC whose reply is one of the types above. */
export const REPLY_ENCODERS: Readonly<Record<string, Encoder>> = {
  '/qdrant.Points/Query': encodeScoredPoints,
  '/qdrant.Points/Search': encodeScoredPoints,
  '/qdrant.Points/Recommend': encodeScoredPoints,
  '/qdrant.Points/Discover': encodeScoredPoints,
  '/qdrant.Points/Upsert': encodeOperation,
  '/qdrant.Points/Delete': encodeOperation,
  '/qdrant.Points/UpdateVectors': encodeOperation,
  '/qdrant.Points/DeleteVectors': encodeOperation,
  '/qdrant.Points/SetPayload': encodeOperation,
  '/qdrant.Points/OverwritePayload': encodeOperation,
  '/qdrant.Points/DeletePayload': encodeOperation,
  '/qdrant.Points/ClearPayload': encodeOperation,
  '/qdrant.Points/CreateFieldIndex': encodeOperation,
  '/qdrant.Points/DeleteFieldIndex': encodeOperation,
};

/** `definition` with the hand-written reply encoder for each of its RPCs that has one. */
export function withReplyEncoders(definition: ServiceDefinition): ServiceDefinition {
  const out: Record<string, MethodDefinition<unknown, unknown>> = {};
  for (const [method, def] of Object.entries(definition)) {
    const encode = REPLY_ENCODERS[def.path];
    const generic = def.responseSerialize;
    out[method] = encode === undefined ? def : { ...def, responseSerialize: (reply: unknown) => encode(reply as never) ?? generic(reply) };
  }
  return out;
}
