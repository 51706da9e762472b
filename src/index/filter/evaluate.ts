import type { PointId } from '../../storage/point-id.js';
import { MISSING, MultiValue, arrayKey, resolvePath } from '../json-path.js';
import { isObject } from '../../json.js';
import type { JsonPath } from '../json-path.js';
import type { JsonRecord } from '../../json.js';
import { parseDatetime } from '../payload/datetime-value.js';
import { inBoundingBox, inPolygon, inRadius } from '../payload/geo-math.js';
import { inRange } from '../payload/range-check.js';
import { sliceOf } from './slice.js';
import { hasAllTokens, hasAnyToken, hasPhrase } from '../payload/tokenizer.js';
import type { TextAnalyzer } from '../payload/tokenizer.js';
import type { Condition, FieldCondition, Filter, Match, NestedCondition, Range, ValuesCount } from './types.js';

/** What `matches()` needs to know about a point. */
export interface PointView {
  readonly id: PointId;
  readonly payload: JsonRecord | undefined;
  /** Whether the point has a vector of this name (`""` = the default unnamed vector). */
  hasVector(name: string): boolean;
}

/**
 * Collection state that changes how conditions evaluate. Qdrant evaluates `match.text`,
 * `text_any` and `phrase` with the field's full-text tokenizer when the field has a text index,
 * and as plain substring tests otherwise. `FieldIndexes` implements this.
 */
export interface EvaluationContext {
  /** The analyzer of the text index on this canonical path, if there is one. */
  textAnalyzer(path: string): TextAnalyzer | undefined;
}

const NO_INDEXES: EvaluationContext = Object.freeze({ textAnalyzer: () => undefined });

/**
 * Whether `point` satisfies `filter`, with Qdrant's semantics:
 * - `must`: all hold; `must_not`: none holds; `should`: one holds (`should: []` matches nothing);
 *   `min_should`: at least `min_count` hold; an empty filter matches everything;
 * - a field condition holds when one of the values at its key does (leaf arrays: one element);
 *   a missing field fails every check except `is_empty: true` and `is_null: false`;
 * - `except` holds when some value is not in the list (values of another type count, `null` does not);
 * - `is_empty`: missing, `null`, `[]` (or only such values); `is_null`: an explicit `null`;
 * - `values_count` counts array elements (a scalar is 1, `null` is 0);
 * - `match.prefix`: a string value that starts with the prefix (case-sensitive, as exact keywords);
 * - `slice`: the id falls into the slice (see `slice.ts`);
 * - `nested`: the filter holds for one object of the array at the key (`has_id` / `has_vector` /
 *   `slice` never hold inside `nested`).
 */
export function matches(filter: Filter, point: PointView, ctx: EvaluationContext = NO_INDEXES): boolean {
  return checkFilter(filter, point.payload, point, ctx, null);
}

function checkFilter(
  f: Filter,
  payload: JsonRecord | undefined,
  point: PointView | null,
  ctx: EvaluationContext,
  prefix: string | null,
): boolean {
  if (f.must !== null) {
    for (const c of f.must) if (!checkCondition(c, payload, point, ctx, prefix)) return false;
  }
  if (f.mustNot !== null) {
    for (const c of f.mustNot) if (checkCondition(c, payload, point, ctx, prefix)) return false;
  }
  if (f.should !== null) {
    let any = false;
    for (const c of f.should) {
      if (checkCondition(c, payload, point, ctx, prefix)) {
        any = true;
        break;
      }
    }
    if (!any) return false;
  }
  if (f.minShould !== null) {
    const need = f.minShould.minCount;
    let count = 0;
    if (count < need) {
      for (const c of f.minShould.conditions) {
        if (checkCondition(c, payload, point, ctx, prefix) && ++count >= need) break;
      }
    }
    if (count < need) return false;
  }
  return true;
}

function checkCondition(
  c: Condition,
  payload: JsonRecord | undefined,
  point: PointView | null,
  ctx: EvaluationContext,
  prefix: string | null,
): boolean {
  switch (c.kind) {
    case 'field':
      return checkField(c, payload, ctx, prefix);
    case 'is_empty':
      return isEmptyAt(payload, c.key);
    case 'is_null':
      return isNullAt(payload, c.key);
    case 'has_id':
      return point !== null && c.set.has(point.id);
    case 'has_vector':
      return point !== null && point.hasVector(c.name);
    case 'slice':
      return point !== null && sliceOf(point.id, c.total) === c.index;
    case 'nested':
      return checkNested(c, payload, ctx, prefix);
    case 'filter':
      return checkFilter(c.filter, payload, point, ctx, prefix);
  }
}

