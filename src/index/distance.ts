/**
 * Distance functions, scored exactly as Qdrant reports them:
 * - Cosine: dot product of vectors normalised at insert (higher is better),
 * - Dot: dot product (higher is better),
 * - Euclid: euclidean distance (lower is better),
 * - Manhattan: L1 distance (lower is better).
 * This file is the pure TypeScript reference; faster kernels must agree with it.
 */
export type Distance = 'Cosine' | 'Euclid' | 'Dot' | 'Manhattan';

export const DISTANCES: readonly Distance[] = ['Cosine', 'Euclid', 'Dot', 'Manhattan'];

/** True when a larger score means a closer point (Cosine, Dot). */
export function higherIsBetter(distance: Distance): boolean {
  return distance === 'Cosine' || distance === 'Dot';
}

export function dot(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    s0 += a[aOff + i]! * b[bOff + i]!;
    s1 += a[aOff + i + 1]! * b[bOff + i + 1]!;
    s2 += a[aOff + i + 2]! * b[bOff + i + 2]!;
    s3 += a[aOff + i + 3]! * b[bOff + i + 3]!;
  }
  for (; i < dim; i++) s0 += a[aOff + i]! * b[bOff + i]!;
  return s0 + s1 + s2 + s3;
}

export function squaredEuclid(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    s += d * d;
  }
  return s;
}

export function manhattan(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s = 0;
  for (let i = 0; i < dim; i++) s += Math.abs(a[aOff + i]! - b[bOff + i]!);
  return s;
}

/** The score Qdrant reports for `a` against `b` (Cosine expects both already normalised). */
export function score(distance: Distance, a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return dot(a, aOff, b, bOff, dim);
    case 'Euclid':
      return Math.sqrt(squaredEuclid(a, aOff, b, bOff, dim));
    case 'Manhattan':
      return manhattan(a, aOff, b, bOff, dim);
  }
}

/** Normalises in place to unit length, as Qdrant does for Cosine on insert; a zero vector stays zero. */
export function normalizeInPlace(v: Float32Array): Float32Array {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  }
  return v;
}

/** Orders two scores: negative when `a` is better than `b`. */
export function compareScores(distance: Distance, a: number, b: number): number {
  return higherIsBetter(distance) ? b - a : a - b;
}

/** Qdrant's raw similarity of two dense rows (larger is better for every metric). */
export function rawDense(distance: Distance, a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return dot(a, aOff, b, bOff, dim);
    case 'Euclid':
      return -squaredEuclid(a, aOff, b, bOff, dim);
    case 'Manhattan':
      return -manhattan(a, aOff, b, bOff, dim);
  }
}

/** Dot product over the indices two sorted sparse vectors share. */
/** Sparse vectors as stored: sorted indices and their values. */
export interface SparseRow {
  readonly indices: Uint32Array;
  readonly values: Float32Array;
}

export function sparseDot(q: { indices: Uint32Array; values: Float32Array }, d: { indices: Uint32Array; values: Float32Array }): number {
  let i = 0;
  let j = 0;
  let s = 0;
  while (i < q.indices.length && j < d.indices.length) {
    const a = q.indices[i]!;
    const b = d.indices[j]!;
    if (a === b) s += q.values[i++]! * d.values[j++]!;
    else if (a < b) i++;
    else j++;
  }
  return s;
}

/** MaxSim with raw similarities (Qdrant `MultiVectorComparator::MaxSim`). */
export function rawMaxSim(distance: Distance, q: readonly Float32Array[], d: readonly Float32Array[]): number {
  let total = 0;
  for (const qr of q) {
    let best = -Infinity;
    for (const dr of d) {
      const s = rawDense(distance, qr, 0, dr, 0, qr.length);
      if (s > best) best = s;
    }
    total += best;
  }
  return total;
}


/** Number of indices two sorted sparse vectors share (a sparse point scores only when it shares one). */
export function sparseOverlaps(q: SparseRow, d: SparseRow): boolean {
  let i = 0;
  let j = 0;
  while (i < q.indices.length && j < d.indices.length) {
    const a = q.indices[i]!;
    const b = d.indices[j]!;
    if (a === b) return true;
    if (a < b) i++;
    else j++;
  }
  return false;
}
