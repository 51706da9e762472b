/**
 * Proto query messages → the engine's typed query requests (src/collection/query/types.ts): `QueryPoints` /
 * `PrefetchQuery` → `RootSpec` / `StageSpec` (every `Query` variant: nearest (+ MMR), recommend, discover,
 * context, order_by, fusion, rrf, formula, sample, relevance feedback), the legacy search / recommend / discover
 * messages, groups, `with_lookup`, the distance matrix and scroll. Read consistency and timeouts are accepted
 * and have no effect on a single node.
 */
import { AppError } from '../../../errors.js';
import { DEFAULT_VECTOR } from '../../../collection/vectors.js';
import { DEFAULT_LIMIT, MAX_PREFETCH_DEPTH, decayLambda, parseVariable, validateStage } from '../../../collection/query/rules.js';
import { DEFAULT_RRF_K } from '../../../collection/query/fusion.js';
import type { Expr, DecayKind } from '../../../collection/query/formula.js';
import type { ContextPairInput, GroupsRequest, LookupLocation, MatrixRequest, OrderBySpec, QueryRequest, QuerySpec, RecommendStrategy, RootSpec, SearchParamsSpec, StageSpec, WithLookup } from '../../../collection/query/types.js';
import type { ScrollRequest } from '../../../collection/read.js';
import { parseDatetime } from '../../../index/payload/datetime-value.js';
import { tryParseJsonPath } from '../../../index/json-path.js';
import type * as M from '../generated/messages.js';
import { count, payloadSelector, pointId, shardKeys, vectorSelector } from './common.js';
import { optionalFilter, parseFilter } from './filter.js';
import { exactInt64, jsonValue, safeInteger } from './value.js';
import { bad } from './point-id.js';
import { rawVector, vectorExample, vectorInput } from './vectors.js';

function searchParams(p: M.SearchParams__Output | undefined | null): SearchParamsSpec {
  return {
    hnswEf: p?.hnsw_ef === undefined ? undefined : safeInteger(p.hnsw_ef, 'params.hnsw_ef'),
    exact: p?.exact ?? undefined,
    indexedOnly: p?.indexed_only ?? undefined,
    oversampling: p?.quantization?.oversampling ?? undefined,
    idfCorpus: p?.idf?.corpus === undefined || p.idf.corpus === null ? undefined : parseFilter(p.idf.corpus, 'params.idf.corpus', 0),
  };
}

function lookupLocation(l: M.LookupLocation__Output | undefined | null): LookupLocation | undefined {
  if (l === undefined || l === null) return undefined;
  return { collection: l.collection_name ?? '', vector: l.vector_name ?? undefined, shardKeys: shardKeys(l.shard_key_selector, 'lookup_from.shard_key_selector') };
}

function strategy(s: string | undefined): RecommendStrategy {
  switch (s) {
    case undefined:
    case 'AverageVector':
      return 'average_vector';
    case 'BestScore':
      return 'best_score';
    case 'SumScores':
      return 'sum_scores';
    default:
      throw bad(`strategy: unknown value ${s}`);
  }
}

function orderBy(o: M.OrderBy__Output, where: string): OrderBySpec {
  let startFrom: number | bigint | undefined;
  const s = o.start_from;
  switch (s?.value) {
    case 'float':
      startFrom = s.float;
      break;
    case 'integer':
      startFrom = exactInt64(s.integer, `${where}.start_from`);
      break;
    case 'timestamp':
      startFrom = Number(s.timestamp?.seconds ?? 0) * 1e6 + Math.trunc((s.timestamp?.nanos ?? 0) / 1000);
      break;
    case 'datetime': {
      const micros = parseDatetime(s.datetime ?? '');
      if (micros === null) throw bad(`${where}.start_from: expected an RFC 3339 datetime`);
      startFrom = micros;
      break;
    }
    default:
      startFrom = undefined;
  }
  return { key: o.key ?? '', direction: o.direction === 'Desc' ? 'desc' : 'asc', startFrom };
}