const arrayKeys = new WeakMap<NestedCondition, JsonPath>();

function checkNested(c: NestedCondition, payload: JsonRecord | undefined, ctx: EvaluationContext, prefix: string | null): boolean {
  let key = arrayKeys.get(c);
  if (key === undefined) {
    key = arrayKey(c.key);
    arrayKeys.set(c, key);
  }
  const r = resolvePath(payload, key);
  if (!(r instanceof MultiValue)) return false;
  const innerPrefix = prefix === null ? key.text : `${prefix}.${key.text}`;
  for (const element of r.values) {
    if (isObject(element) && checkFilter(c.filter, element, null, ctx, innerPrefix)) return true;
  }
  return false;
}

/** Qdrant `check_is_empty`: every value is `null` or `[]` (true when there is none). */
function isEmptyAt(payload: JsonRecord | undefined, key: JsonPath): boolean {
  const r = resolvePath(payload, key);
  if (r === MISSING) return true;
  if (r instanceof MultiValue) {
    for (const v of r.values) if (!isNullOrEmptyArray(v)) return false;
    return true;
  }
  return isNullOrEmptyArray(r);
}

function isNullOrEmptyArray(v: unknown): boolean {
  return v === null || (Array.isArray(v) && v.length === 0);
}

/** Qdrant `check_is_null`: some value is `null` (or an array holding `null`). */
function isNullAt(payload: JsonRecord | undefined, key: JsonPath): boolean {
  const r = resolvePath(payload, key);
  if (r === MISSING) return false;
  if (r instanceof MultiValue) {
    for (const v of r.values) if (holdsNull(v)) return true;
    return false;
  }
  return holdsNull(r);
}

function holdsNull(v: unknown): boolean {
  return v === null || (Array.isArray(v) && v.includes(null));
}

function isTextMatch(m: Match): boolean {
  return m.kind === 'text' || m.kind === 'text_any' || m.kind === 'phrase';
}

function checkField(c: FieldCondition, payload: JsonRecord | undefined, ctx: EvaluationContext, prefix: string | null): boolean {
  const r = resolvePath(payload, c.key);
  if (r === MISSING || (r instanceof MultiValue && r.values.length === 0)) {
    // Qdrant `FieldCondition::check_empty`.
    if (c.isEmpty !== null) return c.isEmpty;
    if (c.isNull !== null) return !c.isNull;
    return false;
  }
  if (c.match !== null && isTextMatch(c.match) && c.valuesCount === null && c.isEmpty === null && c.isNull === null) {
    const analyzer = ctx.textAnalyzer(prefix === null ? c.key.text : `${prefix}.${c.key.text}`);
    if (analyzer !== undefined) return checkTextIndexed(c.match, r, analyzer);
  }
  if (r instanceof MultiValue) {
    for (const v of r.values) if (checkValue(c, v)) return true;
    return false;
  }
  return checkValue(c, r);
}

/** One value found at the key (Qdrant `FieldCondition::check`). */
function checkValue(c: FieldCondition, v: unknown): boolean {
  if (c.valuesCount !== null) return countOk(c.valuesCount, v === null ? 0 : Array.isArray(v) ? v.length : 1);
  if (c.isEmpty !== null) {
    if (v === null) return c.isEmpty;
    if (Array.isArray(v)) return (v.length === 0) === c.isEmpty;
    return !c.isEmpty;
  }
  if (c.isNull !== null) {
    if (v === null) return c.isNull;
    if (Array.isArray(v)) return v.includes(null) === c.isNull;
    return !c.isNull;
  }
  if (Array.isArray(v)) {
    for (const element of v) if (checkScalar(c, element)) return true;
    return false;
  }
  return checkScalar(c, v);
}

function countOk(vc: ValuesCount, n: number): boolean {
  return (vc.lt === null || n < vc.lt) && (vc.gt === null || n > vc.gt) && (vc.lte === null || n <= vc.lte) && (vc.gte === null || n >= vc.gte);
}

