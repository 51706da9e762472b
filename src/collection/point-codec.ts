/**
 * The stored form of a point: `{o: offset, v: {name: encoded vector}, p: payload, ver, sk?}`.
 * Vectors are raw little-endian float32 (and uint32 indices for sparse) so no precision is lost
 * and decoding is a copy, not a parse.
 */
import type { NamedVectors, VectorValue } from './vectors.js';
import type { Payload, ShardKey } from './types.js';

export type EncodedVector = Buffer | { m: Buffer; n: number } | { i: Buffer; x: Buffer };

export interface EncodedPoint {
  o: number;
  v: Record<string, EncodedVector>;
  p: Payload | null;
  ver: number;
  sk?: ShardKey;
}

export interface DecodedPoint {
  offset: number;
  vectors: NamedVectors;
  payload: Payload | null;
  version: number;
  shardKey: ShardKey | undefined;
}

function f32bytes(a: Float32Array | Uint32Array): Buffer {
  return Buffer.from(a.buffer.slice(a.byteOffset, a.byteOffset + a.byteLength));
}

function toF32(b: Uint8Array): Float32Array {
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return new Float32Array(copy.buffer);
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
  if (e instanceof Uint8Array) return { kind: 'dense', data: toF32(e) };
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
  const out: EncodedPoint = { o: offset, v, p: payload, ver: version };
  if (shardKey !== undefined) out.sk = shardKey;
  return out;
}

export function decodePoint(e: EncodedPoint): DecodedPoint {
  const vectors: NamedVectors = new Map();
  for (const [name, value] of Object.entries(e.v)) vectors.set(name, decodeVector(value));
  return { offset: e.o, vectors, payload: e.p, version: e.ver, shardKey: e.sk };
}
