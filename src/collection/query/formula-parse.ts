/**
 * Parsing of score-boosting formulas (`{"formula": Expression, "defaults": {...}}`), following
 * Qdrant's lib/collection/src/operations/universal_query/formula.rs and
 * lib/segment/src/index/query_optimization/rescore_formula/parsed_formula.rs:
 *
 * - a number is a constant (an f32 on the wire);
 * - a string is a variable: `$score` (= `$score[0]`) or `$score[i]`, the score of the point in the
 *   i-th prefetch; anything else is a payload key path;
 * - `{mult|sum: [...]}`, `{neg|abs|sqrt|exp|log10|ln: e}`, `{div: {left, right, by_zero_default?}}`,
 *   `{pow: {base, exponent}}`, `{geo_distance: {origin, to}}` (meters), `{datetime: "..."}` and
 *   `{datetime_key: "path"}` (seconds since the epoch), `{lin_decay|exp_decay|gauss_decay:
 *   {x, target?, scale?, midpoint?}}`;
 * - any other object is a filter condition, worth 1 when the point matches it and 0 otherwise.
 *
 * Decay parameters become one `lambda` (`decay_params_to_lambda`): lin (1 − midpoint) / scale,
 * exp ln(midpoint) / scale, gauss ln(midpoint) / scale²; midpoint defaults to 0.5, scale to 1.
 */
import { AppError, badInput } from '../../errors.js';
import { parseFilter } from '../../index/filter/parse.js';
import type { Filter } from '../../index/filter/types.js';
import { tryParseJsonPath } from '../../index/json-path.js';
import { parseDatetime } from '../../index/payload/datetime-value.js';
import { readGeoPoint } from '../../index/payload/geo-math.js';
import { isObject } from '../../json.js';

export type DecayKind = 'lin' | 'exp' | 'gauss';
export type UnaryOp = 'neg' | 'abs' | 'sqrt' | 'exp' | 'log10' | 'ln';

export type Expr =
  | { readonly k: 'const'; readonly value: number }
  | { readonly k: 'score'; readonly index: number }
  | { readonly k: 'payload'; readonly path: string }
  | { readonly k: 'condition'; readonly filter: Filter }
  | { readonly k: 'geo_distance'; readonly lat: number; readonly lon: number; readonly path: string }
  | { readonly k: 'datetime'; readonly seconds: number }
  | { readonly k: 'datetime_key'; readonly path: string }
  | { readonly k: 'mult' | 'sum'; readonly items: readonly Expr[] }
  | { readonly k: UnaryOp; readonly x: Expr }
  | { readonly k: 'div'; readonly left: Expr; readonly right: Expr; readonly byZero: number | undefined }
  | { readonly k: 'pow'; readonly base: Expr; readonly exponent: Expr }
  | { readonly k: 'decay'; readonly kind: DecayKind; readonly x: Expr; readonly target: Expr | undefined; readonly lambda: number };

export interface ParsedFormula {
  readonly expr: Expr;
  /** `defaults` for `$score[i]`. */
  readonly scoreDefaults: ReadonlyMap<number, unknown>;
  /** `defaults` for payload variables, by canonical path. */
  readonly payloadDefaults: ReadonlyMap<string, unknown>;
}

const UNARY: readonly UnaryOp[] = ['neg', 'abs', 'sqrt', 'exp', 'log10', 'ln'];
const DECAYS: Readonly<Record<string, DecayKind>> = { lin_decay: 'lin', exp_decay: 'exp', gauss_decay: 'gauss' };
const KEYWORDS = new Set<string>(['mult', 'sum', 'div', 'pow', 'geo_distance', 'datetime', 'datetime_key', ...UNARY, ...Object.keys(DECAYS)]);

type Variable = { kind: 'score'; index: number } | { kind: 'payload'; path: string };

/** `$score`, `$score[i]` or a payload key path (Qdrant `VariableId::from_str`). */
function parseVariable(text: string, where: string): Variable {
  if (text.startsWith('$')) {
    const m = /^\$score(?:\[(\d+)\])?$/.exec(text);
    if (m === null) throw badInput(`${where}: Invalid reserved variable: ${text}`);
    return { kind: 'score', index: m[1] === undefined ? 0 : Number(m[1]) };
  }
  const path = tryParseJsonPath(text);
  if (path === null) throw badInput(`${where}: Invalid payload variable: ${text}`);
  return { kind: 'payload', path: path.text };
}

function keyPath(v: unknown, where: string): string {
  if (typeof v !== 'string') throw badInput(`${where}: expected a payload key`);
  const path = tryParseJsonPath(v);
  if (path === null) throw badInput(`${where}: Invalid payload variable: ${v}`);
  return path.text;
}

function optionalNumber(v: unknown, where: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`${where}: expected a number`);
  return Math.fround(v);
}

