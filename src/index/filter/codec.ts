/**
 * The typed filter (`types.ts`) as plain JSON data and back, for serialised operations
 * (`collection/operation-codec.ts`). Sets become arrays, key paths their canonical text; the decoded
 * filter is equal to the encoded one (key paths re-parsed, sets rebuilt).
 */
import { parseJsonPath, type JsonPath } from '../json-path.js';
import type { PointId } from '../../storage/point-id.js';
import type { Condition, Filter, Match } from './types.js';

export type EncodedFilter = {
  readonly must: readonly EncodedCondition[] | null;
  readonly should: readonly EncodedCondition[] | null;
  readonly mustNot: readonly EncodedCondition[] | null;
  readonly minShould: { readonly conditions: readonly EncodedCondition[]; readonly minCount: number } | null;
};

/** A condition with its key paths as text and its sets as arrays; otherwise the same fields. */
export type EncodedCondition = { readonly kind: Condition['kind'] } & Readonly<Record<string, unknown>>;

type EncodedMatch = { readonly kind: Match['kind'] } & Readonly<Record<string, unknown>>;

function encodeList(list: readonly Condition[] | null): EncodedCondition[] | null {
  return list === null ? null : list.map(encodeCondition);
}

export function encodeFilter(f: Filter): EncodedFilter {
  return {
    must: encodeList(f.must),
    should: encodeList(f.should),
    mustNot: encodeList(f.mustNot),
    minShould: f.minShould === null ? null : { conditions: f.minShould.conditions.map(encodeCondition), minCount: f.minShould.minCount },
  };
}

function encodeMatch(m: Match): EncodedMatch {
  if (m.kind === 'any' || m.kind === 'except') {
    return { kind: m.kind, keywords: m.keywords === null ? null : [...m.keywords], integers: m.integers === null ? null : [...m.integers] };
  }
  return m;
}

function encodeCondition(c: Condition): EncodedCondition {
  switch (c.kind) {
    case 'field':
      return { ...c, key: c.key.text, match: c.match === null ? null : encodeMatch(c.match) };
    case 'is_empty':
    case 'is_null':
      return { kind: c.kind, key: c.key.text };
    case 'has_id':
      return { kind: 'has_id', ids: [...c.ids] };
    case 'has_vector':
      return { kind: 'has_vector', name: c.name };
    case 'slice':
      return { kind: 'slice', index: c.index, total: c.total };
    case 'nested':
      return { kind: 'nested', key: c.key.text, filter: encodeFilter(c.filter) };
    case 'filter':
      return { kind: 'filter', filter: encodeFilter(c.filter) };
  }
}

function decodeList(list: readonly EncodedCondition[] | null): Condition[] | null {
  return list === null ? null : list.map(decodeCondition);
}

export function decodeFilter(e: EncodedFilter): Filter {
  return {
    must: decodeList(e.must),
    should: decodeList(e.should),
    mustNot: decodeList(e.mustNot),
    minShould: e.minShould === null ? null : { conditions: e.minShould.conditions.map(decodeCondition), minCount: e.minShould.minCount },
  };
}

function path(v: unknown): JsonPath {
  return parseJsonPath(v as string);
}

function decodeMatch(m: EncodedMatch): Match {
  if (m.kind === 'any' || m.kind === 'except') {
    const keywords = m['keywords'] as string[] | null;
    const integers = m['integers'] as Array<number | bigint> | null;
    return { kind: m.kind, keywords: keywords === null ? null : new Set(keywords), integers: integers === null ? null : new Set(integers) };
  }
  return m as Match;
}

function decodeCondition(e: EncodedCondition): Condition {
  switch (e.kind) {
    case 'field': {
      const c = e as unknown as Extract<Condition, { kind: 'field' }>;
      return { ...c, key: path(e['key']), match: e['match'] === null ? null : decodeMatch(e['match'] as EncodedMatch) };
    }
    case 'is_empty':
    case 'is_null':
      return { kind: e.kind, key: path(e['key']) };
    case 'has_id': {
      const ids = e['ids'] as PointId[];
      return { kind: 'has_id', ids, set: new Set(ids) };
    }
    case 'has_vector':
      return { kind: 'has_vector', name: e['name'] as string };
    case 'slice':
      return { kind: 'slice', index: e['index'] as number, total: e['total'] as number };
    case 'nested':
      return { kind: 'nested', key: path(e['key']), filter: decodeFilter(e['filter'] as EncodedFilter) };
    case 'filter':
      return { kind: 'filter', filter: decodeFilter(e['filter'] as EncodedFilter) };
  }
}
