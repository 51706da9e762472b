/**
 * JSON with exact 64-bit integers. Qdrant keeps payload integers as i64 (u64 above `i64::MAX`, serde_json);
 * `JSON.parse` turns `9007199254740993` into `9007199254740992` without a word. Quiver keeps such integers as
 * `bigint`: an integer literal beyond ±(2^53−1) and within [−2^63, 2^64−1] parses to a bigint, every other
 * number to a JS number (safe integers stay numbers, so a bigint always means "beyond the safe range" and
 * `===`, `Set` and `Map` compare integers exactly); an integer literal beyond the u64 range is a float, as serde_json
 * reads it. Relational operators compare bigints and numbers exactly, so ranges need no conversion.
 *
 * `JSON.parse` stays the parser of every ordinary text: the lossless parser (lossless-json) runs only when the
 * parsed value holds a number beyond the safe range, and `JSON.stringify` stays the writer unless a bigint is
 * present. A leaf like `json.ts`: every layer may import it.
 */
import { parse as parseLossless, stringify as stringifyLossless } from 'lossless-json';

const I64_MIN = -(2n ** 63n);
const U64_MAX = 2n ** 64n - 1n;
const SAFE_DIGITS = String(Number.MAX_SAFE_INTEGER).length;
const INTEGER_LITERAL = /^-?\d+$/;

/** Values that went through the lossless parser and hold a bigint (a REST body, a stored payload). */
const holdingBigints = new WeakSet<object>();

function unsafe(n: number): boolean {
  return n > Number.MAX_SAFE_INTEGER || n < -Number.MAX_SAFE_INTEGER;
}

/**
 * True when `value` holds a number beyond ±(2^53−1) (iteratively: bodies may nest deeply). Every such double is
 * integral, but it may have been written as a float (`1e20`): only the text tells, so the text that `JSON.parse`
 * made `value` of is parsed again with {@link parseExactJson}. The common case costs one walk over the numbers.
 */
export function holdsLargeNumber(value: unknown): boolean {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'number') {
      if (unsafe(v)) return true;
    } else if (Array.isArray(v)) {
      for (const x of v) if (typeof x !== 'number' || unsafe(x)) stack.push(x);
    } else if (typeof v === 'object' && v !== null) {
      for (const k in v) if (Object.hasOwn(v, k)) stack.push((v as Record<string, unknown>)[k]);
    }
  }
  return false;
}

/**
 * An exact integer as Quiver holds it: a number when it is within ±(2^53−1), else the bigint (which must be
 * within [−2^63, 2^64−1]).
 */
export function exactInteger(n: bigint): number | bigint {
  return n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
}

/** True for an integer within [−2^63, 2^64−1] (Qdrant's i64 and u64 payload integers). */
function inIntegerRange(n: bigint): boolean {
  return n >= I64_MIN && n <= U64_MAX;
}

/**
 * JSON text → value with exact integers (see the module comment). Duplicate keys keep the last value and a
 * `__proto__` key is an own property, as with `JSON.parse`.
 * @throws SyntaxError for text that is not JSON
 */
export function parseExactJson(text: string): unknown {
  let bigints = false;
  const value: unknown = parseLossless(text, null, {
    parseNumber: (literal: string) => {
      if (!INTEGER_LITERAL.test(literal) || literal.length - (literal.startsWith('-') ? 1 : 0) < SAFE_DIGITS) return Number(literal);
      const n = BigInt(literal);
      if (!inIntegerRange(n)) return Number(literal);
      const exact = exactInteger(n);
      if (typeof exact === 'bigint') bigints = true;
      return exact;
    },
    onDuplicateKey: ({ newValue }) => newValue,
  });
  if (bigints && typeof value === 'object' && value !== null) holdingBigints.add(value);
  return value;
}

/** True when `value` came from {@link parseExactJson} (or was {@link noteBigints noted}) and holds a bigint somewhere. */
export function parsedWithBigints(value: unknown): boolean {
  return typeof value === 'object' && value !== null && holdingBigints.has(value);
}

/** `value` (assembled from pieces {@link parseExactJson} parsed), remembered as holding bigints when it does. */
export function noteBigints(value: unknown): unknown {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (typeof v === 'bigint') {
      if (typeof value === 'object' && value !== null) holdingBigints.add(value);
      break;
    }
    if (Array.isArray(v)) for (const x of v) stack.push(x);
    else if (typeof v === 'object' && v !== null) for (const k of Object.keys(v)) stack.push((v as Record<string, unknown>)[k]);
  }
  return value;
}

function isBigintError(e: unknown): boolean {
  return e instanceof TypeError && /BigInt/i.test(e.message);
}

/**
 * Doubles beyond ±(2^53−1) are integral, and `JSON.stringify` writes them as bare digits (`1e20` as
 * `100000000000000000000`) which {@link parseExactJson} would read as integers: in exact text they carry an
 * exponent (`1e+20`), so floats read back as floats.
 */
const LARGE_DOUBLE = [{ test: (v: unknown) => typeof v === 'number' && unsafe(v) && Number.isFinite(v), stringify: (v: unknown) => (v as number).toExponential() }];

/** JSON text of `value`, bigints written as their exact digits (`JSON.stringify` when there is none). */
export function stringifyJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch (e) {
    if (!isBigintError(e)) throw e;
    return stringifyLossless(value) ?? 'null';
  }
}

/**
 * Exact text for {@link parseExactJson}: `exact` is false (and `text` is `JSON.stringify`'s) when `value` holds
 * no bigint; otherwise bigints are digits and large doubles carry an exponent.
 */
export function stringifyExact(value: unknown): { text: string; exact: boolean } {
  try {
    return { text: JSON.stringify(value), exact: false };
  } catch (e) {
    if (!isBigintError(e)) throw e;
    return { text: stringifyLossless(value, undefined, undefined, LARGE_DOUBLE) ?? 'null', exact: true };
  }
}

/** A copy of `value` with every bigint as the nearest double (for checks that know only JSON numbers). */
export function approximateBigints(value: unknown): unknown {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(approximateBigints);
  if (typeof value === 'object' && value !== null) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value)) Object.defineProperty(out, k, { value: approximateBigints((value as Record<string, unknown>)[k]), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return value;
}
