/**
 * Evaluation of a parsed formula for one point, as Qdrant's `FormulaScorer`
 * (lib/segment/src/index/query_optimization/rescore_formula/formula_scorer.rs):
 *
 * - `$score[i]`: the point's score in prefetch i, else `defaults["$score[i]"]`, else 0;
 * - a payload variable: the single value at the path (arrays flattened one level), else the default;
 *   no value and no default, several values, or a non-number is an error;
 * - conditions are 1 or 0; `geo_distance` is the haversine distance in meters; datetimes are seconds;
 * - `mult` stops at a zero factor; `div` returns 0 for a zero numerator and `by_zero_default` for a
 *   zero denominator; a non-finite result of div / sqrt / pow / exp / log10 / ln is an error;
 * - decays: lin max(0, 1 − λ|x − t|), exp e^(λ|x − t|), gauss e^(λ(x − t)²), target t defaults to 0.
 * Arithmetic is in f64; the final score is an f32 and must be finite.
 */
import { AppError } from '../../errors.js';
import { valuesAt } from '../../index/json-path.js';
import { parseDatetime } from '../../index/payload/datetime-value.js';
import { haversineMeters, readGeoPoint } from '../../index/payload/geo-math.js';
import type { Collection } from '../collection.js';
import type { Expr, ParsedFormula } from './formula.js';

/** The scores of each prefetch, by offset. */
export type PrefetchScores = ReadonlyArray<ReadonlyMap<number, number>>;

function variableError(path: string, expected: string, description: string): AppError {
  return new AppError('WRONG_INPUT', [`Expected ${expected} for variable \`${path}\`: ${description}`]);
}

function nonFinite(expression: string): AppError {
  return new AppError('BAD_REQUEST', [`The expression ${expression} produced a non-finite number`]);
}

function finite(value: number, expression: () => string): number {
  if (!Number.isFinite(value)) throw nonFinite(expression());
  return value;
}

class Evaluator {
  constructor(
    private readonly c: Collection,
    private readonly formula: ParsedFormula,
    private readonly scores: PrefetchScores,
    private readonly offset: number,
  ) {}

  /** The value of a payload variable: exactly one value at the path, or the default. */
  private payloadValue(path: string, expected: string): unknown {
    const values = valuesAt(this.c.segment.payloadAt(this.offset), path);
    if (values.length === 1) return values[0];
    if (values.length > 1) return values;
    if (this.formula.payloadDefaults.has(path)) return this.formula.payloadDefaults.get(path);
    throw variableError(path, expected, 'No value found in a payload nor defaults');
  }

  private number(path: string): number {
    const v = this.payloadValue(path, 'number');
    // An exact integer beyond ±(2^53−1) enters arithmetic as the nearest double (Qdrant's formulas are f64).
    if (typeof v === 'bigint') return Number(v);
    if (typeof v !== 'number') throw variableError(path, 'number', 'Value is not a number');
    return v;
  }

  private seconds(path: string): number {
    const v = this.payloadValue(path, 'datetime');
    if (typeof v !== 'string') throw variableError(path, 'datetime', 'Value is not a string');
    const micros = parseDatetime(v);
    if (micros === null) throw variableError(path, 'datetime', `Invalid datetime: ${v}`);
    return micros / 1e6;
  }

  eval(e: Expr): number {
    switch (e.k) {
      case 'const':
        return e.value;
      case 'score': {
        const s = this.scores[e.index]?.get(this.offset);
        if (s !== undefined) return s;
        const d = this.formula.scoreDefaults.get(e.index);
        return typeof d === 'number' ? d : 0;
      }
      case 'payload':
        return this.number(e.path);
      case 'condition':
        return this.c.segment.matches(e.filter, this.offset) ? 1 : 0;
      case 'geo_distance': {
        const point = readGeoPoint(this.payloadValue(e.path, 'geo point'));
        if (point === null) throw variableError(e.path, 'geo point', 'Value is not a geo point');
        return haversineMeters(e.lat, e.lon, point.lat, point.lon);
      }
      case 'datetime':
        return e.seconds;
      case 'datetime_key':
        return this.seconds(e.path);
      case 'mult': {
        let product = 1;
        for (const item of e.items) {
          const v = this.eval(item);
          if (v === 0) return 0;
          product *= v;
        }
        return product;
      }
      case 'sum': {
        let sum = 0;
        for (const item of e.items) sum += this.eval(item);
        return sum;
      }
      case 'div': {
        const left = this.eval(e.left);
        if (left === 0) return 0;
        const right = this.eval(e.right);
        if (right === 0 && e.byZero !== undefined) return e.byZero;
        return finite(left / right, () => `${left}/${right}`);
      }
      case 'neg':
        return -this.eval(e.x);
      case 'abs':
        return Math.abs(this.eval(e.x));
      case 'sqrt': {
        const v = this.eval(e.x);
        return finite(Math.sqrt(v), () => `√${v}`);
      }
      case 'pow': {
        const base = this.eval(e.base);
        const exponent = this.eval(e.exponent);
        return finite(base ** exponent, () => `${base}^${exponent}`);
      }
      case 'exp': {
        const v = this.eval(e.x);
        return finite(Math.exp(v), () => `exp(${v})`);
      }
      case 'log10': {
        const v = this.eval(e.x);
        return finite(Math.log10(v), () => `log10(${v})`);
      }
      case 'ln': {
        const v = this.eval(e.x);
        return finite(Math.log(v), () => `ln(${v})`);
      }
      case 'decay': {
        const x = this.eval(e.x);
        const target = e.target === undefined ? 0 : this.eval(e.target);
        if (e.kind === 'lin') return Math.max(0, -e.lambda * Math.abs(x - target) + 1);
        if (e.kind === 'exp') return Math.exp(e.lambda * Math.abs(x - target));
        return Math.exp(e.lambda * (x - target) * (x - target));
      }
    }
  }
}

/**
 * The formula's score for the point at `offset`.
 * @throws AppError(bad_input) for a missing / mistyped variable or a non-finite result.
 */
export function evaluateFormula(c: Collection, formula: ParsedFormula, scores: PrefetchScores, offset: number): number {
  const value = new Evaluator(c, formula, scores, offset).eval(formula.expr);
  const score = Math.fround(value);
  if (!Number.isFinite(score)) throw nonFinite(`${value} as f32 = ${score}`);
  return score;
}
