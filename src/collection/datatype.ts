/**
 * Storage datatypes of dense vectors (`datatype` of VectorParams), applied to a vector as it is stored
 * so reads and scores see what Qdrant keeps: `uint8` is Rust's `f32 as u8` (truncated toward zero and
 * saturated: 256.19 → 255, 3.7 → 3, -1 → 0), `float16` is the nearest half-precision value (ties to
 * even, as `half::f16::from_f32`), `float32` is unchanged. In place, no allocation.
 *
 * `turbo4` (Qdrant 1.19: 4 bits per element, TurboQuant) is accepted and echoed, but Quiver keeps such
 * vectors as float32: reads return the stored values unrounded and scores are exact, where Qdrant's are
 * those of the 4-bit codes. README "Differences" says so.
 */
export type Datatype = 'float32' | 'float16' | 'uint8' | 'turbo4';

const F16_MIN_SUBNORMAL = 2 ** -24;
/** Values at or above this round to infinity in float16 (half-way between 65504 and 65536). */
const F16_OVERFLOW = 65520;

function roundHalfEven(q: number): number {
  const f = Math.floor(q);
  const d = q - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** The float16 value nearest to `x` (a float32), as a number. `Math.f16round` is not in Node 20. */
export function f16round(x: number): number {
  if (x === 0 || !Number.isFinite(x)) return x;
  const a = Math.abs(x);
  if (a >= F16_OVERFLOW) return x > 0 ? Infinity : -Infinity;
  let e = Math.floor(Math.log2(a));
  if (2 ** e > a) e--;
  else if (2 ** (e + 1) <= a) e++;
  // Normal numbers keep 10 fraction bits; below 2^-14 the step is fixed (subnormals).
  const step = e < -14 ? F16_MIN_SUBNORMAL : 2 ** (e - 10);
  const r = roundHalfEven(a / step) * step;
  return x < 0 ? -r : r;
}

/** Converts a stored vector's components to what `datatype` keeps. */
export function applyDatatype(v: Float32Array, datatype: Datatype): Float32Array {
  if (datatype === 'uint8') {
    for (let i = 0; i < v.length; i++) {
      const x = v[i]!;
      v[i] = x >= 255 ? 255 : x > 0 ? Math.trunc(x) : 0;
    }
  } else if (datatype === 'float16') {
    for (let i = 0; i < v.length; i++) v[i] = f16round(v[i]!);
  }
  return v;
}