function pairs(list: readonly M.ContextInputPair__Output[] | undefined, where: string): ContextPairInput[] {
  return (list ?? []).map((p, i) => ({ positive: vectorInput(p.positive, `${where}[${i}].positive`), negative: vectorInput(p.negative, `${where}[${i}].negative`) }));
}

const UNARY = ['neg', 'abs', 'sqrt', 'exp', 'log10', 'ln'] as const;
const DECAYS: Readonly<Record<string, DecayKind>> = { lin_decay: 'lin', exp_decay: 'exp', gauss_decay: 'gauss' };

function keyPath(text: string | undefined, where: string): string {
  const path = tryParseJsonPath(text ?? '');
  if (path === null) throw bad(`${where}: Invalid payload variable: ${text ?? ''}`);
  return path.text;
}

function expression(e: M.Expression__Output | undefined | null, where: string, depth: number): Expr {
  if (depth > 64) throw bad(`${where}: formula nested deeper than 64 levels`);
  const sub = (x: M.Expression__Output | undefined | null, name: string): Expr => expression(x, `${where}.${name}`, depth + 1);
  const v = e?.variant;
  switch (v) {
    case 'constant':
      return { k: 'const', value: e!.constant ?? 0 };
    case 'variable': {
      const variable = parseVariable(e!.variable ?? '', where);
      return variable.kind === 'score' ? { k: 'score', index: variable.index } : { k: 'payload', path: variable.path };
    }
    case 'condition':
      return { k: 'condition', filter: parseFilter({ must: [e!.condition!], should: [], must_not: [] }, `${where}.condition`, depth + 1) };
    case 'geo_distance': {
      const o = e!.geo_distance?.origin;
      const lat = o?.lat ?? 0;
      const lon = o?.lon ?? 0;
      if (lat < -90 || lat > 90 || lon < -180 || lon > 180) throw bad(`${where}.origin: expected a geo point {lat, lon}`);
      return { k: 'geo_distance', lat, lon, path: keyPath(e!.geo_distance?.to, `${where}.to`) };
    }
    case 'datetime': {
      const micros = parseDatetime(e!.datetime ?? '');
      if (micros === null) throw bad(`${where}.datetime: expected an RFC 3339 datetime`);
      return { k: 'datetime', seconds: micros / 1e6 };
    }
    case 'datetime_key':
      return { k: 'datetime_key', path: keyPath(e!.datetime_key, `${where}.datetime_key`) };
    case 'mult':
      return { k: 'mult', items: (e!.mult?.mult ?? []).map((x, i) => expression(x, `${where}.mult[${i}]`, depth + 1)) };
    case 'sum':
      return { k: 'sum', items: (e!.sum?.sum ?? []).map((x, i) => expression(x, `${where}.sum[${i}]`, depth + 1)) };
    case 'div':
      return { k: 'div', left: sub(e!.div?.left, 'div.left'), right: sub(e!.div?.right, 'div.right'), byZero: e!.div?.by_zero_default ?? undefined };
    case 'pow':
      return { k: 'pow', base: sub(e!.pow?.base, 'pow.base'), exponent: sub(e!.pow?.exponent, 'pow.exponent') };
    case 'exp_decay':
    case 'gauss_decay':
    case 'lin_decay': {
      const d = e![v]!;
      const kind = DECAYS[v]!;
      const target = d.target === undefined || d.target === null ? undefined : sub(d.target, `${v}.target`);
      return { k: 'decay', kind, x: sub(d.x, `${v}.x`), target, lambda: decayLambda(kind, d.midpoint ?? undefined, d.scale ?? undefined, `${where}.${v}`) };
    }
    default:
      if (v !== undefined && (UNARY as readonly string[]).includes(v)) return { k: v, x: sub(e![v], v) };
      throw bad(`${where}: an expression is required`);
  }
}

