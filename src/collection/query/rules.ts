/**
 * Qdrant's semantic rules of a query request, shared by every transport's parser: the checks of one
 * request or prefetch (collection_query.rs `validation`), the prefetch depth limit, formula variables
 * and decay parameters (parsed_formula.rs).
 */
import { AppError, badInput } from '../../errors.js';
import { tryParseJsonPath } from '../../index/json-path.js';
import { DEFAULT_VECTOR } from '../vectors.js';
import type { DecayKind } from './formula.js';
import type { StageSpec } from './types.js';

/** Qdrant `MAX_PREFETCH_DEPTH`. */
export const MAX_PREFETCH_DEPTH = 64;
/** Qdrant `CollectionQueryRequest::DEFAULT_LIMIT`. */
export const DEFAULT_LIMIT = 10;

function bad(message: string): AppError {
  return new AppError('BAD_REQUEST', [message]);
}

/** Qdrant's checks of one request or prefetch (collection_query.rs `validation`). */
export function validateStage(s: StageSpec): void {
  if (s.prefetch.length > 0 && s.query === undefined) {
    throw bad("A query is needed to merge the prefetches. Can't have prefetches without defining a query.");
  }
  if (s.threshold !== undefined) {
    if (s.query?.kind === 'order_by') throw bad("Can't use score_threshold with an order_by query.");
    if (s.query === undefined) throw bad("A query is needed to use the score_threshold. Can't have score_threshold without defining a query.");
  }
  if ((s.query?.kind === 'rrf' || s.query?.kind === 'dbsf') && s.using !== DEFAULT_VECTOR) {
    throw bad("Fusion queries cannot be combined with the 'using' field.");
  }
}

export type FormulaVariable = { kind: 'score'; index: number } | { kind: 'payload'; path: string };

/** `$score`, `$score[i]` or a payload key path (Qdrant `VariableId::from_str`). */
export function parseVariable(text: string, where: string): FormulaVariable {
  if (text.startsWith('$')) {
    const m = /^\$score(?:\[(\d+)\])?$/.exec(text);
    if (m === null) throw badInput(`${where}: Invalid reserved variable: ${text}`);
    return { kind: 'score', index: m[1] === undefined ? 0 : Number(m[1]) };
  }
  const path = tryParseJsonPath(text);
  if (path === null) throw badInput(`${where}: Invalid payload variable: ${text}`);
  return { kind: 'payload', path: path.text };
}

/** `decay_params_to_lambda` of parsed_formula.rs. */
export function decayLambda(kind: DecayKind, midpointIn: number | undefined, scaleIn: number | undefined, where: string): number {
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
