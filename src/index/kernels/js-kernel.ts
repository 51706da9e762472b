import { dot, type Distance } from '../distance.js';
import { BATCH_CAPACITY, type DistanceKernel, type KernelSource } from './kernel.js';

type RowFn = (a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number) => number;

/** −dot (the internal distance of Cosine and Dot): the reference `dot`, negated. */
export function negDotJs(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  return -dot(a, aOff, b, bOff, dim);
}

/** Squared L2, four accumulators. */
export function l2SquaredJs(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    const x = aOff + i;
    const y = bOff + i;
    const d0 = a[x]! - b[y]!;
    const d1 = a[x + 1]! - b[y + 1]!;
    const d2 = a[x + 2]! - b[y + 2]!;
    const d3 = a[x + 3]! - b[y + 3]!;
    s0 += d0 * d0;
    s1 += d1 * d1;
    s2 += d2 * d2;
    s3 += d3 * d3;
  }
  for (; i < dim; i++) {
    const d = a[aOff + i]! - b[bOff + i]!;
    s0 += d * d;
  }
  return s0 + s1 + s2 + s3;
}

/** L1, four accumulators. */
export function l1Js(a: Float32Array, aOff: number, b: Float32Array, bOff: number, dim: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  let i = 0;
  for (; i + 3 < dim; i += 4) {
    const x = aOff + i;
    const y = bOff + i;
    s0 += Math.abs(a[x]! - b[y]!);
    s1 += Math.abs(a[x + 1]! - b[y + 1]!);
    s2 += Math.abs(a[x + 2]! - b[y + 2]!);
    s3 += Math.abs(a[x + 3]! - b[y + 3]!);
  }
  for (; i < dim; i++) s0 += Math.abs(a[aOff + i]! - b[bOff + i]!);
  return s0 + s1 + s2 + s3;
}

/** The pure-TS internal distance function of a metric. */
export function jsDistanceFn(distance: Distance): RowFn {
  switch (distance) {
    case 'Cosine':
    case 'Dot':
      return negDotJs;
    case 'Euclid':
      return l2SquaredJs;
    case 'Manhattan':
      return l1Js;
  }
}

/** Pure-TS kernel: works on any store backing; the fallback when WASM SIMD is unavailable. */
export class JsKernel implements DistanceKernel {
  readonly name = 'js' as const;
  readonly distance: Distance;
  readonly dim: number;
  private readonly store: KernelSource;
  private readonly fn: RowFn;
  private readonly query: Float32Array;
  private readonly normalise: boolean;
  readonly batchIds = new Int32Array(BATCH_CAPACITY);
  readonly batchOut = new Float32Array(BATCH_CAPACITY);

  constructor(store: KernelSource, distance: Distance) {
    this.store = store;
    this.distance = distance;
    this.dim = store.dim;
    this.fn = jsDistanceFn(distance);
    this.query = new Float32Array(store.dim);
    this.normalise = distance === 'Cosine';
  }

  setQuery(query: Float32Array): void {
    if (query.length !== this.dim) throw new RangeError(`expected ${this.dim} components, got ${query.length}`);
    this.query.set(query);
    if (this.normalise) normaliseF32(this.query);
  }

  setQueryRow(offset: number): void {
    const dim = this.dim;
    this.query.set(this.store.data.subarray(offset * dim, offset * dim + dim));
  }

  toQuery(offset: number): number {
    return this.fn(this.query, 0, this.store.data, offset * this.dim, this.dim);
  }

  between(a: number, b: number): number {
    const d = this.store.data;
    return this.fn(d, a * this.dim, d, b * this.dim, this.dim);
  }

  toQueryBatch(count: number): void {
    const ids = this.batchIds;
    const out = this.batchOut;
    const d = this.store.data;
    const dim = this.dim;
    const fn = this.fn;
    const q = this.query;
    for (let i = 0; i < count; i++) out[i] = fn(q, 0, d, ids[i]! * dim, dim);
  }

  betweenBatch(row: number, count: number): void {
    const ids = this.batchIds;
    const out = this.batchOut;
    const d = this.store.data;
    const dim = this.dim;
    const fn = this.fn;
    const r = row * dim;
    for (let i = 0; i < count; i++) out[i] = fn(d, r, d, ids[i]! * dim, dim);
  }

  valid(): boolean {
    return true;
  }
}

/** Normalises in place (a zero vector stays zero), accumulating in f64. */
export function normaliseF32(v: Float32Array): void {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  if (n > 0) {
    const inv = 1 / Math.sqrt(n);
    for (let i = 0; i < v.length; i++) v[i] = v[i]! * inv;
  }
}
