/**
 * Vectors as the collection stores them, and the check of a given vector against the collection's
 * vector schema (name, kind, dimension, finite components) with the metric's preprocessing (Cosine:
 * unit length). Transports hand in `VectorData` (plain arrays); wire shapes are their business.
 */
import { slabRow } from './row-slab.js';
import { AppError, badInput } from '../errors.js';
import { normalizeInPlace } from '../index/distance.js';
import type { VectorSchema } from './config.js';
import { applyDatatype } from './datatype.js';

export type VectorValue =
  | { readonly kind: 'dense'; readonly data: Float32Array }
  | { readonly kind: 'multi'; readonly rows: readonly Float32Array[] }
  | { readonly kind: 'sparse'; readonly indices: Uint32Array; readonly values: Float32Array };

export type NamedVectors = Map<string, VectorValue>;

/** A query vector, checked against the collection (dense rows Cosine-normalised). */
export type QueryVector =
  | { kind: 'dense'; data: Float32Array }
  | { kind: 'sparse'; indices: Uint32Array; values: Float32Array }
  | { kind: 'multi'; rows: Float32Array[] };

/** Converts a stored vector into a query vector (query by point id). */
export function queryFromStored(v: VectorValue): QueryVector {
  return v.kind === 'dense' ? { kind: 'dense', data: v.data } : v.kind === 'sparse' ? v : { kind: 'multi', rows: [...v.rows] };
}

/** A vector as a request gives it: dense, multivector (rows) or sparse. Checked by {@link toVectorValue}. */
export type VectorData = readonly number[] | ReadonlyArray<readonly number[]> | { readonly indices: readonly number[]; readonly values: readonly number[] };

/** The name Qdrant uses for the unnamed default vector. */
export const DEFAULT_VECTOR = '';

function isNumberArray(v: unknown): v is number[] {
  return Array.isArray(v) && v.every((x) => typeof x === 'number');
}

function toFloat32(values: readonly number[], where: string, out: Float32Array = new Float32Array(values.length)): Float32Array {
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

/**
 * Checks one named vector against the schema (name, kind, dimension) and converts it (Float32, sorted
 * sparse indices, Cosine normalised). The shape is re-checked at run time: `input` may come straight
 * from a JSON body that only a schema validator has seen.
 * @throws AppError naming `where`.
 */
export function toVectorValue(name: string, input: VectorData, schema: VectorSchema, where: string): VectorValue {
  const dense = schema.dense.get(name);
  const sparse = schema.sparse.get(name);
  if (dense === undefined && sparse === undefined) {
    throw new AppError('VECTOR_NAME_NOT_FOUND', [name === DEFAULT_VECTOR ? 'Vector name `` (default vector) is not configured' : name]);
  }
  if (sparse !== undefined) {
    if ((input as unknown) === null || typeof input !== 'object' || Array.isArray(input)) {
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
    // Qdrant's `validate_multi_vector` (422), its field path naming the map entry `?`.
    const at = name !== DEFAULT_VECTOR && where.endsWith(`.${name}`) ? `${where.slice(0, where.length - name.length - 1)}.?.data` : `${where}.data`;
    if (input.length === 0) throw new AppError('VALIDATION', [`${at}: multi vector must not be empty`]);
    if (input.some((row) => row.length === 0)) throw new AppError('VALIDATION', [`${at}: all vectors must be non-empty`]);
    const rows = input.map((row) => {
      if (row.length !== params.size) throw new AppError('VECTOR_DIMENSION_MISMATCH', [params.size, row.length]);
      const v = toFloat32(row, where);
      return applyDatatype(params.distance === 'Cosine' ? normalizeInPlace(v) : v, params.datatype);
    });
    return { kind: 'multi', rows };
  }
  if (!isNumberArray(input)) {
    throw badInput(`${where}: ${describe(name)} must be an array of numbers`);
  }
  if (input.length !== params.size) throw new AppError('VECTOR_DIMENSION_MISMATCH', [params.size, input.length]);
  const v = toFloat32(input, where, slabRow(input.length));
  return { kind: 'dense', data: applyDatatype(params.distance === 'Cosine' ? normalizeInPlace(v) : v, params.datatype) };
}


/**
 * A dense row already read as Float32 (an upsert body scanned without `JSON.parse`) as the stored `name` vector,
 * converted in place as {@link toVectorValue} converts an array of the same numbers (Cosine normalised, datatype
 * applied); `undefined` when `name` is not a plain dense vector of `row.length` components here (then the
 * general conversion reports why).
 */
export function denseRowValue(name: string, row: Float32Array, schema: VectorSchema): VectorValue | undefined {
  const params = schema.dense.get(name);
  if (params === undefined || params.multivector || params.size !== row.length || schema.sparse.has(name)) return undefined;
  return { kind: 'dense', data: applyDatatype(params.distance === 'Cosine' ? normalizeInPlace(row) : row, params.datatype) };
}
