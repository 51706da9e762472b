/**
 * Checks a filter typed as JSON before it is sent: the shape of Qdrant's `Filter` (clauses `must`, `should`,
 * `must_not`, `min_should`, each a condition or a list of them). The server validates it fully anyway; this only
 * catches typos early, with a path to the mistake.
 */
const CLAUSES = new Set(['must', 'should', 'must_not', 'min_should']);
const FIELD_CONDITIONS = new Set(['match', 'range', 'geo_bounding_box', 'geo_radius', 'geo_polygon', 'values_count', 'is_empty', 'is_null']);

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function checkCondition(c: unknown, path: string): string | undefined {
  if (!isRecord(c)) return `${path}: a condition must be an object`;
  if ('key' in c) {
    if (typeof c['key'] !== 'string' || c['key'] === '') return `${path}.key: expected a payload key`;
    const kinds = Object.keys(c).filter((k) => FIELD_CONDITIONS.has(k));
    if (kinds.length !== 1) return `${path}: a field condition needs exactly one of ${[...FIELD_CONDITIONS].join(', ')}`;
    return undefined;
  }
  if ('has_id' in c) return Array.isArray(c['has_id']) ? undefined : `${path}.has_id: expected a list of point ids`;
  if ('is_empty' in c || 'is_null' in c) return undefined;
  if ('has_vector' in c) return typeof c['has_vector'] === 'string' ? undefined : `${path}.has_vector: expected a vector name`;
  if ('nested' in c) return isRecord(c['nested']) ? checkFilter(c['nested']['filter'], `${path}.nested.filter`) : `${path}.nested: expected {key, filter}`;
  if ('filter' in c || [...CLAUSES].some((k) => k in c)) return checkFilter('filter' in c ? c['filter'] : c, path);
  return `${path}: unknown condition (expected key, has_id, has_vector, is_empty, is_null, nested or a filter)`;
}

/** The first problem of `filter`, or undefined when its shape is right. */
export function checkFilter(filter: unknown, path = 'filter'): string | undefined {
  if (!isRecord(filter)) return `${path}: expected an object like {"must": [...]}`;
  for (const [clause, value] of Object.entries(filter)) {
    if (!CLAUSES.has(clause)) return `${path}: unknown clause "${clause}" (must, should, must_not, min_should)`;
    if (clause === 'min_should') {
      if (!isRecord(value) || !Array.isArray(value['conditions']) || typeof value['min_count'] !== 'number') return `${path}.min_should: expected {conditions: [...], min_count}`;
      continue;
    }
    const list = Array.isArray(value) ? value : [value];
    for (const [i, c] of list.entries()) {
      const problem = checkCondition(c, `${path}.${clause}[${i}]`);
      if (problem !== undefined) return problem;
    }
  }
  return undefined;
}

/** Parses the editor's text: `{filter}` (empty text = no filter) or `{error}`. */
export function parseFilterText(text: string): { filter?: Record<string, unknown>; error?: string } {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return { error: `Not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  const problem = checkFilter(value);
  return problem === undefined ? { filter: value as Record<string, unknown> } : { error: problem };
}

/** A guided condition: payload key, operator, value → one condition of `must`. */
export function guidedCondition(key: string, op: string, value: string): Record<string, unknown> {
  const scalar = (text: string): unknown => {
    if (text === 'true' || text === 'false') return text === 'true';
    const n = Number(text);
    return text.trim() !== '' && Number.isFinite(n) ? n : text;
  };
  switch (op) {
    case 'equals':
      return { key, match: { value: scalar(value) } };
    case 'any of':
      return { key, match: { any: value.split(',').map((s) => scalar(s.trim())) } };
    case 'text contains':
      return { key, match: { text: value } };
    case '>=':
      return { key, range: { gte: Number(value) } };
    case '<=':
      return { key, range: { lte: Number(value) } };
    case 'is empty':
      return { is_empty: { key } };
    case 'has id':
      return { has_id: value.split(',').map((s) => scalar(s.trim())) };
    default:
      return { key, match: { value } };
  }
}

export const GUIDED_OPERATORS = ['equals', 'any of', 'text contains', '>=', '<=', 'is empty', 'has id'];

/** Adds `condition` to the `must` clause of the editor's filter text. */
export function addCondition(text: string, condition: Record<string, unknown>): string {
  const parsed = parseFilterText(text);
  const base: Record<string, unknown> = parsed.filter ?? {};
  const must = base['must'];
  const list: unknown[] = Array.isArray(must) ? (must as unknown[]) : must === undefined ? [] : [must];
  return JSON.stringify({ ...base, must: [...list, condition] }, null, 2);
}
