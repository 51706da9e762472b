/**
 * 2-D PCA in the browser: centre the rows, find the two leading principal directions by power iteration on
 * XᵀX (never forming the d×d covariance: each step is two passes over X), project. O(n·d) per iteration.
 */
function normalize(v: Float64Array): number {
  let n = 0;
  for (const x of v) n += x * x;
  n = Math.sqrt(n);
  if (n > 0) for (let i = 0; i < v.length; i++) v[i] = (v[i] ?? 0) / n;
  return n;
}

/** v ← Xᵀ(X v), minus the projection on `against` (deflation). */
function step(x: readonly Float64Array[], v: Float64Array, against: Float64Array | undefined): Float64Array {
  const out = new Float64Array(v.length);
  for (const row of x) {
    let dot = 0;
    for (let j = 0; j < row.length; j++) dot += (row[j] ?? 0) * (v[j] ?? 0);
    for (let j = 0; j < row.length; j++) out[j] = (out[j] ?? 0) + dot * (row[j] ?? 0);
  }
  if (against !== undefined) {
    let d = 0;
    for (let j = 0; j < out.length; j++) d += (out[j] ?? 0) * (against[j] ?? 0);
    for (let j = 0; j < out.length; j++) out[j] = (out[j] ?? 0) - d * (against[j] ?? 0);
  }
  return out;
}

function component(x: readonly Float64Array[], dims: number, against: Float64Array | undefined, seed: number): Float64Array {
  let v: Float64Array = new Float64Array(dims);
  // A fixed pseudo-random start, so the same data gives the same picture.
  let s = seed;
  for (let j = 0; j < dims; j++) {
    s = (s * 1103515245 + 12345) % 2147483648;
    v[j] = s / 2147483648 - 0.5;
  }
  if (against !== undefined) {
    // Start orthogonal to the first component: if the data has no second direction (rank 1), the power
    // iteration below ends at once and this start, along which the data has no spread, is the answer.
    let d = 0;
    for (let j = 0; j < dims; j++) d += (v[j] ?? 0) * (against[j] ?? 0);
    for (let j = 0; j < dims; j++) v[j] = (v[j] ?? 0) - d * (against[j] ?? 0);
  }
  normalize(v);
  for (let it = 0; it < 60; it++) {
    const next = step(x, v, against);
    if (normalize(next) === 0) break;
    let delta = 0;
    for (let j = 0; j < dims; j++) delta += Math.abs((next[j] ?? 0) - (v[j] ?? 0));
    v = next;
    if (delta < 1e-9) break;
  }
  return v;
}

/** The rows projected on their two principal components: `[x, y]` per row. */
export function pca2(rows: readonly number[][]): Array<[number, number]> {
  const n = rows.length;
  const dims = rows[0]?.length ?? 0;
  if (n === 0 || dims === 0) return [];
  const mean = new Float64Array(dims);
  for (const r of rows) for (let j = 0; j < dims; j++) mean[j] = (mean[j] ?? 0) + (r[j] ?? 0) / n;
  const x = rows.map((r) => Float64Array.from({ length: dims }, (_, j) => (r[j] ?? 0) - (mean[j] ?? 0)));
  const pc1 = component(x, dims, undefined, 7);
  const pc2 = dims > 1 ? component(x, dims, pc1, 13) : new Float64Array(dims);
  return x.map((row) => {
    let a = 0;
    let b = 0;
    for (let j = 0; j < dims; j++) {
      a += (row[j] ?? 0) * (pc1[j] ?? 0);
      b += (row[j] ?? 0) * (pc2[j] ?? 0);
    }
    return [a, b];
  });
}
