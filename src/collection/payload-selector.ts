/**
 * `with_payload: {include}` / `{exclude}` as Qdrant applies them (lib/segment/src/types.rs
 * `PayloadSelector::process` over `JsonPath::value_filter`): the payload is walked as a tree, each
 * object key adding a key step and each array element a `[]` step to the path; a node is kept when
 *
 * - include: some pattern and the path agree on their common length (one is a prefix of the other),
 *   so `country.cities[].sightseeing` keeps `country`, `cities`, every city, and each city's
 *   `sightseeing` with all its elements (and nothing else of the city);
 * - exclude: no pattern is a prefix of the path, so `country.cities[].sightseeing` drops the
 *   `sightseeing` of every city and keeps the rest.
 *
 * An array element is always reached by `[]`, never by `[n]`: a pattern with an index keeps the
 * array but none of its elements (`cities[0].name` → `cities: []`), as in Qdrant.
 */
import { parseJsonPath, setOwn, type JsonPath, type JsonPathItem } from '../index/json-path.js';
import { isObject } from '../json.js';
import type { Payload } from './types.js';

const WILDCARD: JsonPathItem = Object.freeze({ kind: 'wildcard' });

function sameItem(a: JsonPathItem, b: JsonPathItem): boolean {
  if (a.kind === 'key') return b.kind === 'key' && a.key === b.key;
  if (a.kind === 'index') return b.kind === 'index' && a.index === b.index;
  return b.kind === 'wildcard';
}

/** The first `n` steps of `path` and `pattern` are equal. */
function agree(path: readonly JsonPathItem[], pattern: JsonPath, n: number): boolean {
  for (let i = 0; i < n; i++) if (!sameItem(path[i]!, pattern[i]!)) return false;
  return true;
}

/** Qdrant `JsonPath::check_include_pattern`: one of path and pattern is a prefix of the other. */
function included(path: readonly JsonPathItem[], patterns: readonly JsonPath[]): boolean {
  return patterns.some((p) => agree(path, p, Math.min(path.length, p.length)));
}

/** Qdrant `JsonPath::check_exclude_pattern`: the pattern is a prefix of the path. */
function excluded(path: readonly JsonPathItem[], patterns: readonly JsonPath[]): boolean {
  return patterns.some((p) => p.length <= path.length && agree(path, p, p.length));
}

/** Qdrant `run_filter`: a copy of `value` keeping the nodes `keep` accepts (path is a reused stack). */
function filterValue(value: unknown, path: JsonPathItem[], keep: (path: readonly JsonPathItem[]) => boolean): unknown {
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    path.push(WILDCARD);
    if (keep(path)) for (const element of value) out.push(filterValue(element, path, keep));
    path.pop();
    return out;
  }
  if (isObject(value)) {
    const out: Record<string, unknown> = {};
    for (const [key, v] of Object.entries(value)) {
      path.push({ kind: 'key', key });
      if (keep(path)) setOwn(out, key, filterValue(v, path, keep));
      path.pop();
    }
    return out;
  }
  return value;
}

/** The payload cut to the `include` (or `exclude`) key paths, Qdrant's way. */
export function filterPayload(payload: Payload, paths: readonly string[], mode: 'include' | 'exclude'): Payload {
  const patterns = paths.map((p) => parseJsonPath(p));
  const keep = mode === 'include' ? (path: readonly JsonPathItem[]) => included(path, patterns) : (path: readonly JsonPathItem[]) => !excluded(path, patterns);
  return filterValue(payload, [], keep) as Payload;
}
