/**
 * A score-boosting formula as data (Qdrant `ParsedFormula`): the expression tree a formula query
 * evaluates per point (`formula-eval.ts`). Transports parse their wire form into it.
 */
import type { Filter } from '../../index/filter/types.js';

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
