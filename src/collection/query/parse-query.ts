/**
 * Parsing of Qdrant `QueryInterface` (a bare `VectorInput` means `nearest`) into a `QuerySpec`,
 * for every variant the 1.18 schema lists: nearest (+ mmr), recommend, discover, context,
 * order_by, fusion, rrf, formula, sample and relevance_feedback.
 */
import { AppError, badInput } from '../../errors.js';
import { parseDatetime } from '../../index/payload/datetime-value.js';
import { parseFormula } from './formula-parse.js';
import { DEFAULT_RRF_K } from './fusion.js';
import { parseContextPairs, parseVectorInput, parseVectorInputs } from './parse-input.js';
import type { MmrSpec, OrderBySpec, QuerySpec, RecommendStrategy } from './types.js';
import { isObject } from '../../json.js';

type Obj = Record<string, unknown>;

const STRATEGIES: readonly RecommendStrategy[] = ['average_vector', 'best_score', 'sum_scores'];

function finiteNumber(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw badInput(`${where}: expected a number`);
  return v;
}

/** Qdrant `OrderByInterface`: a key, or `{key, direction?, start_from?}`. */
export function parseOrderBy(v: unknown, where: string): OrderBySpec {
  if (typeof v === 'string') return { key: v, direction: 'asc', startFrom: undefined };
  if (!isObject(v)) throw badInput(`${where}: expected a payload key or {key, direction, start_from}`);
  if (typeof v['key'] !== 'string') throw badInput(`${where}.key: missing field \`key\``);
  const dir = v['direction'] ?? 'asc';
  if (dir !== 'asc' && dir !== 'desc') throw badInput(`${where}.direction: expected "asc" or "desc"`);
  const sf = v['start_from'];
  let startFrom: number | undefined;
  if (typeof sf === 'number') startFrom = sf;
  else if (typeof sf === 'string') {
    const micros = parseDatetime(sf);
    if (micros === null) throw badInput(`${where}.start_from: expected a number or an RFC 3339 datetime`);
    startFrom = micros;
  } else if (sf !== undefined && sf !== null) throw badInput(`${where}.start_from: expected a number or an RFC 3339 datetime`);
  return { key: v['key'], direction: dir, startFrom };
}

function parseMmr(v: unknown, where: string): MmrSpec | undefined {
  if (v === undefined || v === null) return undefined;
  if (!isObject(v)) throw badInput(`${where}: expected {diversity, candidates_limit}`);
  const diversity = v['diversity'] === undefined || v['diversity'] === null ? undefined : finiteNumber(v['diversity'], `${where}.diversity`);
  if (diversity !== undefined && (diversity < 0 || diversity > 1)) throw new AppError('VALIDATION', [`${where}.diversity: value ${diversity} invalid, must be in [0, 1]`]);
  const cl = v['candidates_limit'];
  if (cl !== undefined && cl !== null && (typeof cl !== 'number' || !Number.isInteger(cl) || cl < 0 || cl > 16384)) {
    throw new AppError('VALIDATION', [`${where}.candidates_limit: must be an integer from 0 to 16384`]);
  }
  return { lambda: diversity === undefined ? 0.5 : 1 - diversity, candidatesLimit: typeof cl === 'number' ? cl : undefined };
}

function parseRecommend(v: unknown, where: string): QuerySpec {
  if (!isObject(v)) throw badInput(`${where}: expected {positive, negative, strategy}`);
  const strategy = v['strategy'] ?? 'average_vector';
  if (!STRATEGIES.includes(strategy as RecommendStrategy)) throw badInput(`${where}.strategy: expected one of ${STRATEGIES.join(', ')}`);
  return {
    kind: 'recommend',
    positive: parseVectorInputs(v['positive'], `${where}.positive`),
    negative: parseVectorInputs(v['negative'], `${where}.negative`),
    strategy: strategy as RecommendStrategy,
  };
}

