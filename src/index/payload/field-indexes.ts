import type { EvaluationContext } from '../filter/evaluate.js';
import type { FieldCondition } from '../filter/types.js';
import { parseJsonPath, tryParseJsonPath } from '../json-path.js';
import type { JsonPath } from '../json-path.js';
import type { JsonRecord } from '../../json.js';
import { BoolIndex } from './bool.js';
import { DatetimeIndex } from './datetime.js';
import { parseFieldSchema, sameFieldSchema } from './field-schema.js';
import type { FieldSchema, PayloadSchemaParams, PayloadSchemaType } from './field-schema.js';
import { FloatIndex } from './float.js';
import { GeoIndex } from './geo.js';
import { IntegerIndex } from './integer.js';
import { KeywordIndex } from './keyword.js';
import { unionSorted } from './offsets.js';
import type { OffsetList } from './offsets.js';
import { soleCheck } from './payload-index.js';
import type { CardinalityEstimate, PayloadFieldIndex } from './payload-index.js';
import { TextIndex } from './text.js';
import type { TextAnalyzer } from './tokenizer.js';
import { UuidIndex } from './uuid.js';

/** One entry of a collection's `payload_schema`, as Qdrant's `PayloadIndexInfo`. */
export interface PayloadIndexInfo {
  data_type: PayloadSchemaType;
  params?: PayloadSchemaParams;
  points: number;
}

/** Builds the index implementation for a schema. */
export function createFieldIndex(path: JsonPath, schema: FieldSchema): PayloadFieldIndex {
  switch (schema.type) {
    case 'keyword':
      return new KeywordIndex(path, schema);
    case 'integer':
      return new IntegerIndex(path, schema);
    case 'float':
      return new FloatIndex(path, schema);
    case 'geo':
      return new GeoIndex(path, schema);
    case 'text':
      return new TextIndex(path, schema);
    case 'bool':
      return new BoolIndex(path, schema);
    case 'datetime':
      return new DatetimeIndex(path, schema);
    case 'uuid':
      return new UuidIndex(path, schema);
  }
}

const TEXT_MATCHES = new Set(['text', 'text_any', 'phrase']);

/**
 * All payload indexes of one collection, by canonical field path (one schema per field, as in
 * Qdrant: creating an index with another schema replaces the old one).
 *
 * Also the {@link EvaluationContext} for `matches()`: a `text` index changes how text matches
 * are evaluated on its field.
 */
export class FieldIndexes implements EvaluationContext {
  private readonly byPath = new Map<string, PayloadFieldIndex>();

  /**
   * Creates (or replaces) the index on `field` and fills it from `points`.
   * @returns false when an identical index already existed (nothing changed).
   * @throws AppError(BAD_INPUT) for an invalid field path or schema; AppError(UNSUPPORTED) for
   *   text options Quiver does not implement.
   */
  create(field: string, schema: unknown, points?: Iterable<readonly [number, JsonRecord | null | undefined]>): boolean {
    const path = parseJsonPath(field);
    const parsed = parseFieldSchema(schema);
    const existing = this.byPath.get(path.text);
    if (existing !== undefined && sameFieldSchema(existing.schema, parsed)) return false;
    const index = createFieldIndex(path, parsed);
    if (points !== undefined) for (const [offset, payload] of points) index.add(offset, payload);
    this.byPath.set(path.text, index);
    return true;
  }

  /**
   * Checks that an index on `field` with `schema` could be created, without creating it (for
   * validating a request before it is logged).
   * @throws AppError(BAD_INPUT) / AppError(UNSUPPORTED) like {@link create}.
   */
  validateSchema(field: string, schema: unknown): FieldSchema {
    parseJsonPath(field);
    return parseFieldSchema(schema);
  }

  /** Removes the index on `field`; false when there was none. */
  drop(field: string): boolean {
    return this.byPath.delete(parseJsonPath(field).text);
  }

  /** The index on `field` (any spelling of the same path), if any. */
  get(field: string | JsonPath): PayloadFieldIndex | undefined {
    const key = typeof field === 'string' ? parseJsonPath(field).text : field.text;
    return this.byPath.get(key);
  }

  has(field: string | JsonPath): boolean {
    return this.get(field) !== undefined;
  }

  get size(): number {
    return this.byPath.size;
  }

  /** Every index, in creation order. */
  indexes(): IterableIterator<PayloadFieldIndex> {
    return this.byPath.values();
  }

  /** The canonical paths of the indexed fields, in creation order. */
  fields(): string[] {
    return [...this.byPath.keys()];
  }

  /** Indexes (or re-indexes) one point in every index. */
  addPoint(offset: number, payload: JsonRecord | null | undefined): void {
    for (const index of this.byPath.values()) index.add(offset, payload);
  }

  /** Indexes (or re-indexes) one point in the index on `field` only (e.g. while filling a new index). */
  addPointField(field: string, offset: number, payload: JsonRecord | null | undefined): void {
    this.get(field)?.add(offset, payload);
  }

