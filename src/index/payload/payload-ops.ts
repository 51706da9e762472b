import { badInput } from '../../errors.js';
import { parseJsonPath, removeAtPath, setAtPath } from '../json-path.js';
import { isObject } from '../../json.js';
import type { JsonRecord } from '../../json.js';

/**
 * Qdrant's payload update operations as pure functions. Each returns a new payload object and
 * never mutates its inputs; unchanged subtrees are shared with the input, so callers must treat
 * payloads as immutable.
 */

function requireObject(values: unknown, what: string): JsonRecord {
  if (!isObject(values)) throw badInput(`${what}: expected a JSON object`);
  return values;
}

/**
 * `set_payload`: merges `values` into the payload. A `null` value deletes the key (Qdrant keeps
 * this behaviour for compatibility). With `key`, the merge happens inside the object at that path,
 * creating objects along the way; `[n]` steps only reach existing elements and `[]` steps update
 * every element of an existing array (Qdrant `JsonPath::value_set`).
 * @throws AppError(BAD_INPUT) for an invalid `key` path.
 */
export function setPayload(payload: JsonRecord | null | undefined, values: JsonRecord, key?: string | null): JsonRecord {
  const src = requireObject(values, 'payload');
  const path = key === undefined || key === null ? null : parseJsonPath(key);
  return setAtPath(payload ?? {}, path, src);
}

/** `overwrite_payload`: the payload becomes exactly `values` (nulls kept); the old payload is irrelevant. */
export function overwritePayload(values: JsonRecord): JsonRecord {
  return { ...requireObject(values, 'payload') };
}

/**
 * `delete_payload`: removes each key (a path: `a.b`, `a[].b`, `a[]` empties the array; `a[0]`
 * is ignored as in Qdrant). Missing keys are not an error.
 * @throws AppError(BAD_INPUT) for an invalid path.
 */
export function deletePayloadKeys(payload: JsonRecord | null | undefined, keys: readonly string[]): JsonRecord {
  let out = payload ?? {};
  const paths = keys.map((k) => parseJsonPath(k));
  for (const path of paths) out = removeAtPath(out, path);
  return out === payload ? { ...out } : out;
}

/** `clear_payload`: an empty payload. */
export function clearPayload(): JsonRecord {
  return {};
}
