/**
 * Qdrant prints every f32 (vector components, sparse values, scores) as the shortest decimal that
 * reads back as the same float32: a stored 0.15 is `0.15`, not `0.15000000596046448` (the double
 * that float32 holds). `shortestFloat32(x)` returns the double nearest to that shortest decimal, so
 * JSON.stringify — which prints the shortest decimal of a double — writes Qdrant's digits unchanged,
 * and serialisation stays JSON.stringify's.
 *
 * Fast path, without strings: for p significant digits, m = x·10^k (k = p − 1 − exponent) rounded
 * down and up gives the two p-digit neighbours of x; m / 10^k (or m · 10^−k) with an exactly
 * representable power of ten is the correctly rounded double of the decimal (as Number("m e-k")).
 * A candidate is accepted when Math.fround gives back x. Round-tripping is monotone in p (a p-digit
 * decimal is also a (p+1)-digit one), so p is found by binary search in 1..9 (9 digits always suffice
 * for a float32). Exponents outside ±22 (|x| below ~1e-13 or above ~1e13) take the toPrecision loop.
 */

/** 10^0 … 10^22: the powers of ten a double holds exactly. */
const POW10: readonly number[] = Array.from({ length: 23 }, (_, i) => Number(`1e${i}`));

/** The p-significant-digit decimal within float32 rounding of `x`, or NaN when there is none (|x| in the fast range). */
function candidate(x: number, e: number, p: number): number {
  const k = p - 1 - e;
  const s = k >= 0 ? POW10[k]! : POW10[-k]!;
  const t = k >= 0 ? x * s : x / s;
  const m = Math.floor(t);
  const lo = k >= 0 ? m / s : m * s;
  const hi = k >= 0 ? (m + 1) / s : (m + 1) * s;
  const loOk = Math.fround(lo) === x;
  const hiOk = Math.fround(hi) === x;
  if (loOk && hiOk) {
    // Both neighbours read back as x: the nearer one, and on an exact tie the even one (as Ryu).
    const d = t - m;
    return d < 0.5 || (d === 0.5 && m % 2 === 0) ? lo : hi;
  }
  return loOk ? lo : hiOk ? hi : NaN;
}

function slowPath(x: number): number {
  for (let p = 1; p < 9; p++) {
    const d = Number(x.toPrecision(p));
    if (Math.fround(d) === x) return d;
  }
  return Number(x.toPrecision(9));
}

/**
 * The double whose shortest decimal is the shortest decimal of the float32 nearest to `v`.
 * NaN and ±Infinity pass through (JSON serialisation is the caller's business).
 */
export function shortestFloat32(v: number): number {
  const x = Math.fround(v);
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = x < 0 ? -x : x;
  let e = Math.floor(Math.log10(a));
  // log10 may be off by one next to a power of ten.
  if (e >= -22 && e <= 22) {
    const pe = e >= 0 ? POW10[e]! : 1 / POW10[-e]!;
    if (pe > a) e--;
    else if (e < 22 && (e + 1 >= 0 ? POW10[e + 1]! : 1 / POW10[-e - 1]!) <= a) e++;
  }
  // k = p − 1 − e must stay within ±22 for every p in 1..9.
  if (e > 22 || e < -14) return slowPath(x);
  // Binary search for the least p in 1..9 whose candidate reads back (p = 9 always does, so it is
  // probed only when nothing shorter did).
  let best = NaN;
  let lo = 1;
  let hi = 9;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const c = candidate(x, e, mid);
    if (c === c) {
      hi = mid;
      best = c;
    } else {
      lo = mid + 1;
    }
  }
  if (best !== best) best = candidate(x, e, 9);
  return best === best ? best : slowPath(x);
}

/** A plain array of every element as `shortestFloat32`. */
export function shortestFloat32Array(values: ArrayLike<number>): number[] {
  const out = new Array<number>(values.length);
  for (let i = 0; i < values.length; i++) out[i] = shortestFloat32(values[i]!);
  return out;
}