  /**
   * Whether `order_by` may use `field`: Qdrant requires an index that answers ranges
   * (integer with `range` enabled, float, datetime).
   */
  supportsOrderBy(field: string): boolean {
    const path = tryParseJsonPath(field);
    const index = path === null ? undefined : this.byPath.get(path.text);
    if (index instanceof IntegerIndex) return index.rangeEnabled;
    return index instanceof FloatIndex || index instanceof DatetimeIndex;
  }

  removePoint(offset: number): void {
    for (const index of this.byPath.values()) index.remove(offset);
  }

  /** Qdrant's `payload_schema` object: `{field: {data_type, params?, points}}`. */
  schemaInfo(): Record<string, PayloadIndexInfo> {
    const out: Record<string, PayloadIndexInfo> = {};
    for (const [key, index] of this.byPath) {
      const info: PayloadIndexInfo =
        index.schema.params === null
          ? { data_type: index.schema.type, points: index.pointsCount }
          : { data_type: index.schema.type, params: index.schema.params, points: index.pointsCount };
      Object.defineProperty(out, key, { value: info, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  textAnalyzer(path: string): TextAnalyzer | undefined {
    const index = this.byPath.get(path);
    return index instanceof TextIndex ? index.analyzer : undefined;
  }

  /**
   * Exact candidates for a field condition from the field's index, or null. A condition holding
   * several checks (OR-ed) is answered when every check is; with a text index, a text match alone
   * decides (Qdrant's special check), so other checks of the same condition are ignored.
   */
  candidates(condition: FieldCondition): OffsetList | null {
    const index = this.byPath.get(condition.key.text);
    if (index === undefined) return null;
    const parts = splitChecks(condition, index);
    if (parts === null) return null;
    let out: OffsetList | null = null;
    for (const part of parts) {
      const c = index.candidates(part);
      if (c === null) return null;
      out = out === null ? c : unionSorted(out, c);
    }
    return out;
  }

  /**
   * True when `candidates(condition)` is exactly the set of points the condition matches, so no payload
   * check is needed: a `match` of `value` / `any` on a keyword index (the lookup compares the same leaf
   * values the evaluator does). Other index kinds answer with candidates that are still checked.
   */
  decides(condition: FieldCondition): boolean {
    const index = this.byPath.get(condition.key.text);
    if (!(index instanceof KeywordIndex)) return false;
    const check = soleCheck(condition);
    return check !== null && check.kind === 'match' && (check.match.kind === 'value' || check.match.kind === 'any');
  }

  /** Cardinality estimate for a field condition from its index, or null when unindexed. */
  estimate(condition: FieldCondition, total: number): CardinalityEstimate | null {
    const index = this.byPath.get(condition.key.text);
    if (index === undefined) return null;
    if (condition.valuesCount === null && condition.isEmpty !== null) {
      // `{key, is_empty: true}` holds when any value is empty; with `[]` in the path a point can
      // hold an indexed value and an empty one, so only the plain-path bound is sound.
      if (condition.isEmpty && condition.key.some((item) => item.kind === 'wildcard')) return null;
      const without = Math.max(0, total - index.pointsCount);
      return condition.isEmpty ? { min: 0, exp: without, max: without } : { min: index.pointsCount, exp: index.pointsCount, max: total };
    }
    const parts = splitChecks(condition, index);
    if (parts === null) return null;
    const estimates: CardinalityEstimate[] = [];
    for (const part of parts) {
      const e = index.estimate(part);
      if (e === null) return null;
      estimates.push(e);
    }
    if (estimates.length === 1) return estimates[0] as CardinalityEstimate;
    let miss = 1;
    for (const e of estimates) miss *= 1 - e.exp / Math.max(1, total);
    return {
      min: Math.max(...estimates.map((e) => e.min)),
      exp: Math.round((1 - miss) * total),
      max: Math.min(total, estimates.reduce((s, e) => s + e.max, 0)),
    };
  }
}

/** One condition per check, or null when the condition uses checks no index answers. */
function splitChecks(c: FieldCondition, index: PayloadFieldIndex): FieldCondition[] | null {
  if (c.valuesCount !== null || c.isEmpty !== null || c.isNull !== null) return null;
  // One check (the common case): the condition is its own only part.
  const checks = Number(c.match !== null) + Number(c.range !== null) + Number(c.geoBoundingBox !== null) + Number(c.geoRadius !== null) + Number(c.geoPolygon !== null);
  if (checks === 1) return [c];
  const none = {
    match: null,
    range: null,
    geoBoundingBox: null,
    geoRadius: null,
    geoPolygon: null,
    valuesCount: null,
    isEmpty: null,
    isNull: null,
  };
  if (index instanceof TextIndex && c.match !== null && TEXT_MATCHES.has(c.match.kind)) {
    return [{ ...c, ...none, match: c.match }];
  }
  const parts: FieldCondition[] = [];
  if (c.match !== null) parts.push({ ...c, ...none, match: c.match });
  if (c.range !== null) parts.push({ ...c, ...none, range: c.range });
  if (c.geoBoundingBox !== null) parts.push({ ...c, ...none, geoBoundingBox: c.geoBoundingBox });
  if (c.geoRadius !== null) parts.push({ ...c, ...none, geoRadius: c.geoRadius });
  if (c.geoPolygon !== null) parts.push({ ...c, ...none, geoPolygon: c.geoPolygon });
  return parts;
}
