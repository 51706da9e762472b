/**
 * Vectors as the collection stores them, and the conversion from the wire forms Qdrant accepts:
 * a plain array (the unnamed default vector), an array of arrays (unnamed multivector), or an object
 * of named vectors whose values are dense arrays, multivectors or sparse `{indices, values}`.
 */
import { AppError, badInput } from '../errors.js';
import { normalizeInPlace } from '../index/distance.js';
import type { VectorSchema } from './config.js';

export type VectorValue =
  | { readonly kind: 'dense'; readonly data: Float32Array }
  | { readonly kind: 'multi'; readonly rows: readonly Float32Array[] }
  | { readonly kind: 'sparse'; readonly indices: Uint32Array; readonly values: Float32Array };

export type NamedVectors = Map<string, VectorValue>;

/** The name Qdrant uses for the unnamed default vector. */
export const DEFAULT_VECTOR = '';

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function toFloat32(values: readonly number[], where: string): Float32Array {
  const out = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) throw badInput(`${where}: vector components must be finite numbers`);
    out[i] = x;
  }
  return out;
}

function describe(name: string): string {
  return name === DEFAULT_VECTOR ? 'default vector' : `vector \`${name}\``;
}

/** Parses one named vector value against the schema (dimension, kind, normalisation). */
export function parseVectorValue(name: string, input: unknown, schema: VectorSchema, where: string): VectorValue {
  const dense = schema.dense.get(name);
  const sparse = schema.sparse.get(name);
  if (dense === undefined && sparse === undefined) {
    throw new AppError('VECTOR_NAME_NOT_FOUND', [name === DEFAULT_VECTOR ? 'Vector name `` (default vector) is not configured' : name]);
  }
  if (sparse !== undefined) {
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw badInput(`${where}: sparse ${describe(name)} must be an object {indices, values}`);
    }
    const { indices, values } = input as { indices?: unknown; values?: unknown };
    if (!isNumberArray(indices) || !isNumberArray(values)) {
      throw badInput(`${where}: sparse ${describe(name)} needs numeric arrays \`indices\` and \`values\``);
    }
    if (indices.length !== values.length) {
      throw new AppError('VALIDATION', [`${where}.indices: must be the same length as values`]);
    }
    const seen = new Set<number>();
    for (const i of indices) {
      if (!Number.isInteger(i) || i < 0 || i > 0xffffffff) throw badInput(`${where}.indices: ${i} is not an unsigned 32-bit integer`);
      if (seen.has(i)) throw new AppError('VALIDATION', [`${where}.indices: must be unique`]);
      seen.add(i);
    }
    // Keep indices sorted so dot products are a merge.
    const order = indices.map((_, k) => k).sort((a, b) => indices[a]! - indices[b]!);
    const idx = new Uint32Array(order.map((k) => indices[k]!));
    const val = toFloat32(order.map((k) => values[k]!), where);
    return { kind: 'sparse', indices: idx, values: val };
  }
  const params = dense!;
  if (params.multivector) {
    if (!Array.isArray(input) || !input.every(isNumberArray)) {
      throw badInput(`${where}: ${describe(name)} is a multivector: expected an array of arrays of numbers`);
    }
    if (input.length === 0) throw badInput(`${where}: multivector ${describe(name)} must contain at least one vector`);
    const rows = input.map((row) => {
      if (row.length !== params.size) throw new AppError('VECTOR_DIMENSION_MISMATCH', [params.size, row.length]);
      const v = toFloat32(row, where);
      return params.distance === 'Cosine' ? normalizeInPlace(v) : v;
    });
    return { kind: 'multi', rows };
  }
  if (!isNumberArray(input)) {
    throw badInput(`${where}: ${describe(name)} must be an array of numbers`);
  }
  if (input.length !== params.size) throw new AppError('VECTOR_DIMENSION_MISMATCH', [params.size, input.length]);
  const v = toFloat32(input, where);
  return { kind: 'dense', data: params.distance === 'Cosine' ? normalizeInPlace(v) : v };
}

/**
 * Parses a point's `vector` field (VectorStruct) into named vectors.
 * @throws AppError(bad_input) with the field and the reason; inference objects are refused.
 */
export function parseVectorStruct(input: unknown, schema: VectorSchema, where: string): NamedVectors {
  const out: NamedVectors = new Map();
  if (Array.isArray(input)) {
    out.set(DEFAULT_VECTOR, parseVectorValue(DEFAULT_VECTOR, input, schema, where));
    return out;
  }
  if (input === null || typeof input !== 'object') throw badInput(`${where}: expected a vector, an array of vectors or an object of named vectors`);
  const obj = input as Record<string, unknown>;
  // A Document / Image / InferenceObject has a `model`; a named vector may well be called `text`.
  if (('text' in obj || 'image' in obj || 'object' in obj) && 'model' in obj) {
    throw new AppError('UNSUPPORTED', ['Inference (Document / Image / InferenceObject vectors)']);
  }
  for (const [name, value] of Object.entries(obj)) {
    out.set(name, parseVectorValue(name, value, schema, `${where}.${name}`));
  }
  return out;
}

/** The wire form of a stored vector (VectorOutput). */
export function vectorToWire(v: VectorValue): number[] | number[][] | { indices: number[]; values: number[] } {
  switch (v.kind) {
    case 'dense':
      return Array.from(v.data);
    case 'multi':
      return v.rows.map((r) => Array.from(r));
    case 'sparse':
      return { indices: Array.from(v.indices), values: Array.from(v.values) };
  }
}

/** The wire form of a point's vectors (VectorStructOutput) restricted to `names` (all when undefined). */
export function vectorsToWire(vectors: NamedVectors, names: readonly string[] | undefined): unknown {
  const selected = names === undefined ? [...vectors.keys()] : names.filter((n) => vectors.has(n));
  if (names === undefined && vectors.size === 1 && vectors.has(DEFAULT_VECTOR)) {
    return vectorToWire(vectors.get(DEFAULT_VECTOR)!);
  }
  const out: Record<string, unknown> = {};
  for (const n of selected) out[n] = vectorToWire(vectors.get(n)!);
  if (selected.length === 1 && selected[0] === DEFAULT_VECTOR && names !== undefined) return out[DEFAULT_VECTOR];
  return out;
}