function querySpec(q: M.Query__Output | undefined | null, where: string): QuerySpec | undefined {
  if (q === undefined || q === null) return undefined;
  switch (q.variant) {
    case 'nearest':
      return { kind: 'nearest', input: vectorInput(q.nearest, `${where}.nearest`), mmr: undefined };
    case 'nearest_with_mmr': {
      const mmr = q.nearest_with_mmr?.mmr;
      const diversity = mmr?.diversity ?? undefined;
      if (diversity !== undefined && (diversity < 0 || diversity > 1)) throw new AppError('VALIDATION', [`${where}.mmr.diversity: value ${diversity} invalid, must be in [0, 1]`]);
      const limit = mmr?.candidates_limit ?? undefined;
      if (limit !== undefined && limit > 16384) throw new AppError('VALIDATION', [`${where}.mmr.candidates_limit: must be an integer from 0 to 16384`]);
      return { kind: 'nearest', input: vectorInput(q.nearest_with_mmr?.nearest, `${where}.nearest`), mmr: { lambda: diversity === undefined ? 0.5 : 1 - diversity, candidatesLimit: limit } };
    }
    case 'recommend':
      return {
        kind: 'recommend',
        positive: (q.recommend?.positive ?? []).map((x, i) => vectorInput(x, `${where}.recommend.positive[${i}]`)),
        negative: (q.recommend?.negative ?? []).map((x, i) => vectorInput(x, `${where}.recommend.negative[${i}]`)),
        strategy: strategy(q.recommend?.strategy ?? undefined),
      };
    case 'discover':
      return { kind: 'discover', target: vectorInput(q.discover?.target, `${where}.discover.target`), pairs: pairs(q.discover?.context?.pairs, `${where}.discover.context`) };
    case 'context':
      return { kind: 'context', pairs: pairs(q.context?.pairs, `${where}.context`) };
    case 'order_by':
      return { kind: 'order_by', orderBy: orderBy(q.order_by!, `${where}.order_by`) };
    case 'fusion':
      return q.fusion === 'DBSF' ? { kind: 'dbsf' } : { kind: 'rrf', k: DEFAULT_RRF_K, weights: undefined };
    case 'rrf': {
      const k = q.rrf?.k ?? DEFAULT_RRF_K;
      if (k < 1) throw new AppError('VALIDATION', [`${where}.rrf.k: value ${k} invalid, must be 1 or larger`]);
      const weights = q.rrf?.weights ?? [];
      return { kind: 'rrf', k, weights: weights.length === 0 ? undefined : [...weights] };
    }
    case 'formula': {
      const f = q.formula;
      const scoreDefaults = new Map<number, unknown>();
      const payloadDefaults = new Map<string, unknown>();
      for (const [name, value] of Object.entries(f?.defaults ?? {})) {
        const variable = parseVariable(name, `${where}.defaults`);
        if (variable.kind === 'score') scoreDefaults.set(variable.index, jsonValue(value, `${where}.defaults.${name}`));
        else payloadDefaults.set(variable.path, jsonValue(value, `${where}.defaults.${name}`));
      }
      return { kind: 'formula', formula: { expr: expression(f?.expression, `${where}.formula`, 0), scoreDefaults, payloadDefaults } };
    }
    case 'sample':
      return { kind: 'sample' };
    case 'relevance_feedback': {
      const r = q.relevance_feedback;
      const naive = r?.strategy?.naive;
      if (naive === undefined || naive === null) throw bad(`${where}.relevance_feedback.strategy: expected {naive: {a, b, c}}`);
      if ((naive.b ?? 0) < 0) throw new AppError('VALIDATION', [`${where}.relevance_feedback.strategy.naive.b: value ${naive.b} invalid, must be 0.0 or larger`]);
      return {
        kind: 'feedback',
        target: vectorInput(r?.target, `${where}.relevance_feedback.target`),
        feedback: (r?.feedback ?? []).map((f, i) => ({ example: vectorInput(f.example, `${where}.relevance_feedback.feedback[${i}].example`), score: f.score ?? 0 })),
        a: naive.a ?? 0,
        b: naive.b ?? 0,
        c: naive.c ?? 0,
      };
    }
    default:
      throw bad(`${where}: a query variant is required`);
  }
}

