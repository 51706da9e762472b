import { badInput } from '../errors.js';
import { isObject, type JsonRecord } from '../json.js';

/**
 * Qdrant payload key paths (`lib/segment/src/json_path`): `a.b.c`, `a[].b` (every element of an
 * array), `a[0].b` (one element), `a."b.c"` (a quoted key that may hold any character but `"` and `\`).
 *
 * Semantics follow Qdrant exactly: a key step only walks into objects. An array in the middle of
 * a path is not entered unless the path says `[]` or `[n]` (`country.cities.name` finds nothing
 * when `cities` is an array; `country.cities[].name` finds every city name). An array found at
 * the end of a path is returned as one value; conditions flatten it one level when they test it.
 */
export type JsonPathItem =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

/**
 * A parsed key path: its steps in order (the first step is always a key) plus `text`, the
 * canonical spelling, usable as a map key (`a."b c"[0][]`).
 */
export type JsonPath = readonly JsonPathItem[] & { readonly text: string };

const WILDCARD: JsonPathItem = Object.freeze({ kind: 'wildcard' });
const RAW_CHAR = /[\p{Alphabetic}\p{N}_-]/u;
const RAW_KEY = /^[\p{Alphabetic}\p{N}_-]+$/u;

/**
 * Parses a key path.
 * @throws AppError(BAD_INPUT) `Invalid json path: '…'` when the text is not a valid path.
 */
export function parseJsonPath(text: string): JsonPath {
  const cached = cache.get(text);
  if (cached !== undefined) return cached;
  const parsed = parseUncached(text);
  if (parsed === null) throw badInput(`Invalid json path: '${text}'`);
  if (cache.size >= CACHE_LIMIT) cache.clear();
  cache.set(text, parsed);
  return parsed;
}

/** Like {@link parseJsonPath} but returns null instead of throwing. */
export function tryParseJsonPath(text: string): JsonPath | null {
  try {
    return parseJsonPath(text);
  } catch {
    return null;
  }
}

const CACHE_LIMIT = 4096;
const cache = new Map<string, JsonPath>();

function parseUncached(s: string): JsonPath | null {
  let pos = 0;
  const readKey = (): string | null => {
    if (s[pos] === '"') {
      const end = s.indexOf('"', pos + 1);
      if (end < 0) return null;
      const key = s.slice(pos + 1, end);
      if (key.includes('\\')) return null;
      pos = end + 1;
      return key;
    }
    const start = pos;
    while (pos < s.length) {
      const cp = s.codePointAt(pos) ?? 0;
      const ch = String.fromCodePoint(cp);
      if (!RAW_CHAR.test(ch)) break;
      pos += ch.length;
    }
    return pos > start ? s.slice(start, pos) : null;
  };

  const first = readKey();
  if (first === null) return null;
  const rest: JsonPathItem[] = [];
  while (pos < s.length) {
    const c = s[pos];
    if (c === '.') {
      pos++;
      const key = readKey();
      if (key === null) return null;
      rest.push({ kind: 'key', key });
    } else if (c === '[') {
      if (s[pos + 1] === ']') {
        rest.push(WILDCARD);
        pos += 2;
        continue;
      }
      const close = s.indexOf(']', pos + 1);
      if (close < 0) return null;
      const digits = s.slice(pos + 1, close);
      if (!/^[0-9]+$/.test(digits)) return null;
      const index = Number(digits);
      if (!Number.isSafeInteger(index)) return null;
      rest.push({ kind: 'index', index });
      pos = close + 1;
    } else {
      return null;
    }
  }
  return makePath(first, rest);
}

function makePath(first: string, rest: readonly JsonPathItem[]): JsonPath {
  const items: JsonPathItem[] = [{ kind: 'key', key: first }, ...rest];
  return Object.freeze(Object.assign(items, { text: formatItems(first, rest) }));
}

/** The key of the first step. */
export function firstKey(path: JsonPath): string {
  const head = path[0];
  return head !== undefined && head.kind === 'key' ? head.key : '';
}

function formatKey(key: string): string {
  return RAW_KEY.test(key) ? key : `"${key}"`;
}

