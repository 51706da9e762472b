/**
 * JSON value types and the one test for "a JSON object". A leaf like `errors.ts`: it imports nothing, and every
 * layer may import it.
 */

/** A JSON value, as `JSON.parse` returns it. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** A JSON object whose values are JSON values (a stored collection configuration, a snapshot manifest). */
export type JsonObject = { [key: string]: JsonValue };

/** A JSON object whose values are not checked yet (a request body, a payload, a parsed document). */
export type JsonRecord = Record<string, unknown>;

/** True when `v` is a plain JSON object: not null, not an array. */
export function isObject(v: unknown): v is JsonRecord {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