type StageMessage = M.PrefetchQuery__Output | M.QueryPoints__Output | M.QueryPointGroups__Output;

function stage(m: StageMessage, where: string, depth: number): StageSpec {
  if (depth > MAX_PREFETCH_DEPTH) throw new AppError('VALIDATION', [`prefetches depth ${depth} exceeds max depth ${MAX_PREFETCH_DEPTH}`]);
  const p = where === '' ? '' : `${where}.`;
  const s: StageSpec = {
    prefetch: (m.prefetch ?? []).map((x, i) => stage(x, `${p}prefetch[${i}]`, depth + 1)),
    query: querySpec(m.query, `${p}query`),
    using: m.using ?? DEFAULT_VECTOR,
    filter: optionalFilter(m.filter, `${p}filter`),
    params: searchParams(m.params),
    threshold: m.score_threshold ?? undefined,
    limit: count(m.limit, DEFAULT_LIMIT, 1, `${p}limit`),
    lookupFrom: lookupLocation(m.lookup_from),
  };
  validateStage(s);
  return s;
}

export function queryRoot(m: M.QueryPoints__Output | M.QueryPointGroups__Output, where = ''): RootSpec {
  return { ...stage(m, where, 0), offset: 'offset' in m ? count(m.offset, 0, 0, 'offset') : 0, shardKeys: shardKeys(m.shard_key_selector) };
}

/** `SearchPoints` / `SearchPointGroups` → a nearest query. */
export function searchRoot(m: M.SearchPoints__Output | M.SearchPointGroups__Output): RootSpec {
  const dense = [...(m.vector ?? [])];
  const value = m.sparse_indices !== undefined && m.sparse_indices !== null ? { indices: [...(m.sparse_indices.data ?? [])], values: dense } : dense;
  return {
    prefetch: [],
    query: { kind: 'nearest', input: { kind: 'raw', value, where: 'vector' }, mmr: undefined },
    using: m.vector_name ?? DEFAULT_VECTOR,
    filter: optionalFilter(m.filter),
    params: searchParams(m.params),
    threshold: m.score_threshold ?? undefined,
    limit: count(m.limit, 0, 1, 'limit'),
    lookupFrom: undefined,
    offset: 'offset' in m ? count(m.offset, 0, 0, 'offset') : 0,
    shardKeys: shardKeys(m.shard_key_selector),
  };
}

/** `RecommendPoints` / `RecommendPointGroups` → a recommend query. */
export function recommendRoot(m: M.RecommendPoints__Output | M.RecommendPointGroups__Output): RootSpec {
  const examples = (ids: readonly M.PointId__Output[] | undefined, vectors: readonly M.Vector__Output[] | undefined, name: string) => [
    ...(ids ?? []).map((id, i) => ({ kind: 'id' as const, id: pointId(id, `${name}[${i}]`), where: `${name}[${i}]` })),
    ...(vectors ?? []).map((v, i) => ({ kind: 'raw' as const, value: rawVector(v, `${name}_vectors[${i}]`), where: `${name}_vectors[${i}]` })),
  ];
  const positive = examples(m.positive, m.positive_vectors, 'positive');
  const negative = examples(m.negative, m.negative_vectors, 'negative');
  const s = strategy(m.strategy ?? undefined);
  if (positive.length === 0 && (s === 'average_vector' || negative.length === 0)) {
    throw bad('At least one positive vector ID required');
  }
  return {
    prefetch: [],
    query: { kind: 'recommend', positive, negative, strategy: s },
    using: m.using ?? DEFAULT_VECTOR,
    filter: optionalFilter(m.filter),
    params: searchParams(m.params),
    threshold: m.score_threshold ?? undefined,
    limit: count(m.limit, 0, 1, 'limit'),
    lookupFrom: lookupLocation(m.lookup_from),
    offset: 'offset' in m ? count(m.offset, 0, 0, 'offset') : 0,
    shardKeys: shardKeys(m.shard_key_selector),
  };
}

