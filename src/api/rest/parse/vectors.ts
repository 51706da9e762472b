/**
 * A point's `vector` field (Qdrant `VectorStruct`): a plain array (the unnamed default vector), an
 * array of arrays (unnamed multivector), or an object of named vectors whose values are dense arrays,
 * multivectors or sparse `{indices, values}`. Each value is checked by the engine's `toVectorValue`.
 */
import { AppError, badInput } from '../../../errors.js';
import type { VectorSchema } from '../../../collection/config.js';
import { DEFAULT_VECTOR, toVectorValue, type NamedVectors, type VectorData } from '../../../collection/vectors.js';

/**
 * Parses a `VectorStruct` into named vectors.
 * @throws AppError(bad_input) with the field and the reason; inference objects are refused.
 */
export function parseVectorStruct(input: unknown, schema: VectorSchema, where: string): NamedVectors {
  const out: NamedVectors = new Map();
  if (Array.isArray(input)) {
    out.set(DEFAULT_VECTOR, toVectorValue(DEFAULT_VECTOR, input as VectorData, schema, where));
    return out;
  }
  if (input === null || typeof input !== 'object') throw badInput(`${where}: expected a vector, an array of vectors or an object of named vectors`);
  const obj = input as Record<string, unknown>;
  // A Document / Image / InferenceObject has a `model`; a named vector may well be called `text`.
  if (('text' in obj || 'image' in obj || 'object' in obj) && 'model' in obj) {
    throw new AppError('UNSUPPORTED', ['Inference (Document / Image / InferenceObject vectors)']);
  }
  for (const [name, value] of Object.entries(obj)) {
    out.set(name, toVectorValue(name, value as VectorData, schema, `${where}.${name}`));
  }
  return out;
}
