/**
 * The stored form of a point: `{o: offset, v: {name: encoded vector}, p: payload, ver, sk?}`.
 * Vectors are raw little-endian float32 (and uint32 indices for sparse) so no precision is lost
 * and decoding is a copy, not a parse.
 *
 * The payload is stored as JSON text: the store's msgpack decoder renames an object key `__proto__` to
 * `__proto_`, and a payload key of any spelling must come back byte-exactly. Points written before (payload as
 * a msgpack object) still decode.
 *
 * A payload holding an integer beyond ±(2^53−1) (a bigint, `exact-json.ts`) is stored as exact text (the integer's
 * digits; doubles beyond 2^53 with an exponent) and marked `x: 1` (storage format version 2); every other payload
 * is `JSON.stringify`'s text, read with `JSON.parse`, exactly as in version 1.
 */
import { parseExactJson, stringifyExact } from '../exact-json.js';
import type { NamedVectors, VectorValue } from './vectors.js';
import { slabRow } from './row-slab.js';
import type { Payload, ShardKey } from './types.js';

export type EncodedVector = Buffer | { m: Buffer; n: number } | { i: Buffer; x: Buffer };

export interface EncodedPoint {
  o: number;
  v: Record<string, EncodedVector>;
  /** JSON text of the payload; a payload object in points stored by earlier versions. */
  p: string | Payload | null;
  /** 1 when `p` is exact text (the payload holds a bigint). */
  x?: 1;
  ver: number;
  sk?: ShardKey;
}

/** The stored form of a payload (JSON text keeps every key, `__proto__` included, as an own property). */
export function encodePayload(payload: Payload | null): Pick<EncodedPoint, 'p' | 'x'> {
  if (payload === null) return { p: null };
  const { text, exact } = stringifyExact(payload);
  return exact ? { p: text, x: 1 } : { p: text };
}

/** A stored payload; `exact` is the point's `x`. */
export function decodePayload(stored: string | Payload | null | undefined, exact?: 1): Payload | null {
  if (stored === null || stored === undefined) return null;
  if (typeof stored !== 'string') return stored;
  return (exact === 1 ? parseExactJson(stored) : JSON.parse(stored)) as Payload;
}

export interface DecodedPoint {
  offset: number;
  vectors: NamedVectors;
  payload: Payload | null;
  version: number;
  shardKey: ShardKey | undefined;
}

/** The bytes of `a`, not copied: the store copies them when the point is written, within the same transaction. */
function f32bytes(a: Float32Array | Uint32Array): Buffer {
  return Buffer.from(a.buffer, a.byteOffset, a.byteLength);
}

function toF32(b: Uint8Array): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
}

/** A dense row, copied out of the stored bytes into a slab (the segment copies it into its store and drops it). */
function denseRow(b: Uint8Array): Float32Array {
  if (b.byteLength % 4 !== 0) throw new RangeError(`a stored dense vector of ${b.byteLength} bytes is not float32 data`);
  const row = slabRow(b.byteLength >> 2);
  new Uint8Array(row.buffer, row.byteOffset, row.byteLength).set(b);
  return row;
}

function toU32(b: Uint8Array): Uint32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Uint32Array(copy.buffer);
}

/** A vector as stored: raw little-endian bytes (multivectors flattened, with their row count). */
export function encodeVector(v: VectorValue): EncodedVector {
  switch (v.kind) {
    case 'dense':
      return f32bytes(v.data);
    case 'multi': {
      const dim = v.rows[0]?.length ?? 0;
      const flat = new Float32Array(dim * v.rows.length);
      v.rows.forEach((r, i) => flat.set(r, i * dim));
      return { m: f32bytes(flat), n: v.rows.length };
    }
    case 'sparse':
      return { i: f32bytes(v.indices), x: f32bytes(v.values) };
  }
}

export function decodeVector(e: EncodedVector): VectorValue {
  if (e instanceof Uint8Array) return { kind: 'dense', data: denseRow(e) };
  if ('m' in e) {
    const flat = toF32(e.m);
    const dim = e.n > 0 ? flat.length / e.n : 0;
    const rows: Float32Array[] = [];
    for (let r = 0; r < e.n; r++) rows.push(flat.slice(r * dim, (r + 1) * dim));
    return { kind: 'multi', rows };
  }
  return { kind: 'sparse', indices: toU32(e.i), values: toF32(e.x) };
}

export function encodePoint(offset: number, vectors: NamedVectors, payload: Payload | null, version: number, shardKey: ShardKey | undefined): EncodedPoint {
  const v: Record<string, EncodedVector> = {};
  for (const [name, value] of vectors) v[name] = encodeVector(value);
  const out: EncodedPoint = { o: offset, v, ...encodePayload(payload), ver: version };
  if (shardKey !== undefined) out.sk = shardKey;
  return out;
}

export function decodePoint(e: EncodedPoint): DecodedPoint {
  const vectors: NamedVectors = new Map();
  for (const [name, value] of Object.entries(e.v)) vectors.set(name, decodeVector(value));
  return { offset: e.o, vectors, payload: decodePayload(e.p, e.x), version: e.ver, shardKey: e.sk };
}