function formatItems(first: string, rest: readonly JsonPathItem[]): string {
  let out = formatKey(first);
  for (const item of rest) {
    if (item.kind === 'key') out += `.${formatKey(item.key)}`;
    else if (item.kind === 'index') out += `[${item.index}]`;
    else out += '[]';
  }
  return out;
}

/** `a.b` → `a.b[]`; a path already ending in `[]` is returned unchanged (Qdrant `array_key`). */
export function arrayKey(path: JsonPath): JsonPath {
  const last = path[path.length - 1];
  if (last !== undefined && last.kind === 'wildcard') return path;
  return makePath(firstKey(path), [...path.slice(1), WILDCARD]);
}

/** `base` followed by every step of `other` (Qdrant `JsonPath::extend`). */
export function extendJsonPath(base: JsonPath, other: JsonPath): JsonPath {
  return makePath(firstKey(base), [...base.slice(1), ...other]);
}

/** Own-property read: never returns inherited members such as `constructor` or `__proto__`. */
export function ownValue(obj: JsonRecord, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** Own-property write that is safe for keys such as `__proto__`. */
export function setOwn(obj: JsonRecord, key: string, value: unknown): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Marker for "the path holds no value". */
export const MISSING: unique symbol = Symbol('missing');

/**
 * Several values found through `[]` steps. Only allocated when a path fans out, so the common
 * single-value lookup allocates nothing.
 */
export class MultiValue {
  constructor(readonly values: unknown[]) {}
}

/**
 * The values at `path`: {@link MISSING}, one value, or a {@link MultiValue} (possibly empty).
 * Leaf arrays are returned as one array value, exactly like Qdrant's `value_get`.
 */
export function resolvePath(payload: JsonRecord | null | undefined, path: JsonPath): unknown {
  if (payload === undefined || payload === null) return MISSING;
  const first = firstKey(path);
  if (!Object.hasOwn(payload, first)) return MISSING;
  let value: unknown = payload[first];
  const rest = path;
  for (let i = 1; i < rest.length; i++) {
    const item = rest[i] as JsonPathItem;
    if (item.kind === 'key') {
      if (!isObject(value) || !Object.hasOwn(value, item.key)) return MISSING;
      value = value[item.key];
    } else if (item.kind === 'index') {
      if (!Array.isArray(value) || item.index >= value.length) return MISSING;
      value = value[item.index];
    } else {
      if (!Array.isArray(value)) return MISSING;
      const out: unknown[] = [];
      for (const element of value) collectFrom(element, rest, i + 1, out);
      return new MultiValue(out);
    }
  }
  return value;
}

function collectFrom(value: unknown, rest: readonly JsonPathItem[], from: number, out: unknown[]): void {
  let current = value;
  for (let i = from; i < rest.length; i++) {
    const item = rest[i] as JsonPathItem;
    if (item.kind === 'key') {
      if (!isObject(current) || !Object.hasOwn(current, item.key)) return;
      current = current[item.key];
    } else if (item.kind === 'index') {
      if (!Array.isArray(current) || item.index >= current.length) return;
      current = current[item.index];
    } else {
      if (!Array.isArray(current)) return;
      for (const element of current) collectFrom(element, rest, i + 1, out);
      return;
    }
  }
  out.push(current);
}

/**
 * The values at `path` with leaf arrays flattened one level, as conditions and payload indexes
 * see them: `{"a": [1, [2]]}` at `a` gives `1, [2]`. Accepts a path or its text.
 * @throws AppError(BAD_INPUT) when `path` is text that does not parse.
 */
export function valuesAt(payload: JsonRecord | null | undefined, path: JsonPath | string): unknown[] {
  return leafValues(payload, typeof path === 'string' ? parseJsonPath(path) : path);
}

/** The values at `path` exactly as Qdrant's `value_get` returns them (leaf arrays kept whole). */
export function rawValuesAt(payload: JsonRecord | null | undefined, path: JsonPath | string): unknown[] {
  const resolved = resolvePath(payload, typeof path === 'string' ? parseJsonPath(path) : path);
  if (resolved === MISSING) return [];
  if (resolved instanceof MultiValue) return resolved.values;
  return [resolved];
}

/** The values at `path` with leaf arrays flattened one level (what payload indexes read). */
export function leafValues(payload: JsonRecord | null | undefined, path: JsonPath): unknown[] {
  const resolved = resolvePath(payload, path);
  if (resolved === MISSING) return [];
  const out: unknown[] = [];
  if (resolved instanceof MultiValue) {
    for (const v of resolved.values) pushFlat(v, out);
  } else {
    pushFlat(resolved, out);
  }
  return out;
}

function pushFlat(value: unknown, out: unknown[]): void {
  if (Array.isArray(value)) for (const v of value) out.push(v);
  else out.push(value);
}

/**
 * Qdrant's `merge_map`: copies `src` keys into `dest`; a `null` value deletes the key.
 * Mutates `dest`, which must be a fresh copy owned by the caller.
 */
export function mergeInto(dest: JsonRecord, src: JsonRecord): void {
  for (const key of Object.keys(src)) {
    const v = src[key];
    if (v === null) delete dest[key];
    else setOwn(dest, key, v);
  }
}

/**
 * Returns a copy of `payload` with `src` merged at `path` (Qdrant `JsonPath::value_set`). Objects
 * are created where the path is missing or holds a non-object; `[n]` only updates an existing
 * element; `[]` updates every element of an existing array and replaces a non-array with `[]`.
 * Only the containers along the path are copied; other subtrees are shared.
 */
export function setAtPath(payload: JsonRecord, path: JsonPath | null, src: JsonRecord): JsonRecord {
  const out = { ...payload };
  if (path === null) {
    mergeInto(out, src);
    return out;
  }
  const first = firstKey(path);
  setOwn(out, first, setValue(ownValue(payload, first), path, 1, src));
  return out;
}

function setValue(value: unknown, rest: readonly JsonPathItem[], i: number, src: JsonRecord): unknown {
  const item = rest[i];
  if (item === undefined) {
    const obj: JsonRecord = isObject(value) ? { ...value } : {};
    mergeInto(obj, src);
    return obj;
  }
  if (item.kind === 'key') {
    const obj: JsonRecord = isObject(value) ? { ...value } : {};
    setOwn(obj, item.key, setValue(ownValue(obj, item.key), rest, i + 1, src));
    return obj;
  }
  if (item.kind === 'index') {
    const arr = Array.isArray(value) ? value.slice() : [];
    if (item.index < arr.length) arr[item.index] = setValue(arr[item.index], rest, i + 1, src);
    return arr;
  }
  if (!Array.isArray(value)) return [];
  return value.map((element) => setValue(element, rest, i + 1, src));
}

/**
 * Returns a copy of `payload` without the values at `path` (Qdrant `JsonPath::value_remove`):
 * a final key is deleted, a final `[]` empties the array, a final `[n]` is ignored (deleting an
 * index is not idempotent). Returns the same object when nothing was removed.
 */
export function removeAtPath(payload: JsonRecord, path: JsonPath): JsonRecord {
  const first = firstKey(path);
  if (!Object.hasOwn(payload, first)) return payload;
  if (path.length === 1) {
    const out = { ...payload };
    delete out[first];
    return out;
  }
  const current = payload[first];
  const next = removeValue(current, path, 1);
  if (next === current) return payload;
  const out = { ...payload };
  setOwn(out, first, next);
  return out;
}

function removeValue(value: unknown, rest: readonly JsonPathItem[], i: number): unknown {
  const item = rest[i] as JsonPathItem;
  const last = i === rest.length - 1;
  if (item.kind === 'key') {
    if (!isObject(value) || !Object.hasOwn(value, item.key)) return value;
    if (last) {
      const obj = { ...value };
      delete obj[item.key];
      return obj;
    }
    const child = value[item.key];
    const next = removeValue(child, rest, i + 1);
    if (next === child) return value;
    const obj = { ...value };
    setOwn(obj, item.key, next);
    return obj;
  }
  if (item.kind === 'index') {
    if (last || !Array.isArray(value) || item.index >= value.length) return value;
    const child: unknown = value[item.index];
    const next = removeValue(child, rest, i + 1);
    if (next === child) return value;
    const arr = value.slice();
    arr[item.index] = next;
    return arr;
  }
  if (!Array.isArray(value)) return value;
  if (last) return value.length === 0 ? value : [];
  let changed = false;
  const arr = value.map((element: unknown) => {
    const next = removeValue(element, rest, i + 1);
    if (next !== element) changed = true;
    return next;
  });
  return changed ? arr : value;
}
