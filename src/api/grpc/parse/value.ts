/**
 * `qdrant.Value` / `Struct` (json_with_int.proto) → the engine's JSON payload values. `integer_value` is an int64
 * that proto-loader hands over as a decimal string (no precision lost on the wire); it becomes a number when it is
 * a safe integer and a bigint beyond ±2^53−1 (`exact-json.ts`), so every int64 survives exactly.
 */
import { AppError } from '../../../errors.js';
import { exactInteger } from '../../../exact-json.js';
import type { Value__Output } from '../generated/qdrant/Value.js';
import type { Payload } from '../../../collection/types.js';

/** Containers nested deeper than this are refused (the REST body parser has the same kind of guard). */
const MAX_VALUE_DEPTH = 64;

function bad(message: string): AppError {
  return new AppError('BAD_REQUEST', [message]);
}

/** An int64 / uint64 decimal string → a safe integer. */
export function safeInteger(text: string | number | undefined, where: string): number {
  const n = typeof text === 'number' ? text : Number(text ?? 0);
  if (!Number.isSafeInteger(n)) throw bad(`${where}: integer ${String(text)} is outside ±2^53−1, which Quiver stores exactly`);
  return n;
}

/** An int64 decimal string (proto-loader's `longs: String`) → an exact integer (a bigint beyond ±2^53−1). */
export function exactInt64(text: string | number | undefined, where: string): number | bigint {
  if (typeof text === 'number') return safeInteger(text, where);
  if (text === undefined) return 0;
  if (!/^-?\d+$/.test(text)) throw bad(`${where}: expected an integer, got ${text}`);
  return exactInteger(BigInt(text));
}

/**
 * A `Value` → a JSON value. `exact` (payloads, filter values): int64 beyond ±2^53−1 as bigints; otherwise (collection
 * metadata, which is configuration) refused with INVALID_ARGUMENT.
 */
export function jsonValue(v: Value__Output | undefined, where: string, depth = 0, exact = true): unknown {
  if (depth > MAX_VALUE_DEPTH) throw bad(`${where}: value nested deeper than ${MAX_VALUE_DEPTH} levels`);
  if (v === undefined) return null;
  switch (v.kind) {
    case 'null_value':
    case undefined:
      return null;
    case 'double_value':
      return v.double_value ?? 0;
    case 'integer_value':
      return exact ? exactInt64(v.integer_value, where) : safeInteger(v.integer_value, where);
    case 'string_value':
      return v.string_value ?? '';
    case 'bool_value':
      return v.bool_value ?? false;
    case 'struct_value':
      return jsonMap(v.struct_value?.fields, where, depth + 1, exact);
    case 'list_value':
      return (v.list_value?.values ?? []).map((x, i) => jsonValue(x, `${where}[${i}]`, depth + 1, exact));
  }
}

/** A `map<string, Value>` (payload, struct fields) → a JSON object. */
export function jsonMap(fields: Record<string, Value__Output> | undefined, where: string, depth = 0, exact = true): Payload {
  const out: Payload = {};
  for (const [k, v] of Object.entries(fields ?? {})) {
    Object.defineProperty(out, k, { value: jsonValue(v, `${where}.${k}`, depth, exact), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
