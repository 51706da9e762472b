/**
 * Proto vectors → the engine's vectors: `Vector` / `Vectors` of a point (checked against the collection's
 * schema by the engine's `parseVectorValue`) and `VectorInput` / `VectorExample` of a query.
 */
import { AppError } from '../../../errors.js';
import { DEFAULT_VECTOR, toVectorValue, type NamedVectors } from '../../../collection/vectors.js';
import type { VectorSchema } from '../../../collection/config.js';
import type { VectorInput } from '../../../collection/query/types.js';
import type * as M from '../generated/messages.js';
import { bad, pointId } from './point-id.js';

type RawVector = number[] | number[][] | { indices: number[]; values: number[] };

const INFERENCE = 'Inference (Document / Image / InferenceObject vectors)';

/** A `Vector` (the `vector` oneof, or the deprecated `data` / `indices` / `vectors_count` fields). */
export function rawVector(v: M.Vector__Output | M.VectorOutput__Output | undefined | null, where: string): RawVector {
  if (v === undefined || v === null) throw bad(`${where}: vector is required`);
  switch (v.vector) {
    case 'dense':
      return [...(v.dense?.data ?? [])];
    case 'sparse':
      return { indices: [...(v.sparse?.indices ?? [])], values: [...(v.sparse?.values ?? [])] };
    case 'multi_dense':
      return (v.multi_dense?.vectors ?? []).map((r) => [...(r.data ?? [])]);
    case 'document':
    case 'image':
    case 'object':
      throw new AppError('UNSUPPORTED', [INFERENCE]);
    default: {
      const data = [...(v.data ?? [])];
      if (v.indices !== undefined && v.indices !== null) return { indices: [...(v.indices.data ?? [])], values: data };
      const rows = v.vectors_count ?? 0;
      if (rows > 1) {
        if (data.length % rows !== 0) throw bad(`${where}: ${data.length} numbers do not split into ${rows} vectors`);
        const size = data.length / rows;
        return Array.from({ length: rows }, (_, i) => data.slice(i * size, (i + 1) * size));
      }
      return data;
    }
  }
}

/** A point's `Vectors` (one unnamed vector, or named vectors) → named vectors checked against the schema. */
export function namedVectors(v: M.Vectors__Output | undefined | null, schema: VectorSchema, where: string): NamedVectors {
  const out: NamedVectors = new Map();
  if (v?.vectors_options === 'vector') {
    out.set(DEFAULT_VECTOR, toVectorValue(DEFAULT_VECTOR, rawVector(v.vector, where), schema, where));
  } else if (v?.vectors_options === 'vectors') {
    for (const [name, value] of Object.entries(v.vectors?.vectors ?? {})) out.set(name, toVectorValue(name, rawVector(value, `${where}.${name}`), schema, `${where}.${name}`));
  } else {
    throw bad(`${where}: vectors are required`);
  }
  return out;
}

export function vectorInput(v: M.VectorInput__Output | undefined | null, where: string): VectorInput {
  switch (v?.variant) {
    case 'id':
      return { kind: 'id', id: pointId(v.id, where), where };
    case 'dense':
      return { kind: 'raw', value: [...(v.dense?.data ?? [])], where };
    case 'sparse':
      return { kind: 'raw', value: { indices: [...(v.sparse?.indices ?? [])], values: [...(v.sparse?.values ?? [])] }, where };
    case 'multi_dense':
      return { kind: 'raw', value: (v.multi_dense?.vectors ?? []).map((r) => [...(r.data ?? [])]), where };
    case 'document':
    case 'image':
    case 'object':
      throw new AppError('UNSUPPORTED', [INFERENCE]);
    default:
      throw bad(`${where}: a point id or a vector is required`);
  }
}

/** A legacy `VectorExample` (recommend / discover): a point id or a vector. */
export function vectorExample(v: M.VectorExample__Output | undefined | null, where: string): VectorInput {
  if (v?.example === 'id') return { kind: 'id', id: pointId(v.id, where), where };
  if (v?.example === 'vector') return { kind: 'raw', value: rawVector(v.vector, where), where };
  throw bad(`${where}: a point id or a vector is required`);
}
