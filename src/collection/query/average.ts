/**
 * The query vector of the `average_vector` recommend strategy (Qdrant
 * `avg_vector_for_recommendation`, lib/segment/src/vector_storage/query/reco_query.rs):
 * avg(positives) when there are no negatives, else avg(positives) + (avg(positives) − avg(negatives)).
 *
 * Dense vectors are averaged per component; sparse vectors per index over the union of indices
 * (a missing index counts 0); multivectors are not averaged but concatenated: the positives' rows,
 * then the negatives' rows negated.
 */
import { AppError } from '../../errors.js';
import type { QueryVector } from '../vectors.js';

type Sparse = Extract<QueryVector, { kind: 'sparse' }>;

/** Sorted-union combination of two sparse vectors (Qdrant `combine_aggregate`). */
function combineSparse(a: Sparse, b: Sparse, f: (x: number, y: number) => number): Sparse {
  const indices: number[] = [];
  const values: number[] = [];
  let i = 0;
  let j = 0;
  while (i < a.indices.length || j < b.indices.length) {
    const ai = i < a.indices.length ? a.indices[i]! : Infinity;
    const bj = j < b.indices.length ? b.indices[j]! : Infinity;
    if (ai === bj) {
      indices.push(ai);
      values.push(f(a.values[i++]!, b.values[j++]!));
    } else if (ai < bj) {
      indices.push(ai);
      values.push(f(a.values[i++]!, 0));
    } else {
      indices.push(bj);
      values.push(f(0, b.values[j++]!));
    }
  }
  return { kind: 'sparse', indices: Uint32Array.from(indices), values: Float32Array.from(values) };
}

function average(vectors: readonly QueryVector[]): QueryVector {
  const first = vectors[0];
  if (first === undefined) throw new AppError('VALIDATION', ['Positive vectors should not be empty with `average` strategy']);
  if (vectors.some((v) => v.kind !== first.kind)) throw new AppError('VALIDATION', ["Can't average vectors with different types"]);
  switch (first.kind) {
    case 'dense': {
      const sum = new Float64Array(first.data.length);
      for (const v of vectors) if (v.kind === 'dense') v.data.forEach((x, i) => (sum[i] = sum[i]! + x));
      return { kind: 'dense', data: Float32Array.from(sum, (x) => x / vectors.length) };
    }
    case 'sparse': {
      let sum: Sparse = { kind: 'sparse', indices: new Uint32Array(0), values: new Float32Array(0) };
      for (const v of vectors) if (v.kind === 'sparse') sum = combineSparse(v, sum, (x, y) => x + y);
      return { kind: 'sparse', indices: sum.indices, values: sum.values.map((x) => x / vectors.length) };
    }
    case 'multi':
      return { kind: 'multi', rows: vectors.flatMap((v) => (v.kind === 'multi' ? v.rows : [])) };
  }
}

/**
 * The average_vector query. @throws AppError(VALIDATION) with no positives or mixed vector kinds.
 */
export function averageVector(positives: readonly QueryVector[], negatives: readonly QueryVector[]): QueryVector {
  const pos = average(positives);
  if (negatives.length === 0) return pos;
  const neg = average(negatives);
  if (pos.kind === 'dense' && neg.kind === 'dense') {
    return { kind: 'dense', data: pos.data.map((p, i) => p + p - neg.data[i]!) };
  }
  if (pos.kind === 'sparse' && neg.kind === 'sparse') return combineSparse(pos, neg, (p, n) => p + p - n);
  if (pos.kind === 'multi' && neg.kind === 'multi') {
    return { kind: 'multi', rows: [...pos.rows, ...neg.rows.map((r) => r.map((x) => -x))] };
  }
  throw new AppError('VALIDATION', ['Positive and negative vectors should be of the same type, either all dense or all sparse or all multi']);
}
