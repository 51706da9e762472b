/**
 * Exact scan over rows kept by offset outside a dense store: sparse vectors and multivectors. It runs the same
 * pipeline as the dense scan of `scan.ts` — internal keys (lower is closer) into a `TopK`, ties by offset, drained
 * by `collectResults` into Qdrant scores — with the row's raw similarity as the key:
 *
 * - sparse: the dot product over shared indices (Qdrant scores sparse vectors by dot product, higher is better);
 *   a row sharing no index with the query is not a candidate, as Qdrant's inverted index never finds it;
 * - multivector: MaxSim (Qdrant `MultiVectorComparator::MaxSim`) with the vector's distance, post-processed the way
 *   a dense score is (Euclid: square root, Manhattan: absolute value).
 */
import { rawMaxSim, sparseDot, sparseOverlaps, type Distance, type SparseRow } from '../distance.js';
import { TopK } from '../top-k.js';
import type { ScoredOffset } from '../vector-index.js';
import { ResultBuffers, collectResults } from './scan.js';

export type RowQuery = { readonly kind: 'sparse'; readonly row: SparseRow } | { readonly kind: 'multi'; readonly rows: readonly Float32Array[] };

/** A stored row as the scan reads it (the collection's vector values have this shape; a dense row never matches). */
export type StoredRow = ({ readonly kind: 'sparse' } & SparseRow) | { readonly kind: 'multi'; readonly rows: readonly Float32Array[] } | { readonly kind: 'dense' };

/** The internal key of `row` for `q` (lower is closer), or undefined when the row is not a candidate. */
function keyOf(q: RowQuery, distance: Distance, row: StoredRow): number | undefined {
  if (q.kind === 'sparse') {
    if (row.kind !== 'sparse' || !sparseOverlaps(q.row, row)) return undefined;
    return -sparseDot(q.row, row);
  }
  if (row.kind !== 'multi') return undefined;
  return -rawMaxSim(distance, q.rows, row.rows);
}

/**
 * The best `k` rows of `rows` for `q` that `accept` admits, best first, scored as Qdrant reports them.
 * `distance` is the vector's distance (sparse vectors: 'Dot').
 */
export function scanRows(rows: Iterable<readonly [number, StoredRow]>, q: RowQuery, distance: Distance, k: number, accept?: (offset: number) => boolean): ScoredOffset[] {
  if (k <= 0) return [];
  const top = new TopK(k);
  for (const [offset, row] of rows) {
    if (accept !== undefined && !accept(offset)) continue;
    const key = keyOf(q, distance, row);
    if (key !== undefined) top.push(offset, key);
  }
  return collectResults(top, k, distance, new ResultBuffers());
}
