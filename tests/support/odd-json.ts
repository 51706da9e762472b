/**
 * JSON with odd object keys — `__proto__`, `constructor`, empty, path syntax, lone surrogates, any code point —
 * for the payload round-trip property tests and the REST fuzz suite. Objects are built with own properties
 * (`__proto__` included), so `JSON.stringify` writes every generated key.
 */
import fc from 'fast-check';

/** Keys that are special somewhere: in JavaScript objects, in msgpack decoders, in Qdrant's key paths. */
export const SPECIAL_KEYS = [
  '__proto__', '__proto_', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__',
  '', ' ', '.', 'a.b', 'a[]', 'a[0]', '$', '"', '\\', '\u0000', '\ud800', '😀', 'é', 'e\u0301', '0', '-1', '1e3',
] as const;

export const oddKey: fc.Arbitrary<string> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...SPECIAL_KEYS) },
  { weight: 2, arbitrary: fc.string({ maxLength: 8, unit: 'binary' }) },
  { weight: 1, arbitrary: fc.string({ maxLength: 8 }) },
);

function ownObject(entries: ReadonlyArray<readonly [string, unknown]>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of entries) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true, configurable: true });
  return out;
}

/** Integers Qdrant keeps exactly (i64, u64), as Quiver holds them: numbers within ±(2^53−1), bigints beyond. */
const exactInteger = fc
  .oneof(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n }), fc.constantFrom(2n ** 63n - 1n, -(2n ** 63n), 2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, 2n ** 64n - 1n))
  .map((n) => (n >= -BigInt(Number.MAX_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n));

function payloadTree(withBigints: boolean) {
  return fc.letrec((tie) => ({
    value: fc.oneof(
      { depthSize: 'small', withCrossShrink: true },
      fc.constant(null),
      fc.boolean(),
      fc.double({ noNaN: true, noDefaultInfinity: true }),
      withBigints ? exactInteger : fc.integer(),
      fc.string({ maxLength: 8, unit: 'binary' }),
      fc.array(tie('value'), { maxLength: 3 }),
      tie('object'),
    ),
    object: fc.array(fc.tuple(oddKey, tie('value')), { maxLength: 4 }).map(ownObject),
  }));
}

/** A payload object whose keys, at every depth, may be any of {@link oddKey}. */
export const oddPayload = payloadTree(false).object;

/** {@link oddPayload} whose integers may be any i64 / u64 (bigints beyond ±(2^53−1)): write it with exact JSON. */
export const oddExactPayload = payloadTree(true).object;