/** `decay_params_to_lambda` of parsed_formula.rs. */
function decayLambda(kind: DecayKind, midpointIn: number | undefined, scaleIn: number | undefined, where: string): number {
  const midpoint = midpointIn ?? 0.5;
  const scale = scaleIn ?? 1;
  if (kind === 'lin' && !(midpoint >= 0 && midpoint <= 1)) {
    throw new AppError('VALIDATION', [`${where}.midpoint: Linear decay midpoint should be in the range [0.0, 1.0], got ${midpoint}.`]);
  }
  if (kind !== 'lin' && !(midpoint > 0 && midpoint < 1)) {
    throw new AppError('VALIDATION', [`${where}.midpoint: Decay midpoint should be in the range (0.0, 1.0), got ${midpoint}.`]);
  }
  if (!(scale > 0)) throw new AppError('VALIDATION', [`${where}.scale: Decay scale should be non-zero positive, got ${scale}.`]);
  if (kind === 'lin') return (1 - midpoint) / scale;
  if (kind === 'exp') return Math.log(midpoint) / scale;
  return Math.log(midpoint) / (scale * scale);
}

function parseExpr(v: unknown, where: string, depth: number): Expr {
  if (depth > 64) throw badInput(`${where}: formula nested deeper than 64 levels`);
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw badInput(`${where}: expected a finite number`);
    return { k: 'const', value: Math.fround(v) };
  }
  if (typeof v === 'string') {
    const variable = parseVariable(v, where);
    return variable.kind === 'score' ? { k: 'score', index: variable.index } : { k: 'payload', path: variable.path };
  }
  if (!isObject(v)) throw badInput(`${where}: expected a number, a variable, an expression object or a condition`);
  const keys = Object.keys(v);
  const key = keys.length === 1 ? keys[0]! : undefined;
  if (key === undefined || !KEYWORDS.has(key)) return { k: 'condition', filter: parseFilter({ must: [v] }) };
  const arg = v[key];
  const at = `${where}.${key}`;
  const sub = (x: unknown, name: string): Expr => parseExpr(x, `${at}.${name}`, depth + 1);
  switch (key) {
    case 'mult':
    case 'sum':
      if (!Array.isArray(arg)) throw badInput(`${at}: expected a list of expressions`);
      return { k: key, items: arg.map((x, i) => parseExpr(x, `${at}[${i}]`, depth + 1)) };
    case 'div': {
      if (!isObject(arg)) throw badInput(`${at}: expected {left, right, by_zero_default?}`);
      return { k: 'div', left: sub(arg['left'], 'left'), right: sub(arg['right'], 'right'), byZero: optionalNumber(arg['by_zero_default'], `${at}.by_zero_default`) };
    }
    case 'pow':
      if (!isObject(arg)) throw badInput(`${at}: expected {base, exponent}`);
      return { k: 'pow', base: sub(arg['base'], 'base'), exponent: sub(arg['exponent'], 'exponent') };
    case 'geo_distance': {
      if (!isObject(arg)) throw badInput(`${at}: expected {origin, to}`);
      const origin = readGeoPoint(arg['origin']);
      if (origin === null) throw badInput(`${at}.origin: expected a geo point {lat, lon}`);
      return { k: 'geo_distance', lat: origin.lat, lon: origin.lon, path: keyPath(arg['to'], `${at}.to`) };
    }
    case 'datetime': {
      const micros = typeof arg === 'string' ? parseDatetime(arg) : null;
      if (micros === null) throw badInput(`${at}: expected an RFC 3339 datetime`);
      return { k: 'datetime', seconds: micros / 1e6 };
    }
    case 'datetime_key':
      return { k: 'datetime_key', path: keyPath(arg, at) };
    default: {
      const decay = DECAYS[key];
      if (decay !== undefined) {
        if (!isObject(arg)) throw badInput(`${at}: expected {x, target?, scale?, midpoint?}`);
        const target = arg['target'] === undefined || arg['target'] === null ? undefined : sub(arg['target'], 'target');
        const lambda = decayLambda(decay, optionalNumber(arg['midpoint'], `${at}.midpoint`), optionalNumber(arg['scale'], `${at}.scale`), at);
        return { k: 'decay', kind: decay, x: sub(arg['x'], 'x'), target, lambda };
      }
      return { k: key as UnaryOp, x: parseExpr(arg, at, depth + 1) };
    }
  }
}

/** Parses a `FormulaQuery` (`formula` and `defaults`). @throws AppError(bad_input) naming the field. */
export function parseFormula(formula: unknown, defaults: unknown, where: string): ParsedFormula {
  const expr = parseExpr(formula, `${where}.formula`, 0);
  const scoreDefaults = new Map<number, unknown>();
  const payloadDefaults = new Map<string, unknown>();
  if (defaults !== undefined && defaults !== null) {
    if (!isObject(defaults)) throw badInput(`${where}.defaults: expected an object`);
    for (const [name, value] of Object.entries(defaults)) {
      const variable = parseVariable(name, `${where}.defaults`);
      if (variable.kind === 'score') scoreDefaults.set(variable.index, value);
      else payloadDefaults.set(variable.path, value);
    }
  }
  return { expr, scoreDefaults, payloadDefaults };
}
