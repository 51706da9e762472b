/**
 * Engine JSON values → `qdrant.Value` (json_with_int.proto): integral numbers are `integer_value` (so clients see
 * integers as integers, as Qdrant sends them), other numbers `double_value`. An exact integer (bigint) is
 * `integer_value` with all its digits; one above `i64::MAX` (a u64 a REST client wrote) has no int64 slot and is
 * a `double_value`, as Qdrant's `json_to_proto` sends it.
 */
import type { Value } from '../generated/qdrant/Value.js';

const I64_MAX = 2n ** 63n - 1n;

function protoValue(v: unknown): Value {
  if (v === null || v === undefined) return { null_value: 'NULL_VALUE' };
  switch (typeof v) {
    case 'number':
      return Number.isSafeInteger(v) && !Object.is(v, -0) ? { integer_value: v } : { double_value: v };
    case 'bigint':
      return v <= I64_MAX ? { integer_value: v.toString() } : { double_value: Number(v) };
    case 'string':
      return { string_value: v };
    case 'boolean':
      return { bool_value: v };
    case 'object':
      if (Array.isArray(v)) return { list_value: { values: v.map(protoValue) } };
      return { struct_value: { fields: protoMap(v as Record<string, unknown>) } };
    default:
      return { null_value: 'NULL_VALUE' };
  }
}

export function protoMap(o: Record<string, unknown> | null | undefined): Record<string, Value> {
  const out: Record<string, Value> = {};
  if (o == null) return out;
  for (const k of Object.keys(o)) out[k] = protoValue(o[k]);
  return out;
}