function parseFeedback(v: unknown, where: string): QuerySpec {
  if (!isObject(v)) throw badInput(`${where}: expected {target, feedback, strategy}`);
  if (v['target'] === undefined || v['target'] === null) throw badInput(`${where}.target: missing field \`target\``);
  if (!Array.isArray(v['feedback'])) throw badInput(`${where}.feedback: expected a list of {example, score}`);
  const feedback = v['feedback'].map((item: unknown, i) => {
    const at = `${where}.feedback[${i}]`;
    if (!isObject(item)) throw badInput(`${at}: expected {example, score}`);
    return { example: parseVectorInput(item['example'], `${at}.example`), score: finiteNumber(item['score'], `${at}.score`) };
  });
  const strategy = v['strategy'];
  const naive = isObject(strategy) ? strategy['naive'] : undefined;
  if (!isObject(naive)) throw badInput(`${where}.strategy: expected {naive: {a, b, c}}`);
  const b = finiteNumber(naive['b'], `${where}.strategy.naive.b`);
  if (b < 0) throw new AppError('VALIDATION', [`${where}.strategy.naive.b: value ${b} invalid, must be 0.0 or larger`]);
  return {
    kind: 'feedback',
    target: parseVectorInput(v['target'], `${where}.target`),
    feedback,
    a: finiteNumber(naive['a'], `${where}.strategy.naive.a`),
    b,
    c: finiteNumber(naive['c'], `${where}.strategy.naive.c`),
  };
}

function parseRrf(v: unknown, where: string): QuerySpec {
  if (!isObject(v)) throw badInput(`${where}: expected {k, weights}`);
  const k = v['k'];
  if (k !== undefined && k !== null && (typeof k !== 'number' || !Number.isInteger(k) || k < 1)) {
    throw new AppError('VALIDATION', [`${where}.k: value ${JSON.stringify(k)} invalid, must be 1 or larger`]);
  }
  const w = v['weights'];
  if (w !== undefined && w !== null && (!Array.isArray(w) || !w.every((x) => typeof x === 'number' && Number.isFinite(x)))) {
    throw badInput(`${where}.weights: expected a list of numbers`);
  }
  return { kind: 'rrf', k: typeof k === 'number' ? k : DEFAULT_RRF_K, weights: Array.isArray(w) ? (w as number[]) : undefined };
}

function parseQueryObject(q: Obj, where: string): QuerySpec {
  if ('nearest' in q) return { kind: 'nearest', input: parseVectorInput(q['nearest'], `${where}.nearest`), mmr: parseMmr(q['mmr'], `${where}.mmr`) };
  if ('recommend' in q) return parseRecommend(q['recommend'], `${where}.recommend`);
  if ('discover' in q) {
    const d = q['discover'];
    if (!isObject(d)) throw badInput(`${where}.discover: expected {target, context}`);
    if (d['target'] === undefined || d['target'] === null) throw badInput(`${where}.discover.target: missing field \`target\``);
    return { kind: 'discover', target: parseVectorInput(d['target'], `${where}.discover.target`), pairs: parseContextPairs(d['context'], `${where}.discover.context`) };
  }
  if ('context' in q) return { kind: 'context', pairs: parseContextPairs(q['context'], `${where}.context`) };
  if ('order_by' in q) return { kind: 'order_by', orderBy: parseOrderBy(q['order_by'], `${where}.order_by`) };
  if ('fusion' in q) {
    if (q['fusion'] === 'rrf') return { kind: 'rrf', k: DEFAULT_RRF_K, weights: undefined };
    if (q['fusion'] === 'dbsf') return { kind: 'dbsf' };
    throw badInput(`${where}.fusion: expected "rrf" or "dbsf"`);
  }
  if ('rrf' in q) return parseRrf(q['rrf'], `${where}.rrf`);
  if ('formula' in q) return { kind: 'formula', formula: parseFormula(q['formula'], q['defaults'], where) };
  if ('sample' in q) {
    if (q['sample'] !== 'random') throw badInput(`${where}.sample: expected "random"`);
    return { kind: 'sample' };
  }
  if ('relevance_feedback' in q) return parseFeedback(q['relevance_feedback'], `${where}.relevance_feedback`);
  return { kind: 'nearest', input: parseVectorInput(q, where), mmr: undefined };
}

/** Parses a `query` field; undefined when absent or null. @throws AppError(bad_input) naming the field. */
export function parseQuerySpec(v: unknown, where: string): QuerySpec | undefined {
  if (v === undefined || v === null) return undefined;
  if (isObject(v)) return parseQueryObject(v, where);
  return { kind: 'nearest', input: parseVectorInput(v, where), mmr: undefined };
}