/** `DiscoverPoints` → a discover query (a context query without a target). */
export function discoverRoot(m: M.DiscoverPoints__Output): RootSpec {
  const contextPairs = (m.context ?? []).map((p, i) => ({ positive: vectorExample(p.positive, `context[${i}].positive`), negative: vectorExample(p.negative, `context[${i}].negative`) }));
  const target = m.target?.single;
  const query: QuerySpec =
    target === undefined || target === null ? { kind: 'context', pairs: contextPairs } : { kind: 'discover', target: vectorExample(target, 'target'), pairs: contextPairs };
  return {
    prefetch: [],
    query,
    using: m.using ?? DEFAULT_VECTOR,
    filter: optionalFilter(m.filter),
    params: searchParams(m.params),
    threshold: undefined,
    limit: count(m.limit, 0, 1, 'limit'),
    lookupFrom: lookupLocation(m.lookup_from),
    offset: count(m.offset, 0, 0, 'offset'),
    shardKeys: shardKeys(m.shard_key_selector),
  };
}

interface GroupsMessage {
  readonly group_by?: string;
  readonly group_size?: string | number;
  readonly limit?: string | number;
  readonly with_lookup?: M.WithLookup__Output | null;
}

/** Groups of `query` per the message's `group_by`, `group_size`, `limit` (groups) and `with_lookup`. */
export function groupsRequest(m: GroupsMessage, query: QueryRequest): GroupsRequest {
  if (m.group_by === undefined || m.group_by === '') throw bad('group_by: must not be empty');
  return { query, groupBy: m.group_by, groupSize: count(m.group_size, 3, 1, 'group_size'), limit: count(m.limit, DEFAULT_LIMIT, 1, 'limit'), withLookup: withLookup(m.with_lookup) };
}

interface Selectors {
  readonly with_payload?: M.WithPayloadSelector__Output | null;
  readonly with_vectors?: M.WithVectorsSelector__Output | null;
}

/** A root plus what it returns (searches return no payload and no vectors unless asked). */
export function withSelectors(root: RootSpec, m: Selectors): QueryRequest {
  return { ...root, withPayload: payloadSelector(m.with_payload, false), withVector: vectorSelector(m.with_vectors, false) };
}

/** `WithLookup` (payload by default, no vectors, as Qdrant). */
function withLookup(w: M.WithLookup__Output | undefined | null): WithLookup | undefined {
  if (w === undefined || w === null) return undefined;
  return { collection: w.collection ?? '', withPayload: payloadSelector(w.with_payload, true), withVector: vectorSelector(w.with_vectors, false) };
}

/** `seed`: the request's bytes identify it (same request, same data → same sample). */
export function matrixRequest(m: M.SearchMatrixPoints__Output, seed: string): MatrixRequest {
  return {
    sample: count(m.sample, 10, 2, 'sample'),
    limit: count(m.limit, 3, 1, 'limit'),
    filter: optionalFilter(m.filter),
    using: m.using ?? DEFAULT_VECTOR,
    shardKeys: shardKeys(m.shard_key_selector),
    seed,
  };
}

export function scrollRequest(m: M.ScrollPoints__Output): ScrollRequest {
  return {
    filter: optionalFilter(m.filter),
    limit: count(m.limit, 10, 1, 'limit'),
    offset: m.offset === undefined || m.offset === null ? undefined : pointId(m.offset, 'offset'),
    orderBy: m.order_by === undefined || m.order_by === null ? undefined : orderBy(m.order_by, 'order_by'),
    shardKeys: shardKeys(m.shard_key_selector),
  };
}
