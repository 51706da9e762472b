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