/** Qdrant `FieldCondition::check_match`: the checks of one condition are OR-ed. */
function checkScalar(c: FieldCondition, v: unknown): boolean {
  if (c.match !== null && checkMatch(c.match, v)) return true;
  if (c.range !== null && checkRange(c.range, v)) return true;
  if (c.geoBoundingBox !== null || c.geoRadius !== null || c.geoPolygon !== null) {
    if (!isObject(v)) return false;
    const lat = Object.hasOwn(v, 'lat') ? v['lat'] : undefined;
    const lon = Object.hasOwn(v, 'lon') ? v['lon'] : undefined;
    if (typeof lat !== 'number' || typeof lon !== 'number') return false;
    if (c.geoBoundingBox !== null && inBoundingBox(c.geoBoundingBox, lat, lon)) return true;
    if (c.geoRadius !== null && inRadius(c.geoRadius, lat, lon)) return true;
    if (c.geoPolygon !== null && inPolygon(c.geoPolygon, lat, lon)) return true;
  }
  return false;
}

const WHITESPACE = /\p{White_Space}+/u;
const textAnyWords = new WeakMap<Match, readonly string[]>();

function checkMatch(m: Match, v: unknown): boolean {
  switch (m.kind) {
    case 'value':
      return v === m.value;
    case 'text':
    case 'phrase':
      return typeof v === 'string' && v.includes(m.text);
    case 'text_any': {
      if (typeof v !== 'string') return false;
      let words = textAnyWords.get(m);
      if (words === undefined) {
        words = m.text.split(WHITESPACE).filter((w) => w.length > 0);
        textAnyWords.set(m, words);
      }
      for (const w of words) if (v.includes(w)) return true;
      return false;
    }
    case 'prefix':
      return typeof v === 'string' && v.startsWith(m.prefix);
    case 'any':
      if (typeof v === 'string') return m.keywords !== null && m.keywords.has(v);
      if (typeof v === 'number' || typeof v === 'bigint') return m.integers !== null && m.integers.has(v);
      return false;
    case 'except':
      // Qdrant `Match::Except::check_match`: a value of another type counts as "not in the list".
      if (v === null) return false;
      if (typeof v === 'string') return m.keywords === null || !m.keywords.has(v);
      if (typeof v === 'number') return m.integers === null || !Number.isInteger(v) || !m.integers.has(v);
      if (typeof v === 'bigint') return m.integers === null || !m.integers.has(v);
      return true;
  }
}

function checkRange(r: Range, v: unknown): boolean {
  if (r.kind === 'number') return (typeof v === 'number' || typeof v === 'bigint') && inRange(r, v);
  if (typeof v !== 'string') return false;
  const micros = parseDatetime(v);
  return micros !== null && inRange(r, micros);
}

interface QueryTokens {
  readonly analyzer: TextAnalyzer;
  readonly tokens: readonly string[];
}

const queryTokens = new WeakMap<Match, QueryTokens>();

function tokensOf(m: Match & { readonly text: string }, analyzer: TextAnalyzer): readonly string[] {
  const cached = queryTokens.get(m);
  if (cached !== undefined && cached.analyzer === analyzer) return cached.tokens;
  const tokens = m.kind === 'phrase' ? analyzer.documentTokens(m.text) : analyzer.queryTokens(m.text);
  queryTokens.set(m, { analyzer, tokens });
  return tokens;
}

/**
 * Text matches on a field with a text index, as Qdrant's full-text index answers them: the point's
 * string values (strings of arrays included) form one token set for `text` / `text_any`; `phrase`
 * must occur inside one string value.
 */
function checkTextIndexed(m: Match, resolved: unknown, analyzer: TextAnalyzer): boolean {
  if (m.kind !== 'text' && m.kind !== 'text_any' && m.kind !== 'phrase') return false;
  const query = tokensOf(m, analyzer);
  if (query.length === 0) return false;
  const strings: string[] = [];
  if (resolved instanceof MultiValue) for (const v of resolved.values) pushStrings(v, strings);
  else pushStrings(resolved, strings);
  if (strings.length === 0) return false;
  if (m.kind === 'phrase') {
    for (const s of strings) if (hasPhrase(analyzer.documentTokens(s), query)) return true;
    return false;
  }
  const doc = analyzer.documentTokenSet(strings[0] as string);
  for (let i = 1; i < strings.length; i++) for (const t of analyzer.documentTokens(strings[i] as string)) doc.add(t);
  return m.kind === 'text' ? hasAllTokens(doc, query) : hasAnyToken(doc, query);
}

function pushStrings(v: unknown, out: string[]): void {
  if (typeof v === 'string') out.push(v);
  else if (Array.isArray(v)) for (const e of v) if (typeof e === 'string') out.push(e);
}
