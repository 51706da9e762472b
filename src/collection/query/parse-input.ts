/**
 * Parsing of Qdrant `VectorInput` / `RecommendExample` values and context pairs. Only the shape is
 * decided here (point id or raw vector); raw vectors are checked against the stage's vector when the
 * query runs (`resolve.ts`).
 */
import { AppError, badInput } from '../../errors.js';
import { parsePointId } from '../../storage/point-id.js';
import type { ContextPairInput, VectorInput } from './types.js';
import { isObject } from '../../json.js';

/**
 * A `VectorInput`: a point id (integer or UUID), a dense vector, a multivector or a sparse
 * `{indices, values}`. @throws AppError(bad_input) naming `where`.
 */
export function parseVectorInput(v: unknown, where: string): VectorInput {
  if (typeof v === 'number' || typeof v === 'string') {
    try {
      return { kind: 'id', id: parsePointId(v), where };
    } catch (e) {
      throw badInput(`${where}: ${e instanceof Error ? e.message : 'invalid point id'}`);
    }
  }
  if (Array.isArray(v)) return { kind: 'raw', value: v, where };
  if (isObject(v)) {
    if ('model' in v && ('text' in v || 'image' in v || 'object' in v)) throw new AppError('UNSUPPORTED', ['Inference (Document / Image / InferenceObject vectors)']);
    if ('indices' in v && 'values' in v) return { kind: 'raw', value: v, where };
  }
  throw badInput(`${where}: expected a point id, a vector, a multivector or a sparse vector {indices, values}`);
}

/** A list of `VectorInput`s (absent or null: empty). */
export function parseVectorInputs(v: unknown, where: string): VectorInput[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw badInput(`${where}: expected a list of point ids or vectors`);
  return v.map((x, i) => parseVectorInput(x, `${where}[${i}]`));
}

/** Qdrant `ContextInput`: one pair, a list of pairs, or null. */
export function parseContextPairs(v: unknown, where: string): ContextPairInput[] {
  if (v === undefined || v === null) return [];
  const list = Array.isArray(v) ? v : [v];
  return list.map((p, i) => {
    const at = Array.isArray(v) ? `${where}[${i}]` : where;
    if (!isObject(p)) throw badInput(`${at}: expected {positive, negative}`);
    if (p['positive'] === undefined || p['positive'] === null) throw badInput(`${at}.positive: missing field \`positive\``);
    if (p['negative'] === undefined || p['negative'] === null) throw badInput(`${at}.negative: missing field \`negative\``);
    return { positive: parseVectorInput(p['positive'], `${at}.positive`), negative: parseVectorInput(p['negative'], `${at}.negative`) };
  });
}
