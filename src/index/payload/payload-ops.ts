import { badInput } from '../../errors.js';
import { isJsonObject, parseJsonPath, removeAtPath, setAtPath } from '../json-path.js';
import type { JsonObject } from '../json-path.js';

/**
 * Qdrant's payload update operations as pure functions. Each returns a new payload object and
 * never mutates its inputs; unchanged subtrees are shared with the input, so callers must treat
 * payloads as immutable.
 */

function requireObject(values: unknown, what: string): JsonObject {
  if (!isJsonObject(values)) throw badInput(`${what}: expected a JSON object`);
  return values;
}

/**
 * `set_payload`: merges `values` into the payload. A `null` value deletes the key (Qdrant keeps
 * this behaviour for compatibility). With `key`, the merge happens inside the object at that path,
 * creating objects along the way; `[n]` steps only reach existing elements and `[]` steps update
 * every element of an existing array (Qdrant `JsonPath::value_set`).
 * @throws AppError(BAD_INPUT) for an invalid `key` path.
 */
export function setPayload(payload: JsonObject | null | undefined, values: JsonObject, key?: string | null): JsonObject {
  const src = requireObject(values, 'payload');
  const path = key === undefined || key === null ? null : parseJsonPath(key);
  return setAtPath(payload ?? {}, path, src);
}

/** `overwrite_payload`: the payload becomes exactly `values` (nulls kept); the old payload is irrelevant. */
export function overwritePayload(values: JsonObject): JsonObject {
  return { ...requireObject(values, 'payload') };
}

/**
 * `delete_payload`: removes each key (a path: `a.b`, `a[].b`, `a[]` empties the array; `a[0]`
 * is ignored as in Qdrant). Missing keys are not an error.
 * @throws AppError(BAD_INPUT) for an invalid path.
 */
export function deletePayloadKeys(payload: JsonObject | null | undefined, keys: readonly string[]): JsonObject {
  let out = payload ?? {};
  const paths = keys.map((k) => parseJsonPath(k));
  for (const path of paths) out = removeAtPath(out, path);
  return out === payload ? { ...out } : out;
}

/** `clear_payload`: an empty payload. */
export function clearPayload(): JsonObject {
  return {};
}
