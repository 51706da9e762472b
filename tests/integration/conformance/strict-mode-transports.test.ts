/**
 * Strict mode is enforced the same through REST and gRPC: one scenario table, run through two drivers against the
 * same server and collection. A refusal is REST 400 / gRPC INVALID_ARGUMENT with the same text (Qdrant maps its
 * `BadRequest` to `InvalidArgument` with the error's text); a rate-limit refusal is REST 429 with `Retry-After` /
 * gRPC RESOURCE_EXHAUSTED with `retry-after` metadata (qdrant#5917, qdrant#6072). Refused writes change nothing.
 * The rate limiters run on an injected clock: the test steps time instead of sleeping. A coverage check lists every
 * point route and every `qdrant.Points` RPC and proves each one is charged to a rate limiter, so a transport cannot
 * add an entry point that skips strict mode unnoticed.
 */
import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { status } from '@grpc/grpc-js';
import { startTestApp, type TestApp } from '../../support/app.js';
import { GrpcCallError, GrpcPoints } from '../../support/grpc-writes.js';
import { contract } from '../../../src/api/grpc/proto.js';
import { ALL_ROUTES } from '../../../src/api/rest/routes/index.js';

type Json = Record<string, unknown>;

/** What a request came to: accepted, refused by strict mode (400 / INVALID_ARGUMENT), or rate limited (429 / RESOURCE_EXHAUSTED). */
type Outcome = { readonly kind: 'ok' } | { readonly kind: 'refused' | 'rate_limited'; readonly message: string; readonly retryAfter?: string | undefined };

/** One request in both wire forms: REST `method path body` (path after `/collections/{c}`), gRPC `qdrant.Points/<rpc>`. */
interface Request {
  readonly rest: readonly [method: string, path: string, body: Json];
  readonly grpc: readonly [rpc: string, message: Json];
}

interface Driver {
  readonly name: string;
  send(collection: string, r: Request): Promise<Outcome>;
}

const V = [0.2, 0.1, 0.9, 0.7];
const BERLIN = { key: 'city', match: { value: 'Berlin' } };
const G_BERLIN = { field: { key: 'city', match: { keyword: 'Berlin' } } };
const TWO = { must: [BERLIN, { key: 'price', range: { gte: 1 } }] };
const G_TWO = { must: [G_BERLIN, { field: { key: 'price', range: { gte: 1 } } }] };
const ANY3 = { must: [{ key: 'city', match: { any: ['a', 'b', 'c'] } }] };
const G_ANY3 = { must: [{ field: { key: 'city', match: { keywords: { strings: ['a', 'b', 'c'] } } } }] };
const CITY = { must: [BERLIN] };
const G_CITY = { must: [G_BERLIN] };
const dense = (data: number[]): Json => ({ dense: { data } });
const restPoints = (ids: number[]): Json[] => ids.map((id) => ({ id, vector: { d: [1, 1, 1, 1] } }));
const grpcPoints = (ids: number[]): Json[] => ids.map((id) => ({ id: { num: id }, vectors: { vectors: { vectors: { d: dense([1, 1, 1, 1]) } } } }));
const upsert = (ids: number[]): Request => ({ rest: ['PUT', '/points?wait=true', { points: restPoints(ids) }], grpc: ['Upsert', { wait: true, points: grpcPoints(ids) }] });

/** Requests, by the filter they carry (`f`: REST, `g`: gRPC). */
const byFilter = {
  delete: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/delete?wait=true', { filter: f }], grpc: ['Delete', { wait: true, points: { filter: g } }] }),
  setPayload: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/payload?wait=true', { payload: { x: 1 }, filter: f }], grpc: ['SetPayload', { wait: true, payload: { x: { integer_value: 1 } }, points_selector: { filter: g } }] }),
  overwritePayload: (f: Json, g: Json): Request => ({ rest: ['PUT', '/points/payload?wait=true', { payload: { x: 1 }, filter: f }], grpc: ['OverwritePayload', { wait: true, payload: { x: { integer_value: 1 } }, points_selector: { filter: g } }] }),
  deletePayload: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/payload/delete?wait=true', { keys: ['x'], filter: f }], grpc: ['DeletePayload', { wait: true, keys: ['x'], points_selector: { filter: g } }] }),
  clearPayload: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/payload/clear?wait=true', { filter: f }], grpc: ['ClearPayload', { wait: true, points: { filter: g } }] }),
  deleteVectors: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/vectors/delete?wait=true', { filter: f, vector: ['d'] }], grpc: ['DeleteVectors', { wait: true, points_selector: { filter: g }, vectors: { names: ['d'] } }] }),
  upsertIf: (f: Json, g: Json): Request => ({
    rest: ['PUT', '/points?wait=true', { points: restPoints([1]), update_filter: f }],
    grpc: ['Upsert', { wait: true, points: grpcPoints([1]), update_filter: g }],
  }),
  query: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/query', { query: V, using: 'd', filter: f }], grpc: ['Query', { query: { nearest: dense(V) }, using: 'd', filter: g }] }),
  scroll: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/scroll', { filter: f }], grpc: ['Scroll', { filter: g }] }),
  count: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/count', { filter: f, exact: false }], grpc: ['Count', { filter: g, exact: false }] }),
  facet: (f: Json, g: Json): Request => ({ rest: ['POST', '/facet', { key: 'price', filter: f }], grpc: ['Facet', { key: 'price', filter: g }] }),
  matrix: (f: Json, g: Json): Request => ({ rest: ['POST', '/points/search/matrix/pairs', { using: 'd', sample: 2, limit: 1, filter: f }], grpc: ['SearchMatrixPairs', { using: 'd', sample: 2, limit: 1, filter: g }] }),
};

/** Requests, by the limit they carry. */
const byLimit = {
  query: (limit: number): Request => ({ rest: ['POST', '/points/query', { query: V, using: 'd', limit }], grpc: ['Query', { query: { nearest: dense(V) }, using: 'd', limit }] }),
  search: (limit: number): Request => ({ rest: ['POST', '/points/search', { vector: { name: 'd', vector: V }, limit }], grpc: ['Search', { vector: V, vector_name: 'd', limit }] }),
  scroll: (limit: number): Request => ({ rest: ['POST', '/points/scroll', { limit }], grpc: ['Scroll', { limit }] }),
  recommend: (limit: number): Request => ({ rest: ['POST', '/points/recommend', { positive: [1], using: 'd', limit }], grpc: ['Recommend', { positive: [{ num: 1 }], using: 'd', limit }] }),
  discover: (limit: number): Request => ({
    rest: ['POST', '/points/discover', { target: 1, context: [{ positive: 2, negative: 3 }], using: 'd', limit }],
    grpc: ['Discover', { target: { single: { id: { num: 1 } } }, context: [{ positive: { id: { num: 2 } }, negative: { id: { num: 3 } } }], using: 'd', limit }],
  }),
  groups: (limit: number, groupSize: number): Request => ({
    rest: ['POST', '/points/query/groups', { query: V, using: 'd', group_by: 'price', limit, group_size: groupSize }],
    grpc: ['QueryGroups', { query: { nearest: dense(V) }, using: 'd', group_by: 'price', limit, group_size: groupSize }],
  }),
  matrix: (sample: number, limit: number): Request => ({ rest: ['POST', '/points/search/matrix/offsets', { using: 'd', sample, limit }], grpc: ['SearchMatrixOffsets', { using: 'd', sample, limit }] }),
  facet: (limit: number): Request => ({ rest: ['POST', '/facet', { key: 'price', limit }], grpc: ['Facet', { key: 'price', limit }] }),
};

/** Batches of `n` searches. */
const batchOf = {
  query: (n: number): Request => ({
    rest: ['POST', '/points/query/batch', { searches: Array.from({ length: n }, () => ({ query: V, using: 'd' })) }],
    grpc: ['QueryBatch', { query_points: Array.from({ length: n }, () => ({ collection_name: 't', query: { nearest: dense(V) }, using: 'd', limit: 1 })) }],
  }),
  search: (n: number): Request => ({
    rest: ['POST', '/points/search/batch', { searches: Array.from({ length: n }, () => ({ vector: { name: 'd', vector: V }, limit: 1 })) }],
    grpc: ['SearchBatch', { search_points: Array.from({ length: n }, () => ({ collection_name: 't', vector: V, vector_name: 'd', limit: 1 })) }],
  }),
  recommend: (n: number): Request => ({
    rest: ['POST', '/points/recommend/batch', { searches: Array.from({ length: n }, () => ({ positive: [1], using: 'd', limit: 1 })) }],
    grpc: ['RecommendBatch', { recommend_points: Array.from({ length: n }, () => ({ collection_name: 't', positive: [{ num: 1 }], using: 'd', limit: 1 })) }],
  }),
  discover: (n: number): Request => ({
    rest: ['POST', '/points/discover/batch', { searches: Array.from({ length: n }, () => ({ target: 1, context: [{ positive: 2, negative: 3 }], using: 'd', limit: 1 })) }],
    grpc: [
      'DiscoverBatch',
      { discover_points: Array.from({ length: n }, () => ({ collection_name: 't', target: { single: { id: { num: 1 } } }, context: [{ positive: { id: { num: 2 } }, negative: { id: { num: 3 } } }], using: 'd', limit: 1 })) },
    ],
  }),
};

const limitText = (name: string, value: number, max: number): string => `Bad request: Limit exceeded ${value} > ${max} for "${name}". Help: Reduce the "${name}" parameter to or below ${max}.`;
const INDEX_CITY = 'Bad request: Index required but not found for "city" of one of the following types: [keyword]. Help: Create an index for this key or use a different filter.';
const CONDITIONS = 'Bad request: Filter condition limit reached (2 > 1). Help: Reduce the amount of conditions of your filter.';
const CONDITION_SIZE = 'Bad request: Condition size limit reached (3 > 2). Help: Reduce the size of your condition.';
const EXACT = 'Bad request: Exact search disabled!. Help: Set exact=false.';

interface Row {
  readonly name: string;
  /** Merged over {@link NEUTRAL}. */
  readonly strict: Json;
  readonly request: Request;
  /** The refusal text, or null when the request is accepted. */
  readonly refused: string | null;
}

/** Strict mode on, every limit far away. */
const NEUTRAL: Json = {
  enabled: true,
  max_query_limit: 1000,
  max_timeout: 1000,
  unindexed_filtering_retrieve: true,
  unindexed_filtering_update: true,
  search_max_hnsw_ef: 10000,
  search_allow_exact: true,
  search_max_oversampling: 1000,
  upsert_max_batchsize: 1000,
  search_max_batchsize: 1000,
  filter_max_conditions: 1000,
  condition_max_size: 1000,
  max_points_count: 1_000_000,
  max_collection_vector_size_bytes: 1e9,
  max_collection_payload_size_bytes: 1e9,
  multivector_config: { m: { max_vectors: 1000 } },
  sparse_config: { sp: { max_length: 1000 } },
};

const ROWS: Row[] = [
  // ---- writes
  { name: 'upsert_max_batchsize: upsert', strict: { upsert_max_batchsize: 2 }, request: upsert([1, 2, 3]), refused: limitText('upsert limit', 3, 2) },
  { name: 'upsert_max_batchsize: upsert within it', strict: { upsert_max_batchsize: 2 }, request: upsert([7, 8]), refused: null },
  {
    name: 'upsert_max_batchsize: update vectors',
    strict: { upsert_max_batchsize: 2 },
    request: { rest: ['PUT', '/points/vectors?wait=true', { points: restPoints([1, 2, 3]) }], grpc: ['UpdateVectors', { wait: true, points: grpcPoints([1, 2, 3]) }] },
    refused: limitText('update limit', 3, 2),
  },
  {
    name: 'upsert_max_batchsize: batch update',
    strict: { upsert_max_batchsize: 2 },
    request: { rest: ['POST', '/points/batch?wait=true', { operations: [{ upsert: { points: restPoints([1, 2, 3]) } }] }], grpc: ['UpdateBatch', { wait: true, operations: [{ upsert: { points: grpcPoints([1, 2, 3]) } }] }] },
    refused: limitText('upsert limit', 3, 2),
  },
  ...(['delete', 'setPayload', 'overwritePayload', 'deletePayload', 'clearPayload', 'deleteVectors', 'upsertIf'] as const).map((k) => ({
    name: `unindexed_filtering_update: ${k}`,
    strict: { unindexed_filtering_update: false },
    request: byFilter[k](CITY, G_CITY),
    refused: INDEX_CITY,
  })),
  { name: 'unindexed_filtering_update: an indexed field passes', strict: { unindexed_filtering_update: false }, request: byFilter.setPayload({ must: [{ key: 'price', match: { value: 99 } }] }, { must: [{ field: { key: 'price', match: { integer: 99 } } }] }), refused: null },
  { name: 'filter_max_conditions: delete', strict: { filter_max_conditions: 1 }, request: byFilter.delete(TWO, G_TWO), refused: CONDITIONS },
  { name: 'condition_max_size: set payload', strict: { condition_max_size: 2 }, request: byFilter.setPayload(ANY3, G_ANY3), refused: CONDITION_SIZE },
  {
    name: 'multivector max_vectors: upsert',
    strict: { multivector_config: { m: { max_vectors: 2 } } },
    request: {
      rest: ['PUT', '/points?wait=true', { points: [{ id: 1, vector: { d: [1, 1, 1, 1], m: [[1, 0], [0, 1], [1, 1]] } }] }],
      grpc: ['Upsert', { wait: true, points: [{ id: { num: 1 }, vectors: { vectors: { vectors: { d: dense([1, 1, 1, 1]), m: { multi_dense: { vectors: [{ data: [1, 0] }, { data: [0, 1] }, { data: [1, 1] }] } } } } } }] }],
    },
    refused: "Bad request: Multivector 'm' has a limit of 2 vectors, but 3 were provided!",
  },
  {
    name: 'sparse max_length: update vectors',
    strict: { sparse_config: { sp: { max_length: 2 } } },
    request: {
      rest: ['PUT', '/points/vectors?wait=true', { points: [{ id: 1, vector: { sp: { indices: [1, 2, 3], values: [1, 1, 1] } } }] }],
      grpc: ['UpdateVectors', { wait: true, points: [{ id: { num: 1 }, vectors: { vectors: { vectors: { sp: { sparse: { indices: [1, 2, 3], values: [1, 1, 1] } } } } } }] }],
    },
    refused: "Bad request: Sparse vector 'sp' has a limit of 2 indices, but 3 were provided!",
  },
  { name: 'max_points_count: upsert', strict: { max_points_count: 5 }, request: upsert([9]), refused: 'Bad request: Max points count limit of 5 reached!' },
  { name: 'max_collection_vector_size_bytes: upsert', strict: { max_collection_vector_size_bytes: 64 }, request: upsert([9]), refused: 'Bad request: Max vector storage size limit of 0.000061035156MB reached!' },
  {
    name: 'max_collection_payload_size_bytes: set payload',
    strict: { max_collection_payload_size_bytes: 100 },
    request: byFilter.setPayload({ must: [{ key: 'price', match: { value: 99 } }] }, { must: [{ field: { key: 'price', match: { integer: 99 } } }] }),
    refused: 'Bad request: Max payload storage size limit of 0.00009536743MB reached!',
  },
  {
    name: 'max_timeout: upsert',
    strict: { max_timeout: 2 },
    request: { rest: ['PUT', '/points?wait=true&timeout=3', { points: restPoints([1]) }], grpc: ['Upsert', { wait: true, timeout: 3, points: grpcPoints([1]) }] },
    refused: limitText('timeout', 3, 2),
  },
  // ---- reads
  ...(['query', 'search', 'scroll', 'recommend', 'discover', 'facet'] as const).map((k) => ({ name: `max_query_limit: ${k}`, strict: { max_query_limit: 3 }, request: byLimit[k](4), refused: limitText('limit', 4, 3) })),
  { name: 'max_query_limit: query within it', strict: { max_query_limit: 3 }, request: byLimit.query(3), refused: null },
  { name: 'max_query_limit: groups count limit × group_size', strict: { max_query_limit: 3 }, request: byLimit.groups(2, 2), refused: limitText('limit', 4, 3) },
  { name: 'max_query_limit: matrix counts sample × limit', strict: { max_query_limit: 3 }, request: byLimit.matrix(2, 2), refused: limitText('limit', 4, 3) },
  {
    name: 'max_timeout: query',
    strict: { max_timeout: 2 },
    request: { rest: ['POST', '/points/query?timeout=3', { query: V, using: 'd' }], grpc: ['Query', { query: { nearest: dense(V) }, using: 'd', timeout: 3 }] },
    refused: limitText('timeout', 3, 2),
  },
  {
    name: 'max_timeout: count',
    strict: { max_timeout: 2 },
    request: { rest: ['POST', '/points/count?timeout=3', { exact: false }], grpc: ['Count', { exact: false, timeout: 3 }] },
    refused: limitText('timeout', 3, 2),
  },
  ...(['query', 'search', 'recommend', 'discover'] as const).map((k) => ({ name: `search_max_batchsize: ${k} batch`, strict: { search_max_batchsize: 2 }, request: batchOf[k](3), refused: limitText('search batch size', 3, 2) })),
  { name: 'search_max_batchsize: a batch within it', strict: { search_max_batchsize: 2 }, request: batchOf.query(2), refused: null },
  ...(['query', 'scroll', 'count', 'facet', 'matrix'] as const).map((k) => ({ name: `unindexed_filtering_retrieve: ${k}`, strict: { unindexed_filtering_retrieve: false }, request: byFilter[k](CITY, G_CITY), refused: INDEX_CITY })),
  ...(['query', 'scroll', 'count', 'facet'] as const).map((k) => ({ name: `filter_max_conditions: ${k}`, strict: { filter_max_conditions: 1 }, request: byFilter[k](TWO, G_TWO), refused: CONDITIONS })),
  ...(['query', 'facet'] as const).map((k) => ({ name: `condition_max_size: ${k}`, strict: { condition_max_size: 2 }, request: byFilter[k](ANY3, G_ANY3), refused: CONDITION_SIZE })),
  {
    name: 'search_max_hnsw_ef: search',
    strict: { search_max_hnsw_ef: 5 },
    request: { rest: ['POST', '/points/search', { vector: { name: 'd', vector: V }, limit: 1, params: { hnsw_ef: 6 } }], grpc: ['Search', { vector: V, vector_name: 'd', limit: 1, params: { hnsw_ef: 6 } }] },
    refused: limitText('hnsw_ef', 6, 5),
  },
  {
    name: 'search_max_hnsw_ef: query',
    strict: { search_max_hnsw_ef: 5 },
    request: { rest: ['POST', '/points/query', { query: V, using: 'd', params: { hnsw_ef: 6 } }], grpc: ['Query', { query: { nearest: dense(V) }, using: 'd', params: { hnsw_ef: 6 } }] },
    refused: limitText('hnsw_ef', 6, 5),
  },
  {
    name: 'search_max_oversampling: query',
    strict: { search_max_oversampling: 2 },
    request: {
      rest: ['POST', '/points/query', { query: V, using: 'd', params: { quantization: { oversampling: 3 } } }],
      grpc: ['Query', { query: { nearest: dense(V) }, using: 'd', params: { quantization: { oversampling: 3 } } }],
    },
    refused: limitText('oversampling', 3, 2),
  },
  {
    name: 'search_allow_exact: search',
    strict: { search_allow_exact: false },
    request: { rest: ['POST', '/points/search', { vector: { name: 'd', vector: V }, limit: 1, params: { exact: true } }], grpc: ['Search', { vector: V, vector_name: 'd', limit: 1, params: { exact: true } }] },
    refused: EXACT,
  },
  { name: 'search_allow_exact: count is exact by default', strict: { search_allow_exact: false }, request: { rest: ['POST', '/points/count', {}], grpc: ['Count', {}] }, refused: EXACT },
  { name: 'search_allow_exact: approximate count', strict: { search_allow_exact: false }, request: { rest: ['POST', '/points/count', { exact: false }], grpc: ['Count', { exact: false }] }, refused: null },
  { name: 'search_allow_exact: exact facet', strict: { search_allow_exact: false }, request: { rest: ['POST', '/facet', { key: 'price', exact: true }], grpc: ['Facet', { key: 'price', exact: true }] }, refused: EXACT },
  { name: 'search_allow_exact: facet', strict: { search_allow_exact: false }, request: { rest: ['POST', '/facet', { key: 'price' }], grpc: ['Facet', { key: 'price' }] }, refused: null },
  {
    name: 'unindexed_filtering_retrieve: group_by needs a match index',
    strict: { unindexed_filtering_retrieve: false },
    request: {
      rest: ['POST', '/points/query/groups', { query: V, using: 'd', group_by: 'city' }],
      grpc: ['QueryGroups', { query: { nearest: dense(V) }, using: 'd', group_by: 'city' }],
    },
    refused: 'Bad request: Index required but not found for "city". Help: Create an index supporting `match` for this key.',
  },
];

/**
 * Every point read and write of both transports, for the rate-limit coverage check (structural endpoints — field
 * indexes, vector names — are not rate limited and not listed).
 */
const READS: Record<string, Request> = {
  get: { rest: ['GET', '/points/1', {}], grpc: ['Get', { ids: [{ num: 1 }] }] },
  retrieve: { rest: ['POST', '/points', { ids: [1] }], grpc: ['Get', { ids: [{ num: 1 }] }] },
  query: byLimit.query(1),
  queryBatch: batchOf.query(1),
  queryGroups: byLimit.groups(1, 1),
  search: byLimit.search(1),
  searchBatch: batchOf.search(1),
  searchGroups: { rest: ['POST', '/points/search/groups', { vector: { name: 'd', vector: V }, group_by: 'price', limit: 1, group_size: 1 }], grpc: ['SearchGroups', { vector: V, vector_name: 'd', group_by: 'price', limit: 1, group_size: 1 }] },
  recommend: byLimit.recommend(1),
  recommendBatch: batchOf.recommend(1),
  recommendGroups: { rest: ['POST', '/points/recommend/groups', { positive: [1], using: 'd', group_by: 'price', limit: 1, group_size: 1 }], grpc: ['RecommendGroups', { positive: [{ num: 1 }], using: 'd', group_by: 'price', limit: 1, group_size: 1 }] },
  discover: byLimit.discover(1),
  discoverBatch: batchOf.discover(1),
  scroll: byLimit.scroll(1),
  count: { rest: ['POST', '/points/count', {}], grpc: ['Count', {}] },
  facet: byLimit.facet(1),
  matrixPairs: byFilter.matrix({ must: [] }, { must: [] }),
  matrixOffsets: byLimit.matrix(2, 1),
};
const WRITES: Record<string, Request> = {
  upsert: upsert([1]),
  delete: { rest: ['POST', '/points/delete?wait=true', { points: [99] }], grpc: ['Delete', { wait: true, points: { points: { ids: [{ num: 99 }] } } }] },
  updateVectors: { rest: ['PUT', '/points/vectors?wait=true', { points: restPoints([1]) }], grpc: ['UpdateVectors', { wait: true, points: grpcPoints([1]) }] },
  deleteVectors: { rest: ['POST', '/points/vectors/delete?wait=true', { points: [99], vector: ['d'] }], grpc: ['DeleteVectors', { wait: true, points_selector: { points: { ids: [{ num: 99 }] } }, vectors: { names: ['d'] } }] },
  setPayload: { rest: ['POST', '/points/payload?wait=true', { payload: { x: 1 }, points: [99] }], grpc: ['SetPayload', { wait: true, payload: { x: { integer_value: 1 } }, points_selector: { points: { ids: [{ num: 99 }] } } }] },
  overwritePayload: { rest: ['PUT', '/points/payload?wait=true', { payload: { x: 1 }, points: [99] }], grpc: ['OverwritePayload', { wait: true, payload: { x: { integer_value: 1 } }, points_selector: { points: { ids: [{ num: 99 }] } } }] },
  deletePayload: { rest: ['POST', '/points/payload/delete?wait=true', { keys: ['x'], points: [99] }], grpc: ['DeletePayload', { wait: true, keys: ['x'], points_selector: { points: { ids: [{ num: 99 }] } } }] },
  clearPayload: { rest: ['POST', '/points/payload/clear?wait=true', { points: [99] }], grpc: ['ClearPayload', { wait: true, points: { points: { ids: [{ num: 99 }] } } }] },
  batch: { rest: ['POST', '/points/batch?wait=true', { operations: [{ upsert: { points: restPoints([1]) } }] }], grpc: ['UpdateBatch', { wait: true, operations: [{ upsert: { points: grpcPoints([1]) } }] }] },
};
/** `qdrant.Points` RPCs that change a collection's structure, not its points: not rate limited (as in Qdrant). */
const STRUCTURAL_RPCS = new Set(['CreateFieldIndex', 'DeleteFieldIndex', 'CreateVectorName', 'DeleteVectorName']);

describe('conformance: strict mode through REST and gRPC', () => {
  let app: TestApp;
  let grpc: GrpcPoints;
  let nowMs = 5_000_000;
  const drivers: Driver[] = [];

  const patch = async (collection: string, config: Json): Promise<void> => {
    const r = await app.request('PATCH', `/collections/${collection}`, { strict_mode_config: config });
    assert.equal(r.status, 200, r.text);
  };
  const create = async (collection: string): Promise<void> => {
    const made = await app.request('PUT', `/collections/${collection}`, {
      vectors: { d: { size: 4, distance: 'Dot' }, m: { size: 2, distance: 'Dot', multivector_config: { comparator: 'max_sim' } } },
      sparse_vectors: { sp: {} },
    });
    assert.equal(made.status, 200, made.text);
    const points = [1, 2, 3, 4, 5].map((id) => ({ id, vector: { d: [0.05 * id, 0.61, 0.76, 0.74] }, payload: { city: id % 2 === 0 ? 'Berlin' : 'London', price: id, note: 'n'.repeat(48) } }));
    assert.equal((await app.request('PUT', `/collections/${collection}/points?wait=true`, { points })).status, 200);
    assert.equal((await app.request('PUT', `/collections/${collection}/index?wait=true`, { field_name: 'price', field_schema: 'integer' })).status, 200);
  };
  /** Every point with payload and vectors, to prove refused writes changed nothing. */
  const contents = async (collection: string): Promise<unknown> => (await app.request('POST', `/collections/${collection}/points/scroll`, { limit: 100, with_vector: true })).body.result;

  before(async () => {
    app = await startTestApp({}, { now: () => nowMs });
    grpc = new GrpcPoints((await app.startGrpc('127.0.0.1', 0)).port);
    drivers.push(
      {
        name: 'REST',
        send: async (c, r) => {
          const [method, path, body] = r.rest;
          const res = await app.request(method, `/collections/${c}${path}`, method === 'GET' ? undefined : body);
          if (res.status === 200) return { kind: 'ok' };
          if (res.status === 400) return { kind: 'refused', message: res.body.status.error };
          if (res.status === 429) return { kind: 'rate_limited', message: res.body.status.error, retryAfter: res.headers['retry-after'] as string | undefined };
          throw new Error(`REST ${method} ${path}: unexpected ${res.status} ${res.text}`);
        },
      },
      {
        name: 'gRPC',
        send: async (c, r) => {
          const [rpc, message] = r.grpc;
          try {
            await grpc.call(rpc, { ...message, collection_name: c });
            return { kind: 'ok' };
          } catch (e) {
            if (!(e instanceof GrpcCallError)) throw e;
            if (e.code === status.INVALID_ARGUMENT) return { kind: 'refused', message: e.details };
            if (e.code === status.RESOURCE_EXHAUSTED) return { kind: 'rate_limited', message: e.details, retryAfter: e.retryAfter };
            throw new Error(`gRPC ${rpc}: unexpected ${e.message}`, { cause: e });
          }
        },
      },
    );
    await create('t');
  });
  after(async () => {
    grpc.close();
    await app.destroy();
  });

  it('the scenario table gives the same answer through both transports, and refused writes change nothing', async () => {
    const before = await contents('t');
    for (const driver of drivers) {
      for (const row of ROWS) {
        await patch('t', { ...NEUTRAL, ...row.strict });
        const got = await driver.send('t', row.request);
        const want: Outcome = row.refused === null ? { kind: 'ok' } : { kind: 'refused', message: row.refused };
        assert.deepEqual(got, want, `${driver.name}: ${row.name}`);
      }
    }
    await patch('t', { enabled: false });
    // The accepted writes add points 7 and 8 and set a payload on no point: points 1–5 are as they were.
    const original = (list: unknown): unknown => (list as { points: Array<{ id: number }> }).points.filter((p) => p.id <= 5);
    assert.deepEqual(original(await contents('t')), original(before));
    assert.equal((await contents('t') as { points: unknown[] }).points.length, 7);
  });

  for (const index of [0, 1]) {
    it(`${index === 0 ? 'REST' : 'gRPC'}: read_rate_limit is a token bucket per minute; refusals carry the seconds to wait`, async () => {
      const driver = drivers[index]!;
      const c = `read-${index}`;
      await create(c);
      await patch(c, { enabled: true, read_rate_limit: 2 });
      assert.deepEqual(await driver.send(c, byLimit.query(1)), { kind: 'ok' });
      assert.deepEqual(await driver.send(c, byLimit.scroll(1)), { kind: 'ok' });
      assert.deepEqual(await driver.send(c, byLimit.search(1)), {
        kind: 'rate_limited',
        message: 'Rate limiting exceeded: Read rate limit exceeded: Operation requires 1 tokens but only 0.0 were available. Retry after 30s',
        retryAfter: '30',
      });
      nowMs += 15_000; // half a token back
      assert.equal((await driver.send(c, byLimit.query(1))).kind, 'rate_limited');
      nowMs += 15_000;
      assert.deepEqual(await driver.send(c, byLimit.query(1)), { kind: 'ok' });
      nowMs += 60_000;
      assert.deepEqual(await driver.send(c, batchOf.query(3)), {
        kind: 'rate_limited',
        message: 'Rate limiting exceeded: Read rate limit exceeded, request larger than rate limiter capacity, please try to split your request',
        retryAfter: undefined,
      });
      assert.deepEqual(await driver.send(c, batchOf.query(2)), { kind: 'ok' }, 'a batch costs one token per search');
    });

    it(`${index === 0 ? 'REST' : 'gRPC'}: write_rate_limit costs one token per point`, async () => {
      const driver = drivers[index]!;
      const c = `write-${index}`;
      await create(c);
      await patch(c, { enabled: true, write_rate_limit: 10 });
      const ten = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];
      assert.deepEqual(await driver.send(c, upsert([...ten, 11])), {
        kind: 'rate_limited',
        message: 'Rate limiting exceeded: Write rate limit exceeded, request larger than rate limiter capacity, please try to split your request',
        retryAfter: undefined,
      });
      assert.deepEqual(await driver.send(c, upsert(ten)), { kind: 'ok' });
      assert.deepEqual(await driver.send(c, upsert(ten)), {
        kind: 'rate_limited',
        message: 'Rate limiting exceeded: Write rate limit exceeded: Operation requires 10 tokens but only 0.0 were available. Retry after 60s',
        retryAfter: '60',
      });
      nowMs += 60_000;
      assert.deepEqual(await driver.send(c, upsert(ten)), { kind: 'ok' });
    });
  }

  /** The collection's points (1–5: ids, `price` = id indexed as integer, `city` Berlin for even ids, unindexed). */
  const SPARSE_65 = { indices: Array.from({ length: 65 }, (_, i) => i), values: Array.from({ length: 65 }, () => 0.5) };
  /** Each request with the read tokens Qdrant's shard charges for it. */
  const READ_COSTS: Array<readonly [name: string, cost: number, request: Request]> = [
    ['retrieve: one token per id', 3, { rest: ['POST', '/points', { ids: [1, 2, 42] }], grpc: ['Get', { ids: [{ num: 1 }, { num: 2 }, { num: 42 }] }] }],
    ['scroll: 1 + two conditions', 3, byFilter.scroll(TWO, G_TWO)],
    ['count: 1 + one condition', 2, byFilter.count(CITY, G_CITY)],
    ['facet: 1 + one condition', 2, byFilter.facet(CITY, G_CITY)],
    ['nearest query: 1 per dense vector + two conditions', 3, byFilter.query(TWO, G_TWO)],
    ['recommend (best_score): its three vectors', 3, {
      rest: ['POST', '/points/query', { query: { recommend: { positive: [1, 2], negative: [3], strategy: 'best_score' } }, using: 'd' }],
      grpc: ['Query', { query: { recommend: { positive: [{ id: { num: 1 } }, { id: { num: 2 } }], negative: [{ id: { num: 3 } }], strategy: 'BestScore' } }, using: 'd' }],
    }],
    ['recommend (average_vector): one averaged vector', 1, {
      rest: ['POST', '/points/recommend', { positive: [1, 2], negative: [3], using: 'd', limit: 10 }],
      grpc: ['Recommend', { positive: [{ num: 1 }, { num: 2 }], negative: [{ num: 3 }], using: 'd' }],
    }],
    ['sparse query: a token per started 64 indices', 2, {
      rest: ['POST', '/points/query', { query: SPARSE_65, using: 'sp' }],
      grpc: ['Query', { query: { nearest: { sparse: SPARSE_65 } }, using: 'sp' }],
    }],
    ['multivector query: one per row', 3, {
      rest: ['POST', '/points/query', { query: [[1, 0], [0, 1], [1, 1]], using: 'm' }],
      grpc: ['Query', { query: { nearest: { multi_dense: { vectors: [{ data: [1, 0] }, { data: [0, 1] }, { data: [1, 1] }] } } }, using: 'm' }],
    }],
    ['prefetch tree: each leaf with the root filter merged in, fusion free', 5, {
      rest: ['POST', '/points/query', { prefetch: [{ query: V, using: 'd', filter: CITY }, { using: 'd' }], query: { fusion: 'rrf' }, filter: CITY }],
      grpc: ['Query', { prefetch: [{ query: { nearest: dense(V) }, using: 'd', filter: G_CITY }, { using: 'd' }], query: { fusion: 'RRF' }, filter: G_CITY }],
    }],
    ['discover: its target and both vectors of each context pair', 3, {
      rest: ['POST', '/points/query', { query: { discover: { target: 1, context: [{ positive: 2, negative: 3 }] } }, using: 'd' }],
      grpc: ['Query', { query: { discover: { target: { id: { num: 1 } }, context: { pairs: [{ positive: { id: { num: 2 } }, negative: { id: { num: 3 } } }] } } }, using: 'd' }],
    }],
    ['context: both vectors of each pair + a condition', 5, {
      rest: ['POST', '/points/query', { query: { context: [{ positive: 1, negative: 2 }, { positive: 3, negative: 4 }] }, using: 'd', filter: CITY }],
      grpc: ['Query', { query: { context: { pairs: [{ positive: { id: { num: 1 } }, negative: { id: { num: 2 } } }, { positive: { id: { num: 3 } }, negative: { id: { num: 4 } } }] } }, using: 'd', filter: G_CITY }],
    }],
    ['search batch: the sum of its searches', 2, batchOf.search(2)],
    ['distance matrix: its sampling scroll (1 + a condition), then per sampled point (2 Berlin points) 1 + the condition + has_id', 8, byFilter.matrix(CITY, G_CITY)],
  ];

  for (const index of [0, 1]) {
    it(`${index === 0 ? 'REST' : 'gRPC'}: a read costs what Qdrant's shard charges`, async () => {
      const driver = drivers[index]!;
      const c = `cost-${index}`;
      await create(c);
      let capacity = 200;
      for (const [name, cost, request] of READ_COSTS) {
        capacity += 1; // a new rate: a full bucket
        await patch(c, { enabled: true, read_rate_limit: capacity });
        assert.deepEqual(await driver.send(c, request), { kind: 'ok' }, name);
        // A retrieve of `capacity` ids then needs the full bucket: the refusal says what is left.
        const probe: Request = {
          rest: ['POST', '/points', { ids: Array.from({ length: capacity }, (_, i) => i + 1) }],
          grpc: ['Get', { ids: Array.from({ length: capacity }, (_, i) => ({ num: i + 1 })) }],
        };
        const got = await driver.send(c, probe);
        assert.equal(got.kind, 'rate_limited', name);
        assert.match((got as { message: string }).message, new RegExp(`requires ${capacity} tokens but only ${(capacity - cost).toFixed(1)} were available`), name);
      }
    });

    it(`${index === 0 ? 'REST' : 'gRPC'}: a filtered write costs the points its filter is estimated to select; a batch the sum`, async () => {
      const driver = drivers[index]!;
      const c = `wcost-${index}`;
      await create(c);
      const PRICE_4_UP = { must: [{ key: 'price', range: { gte: 4 } }] };
      const G_PRICE_4_UP = { must: [{ field: { key: 'price', range: { gte: 4 } } }] };
      const rows: Array<readonly [string, number, Request]> = [
        ['set payload by an indexed filter: the 2 points it selects', 2, byFilter.setPayload(PRICE_4_UP, G_PRICE_4_UP)],
        ['set payload on ids: one per id', 3, { rest: ['POST', '/points/payload?wait=true', { payload: { x: 1 }, points: [1, 2, 3] }], grpc: ['SetPayload', { wait: true, payload: { x: { integer_value: 1 } }, points_selector: { points: { ids: [{ num: 1 }, { num: 2 }, { num: 3 }] } } }] }],
        ['batch: each operation at least one', 3, {
          rest: ['POST', '/points/batch?wait=true', { operations: [{ upsert: { points: restPoints([1, 2]) } }, { delete: { points: [] } }] }],
          grpc: ['UpdateBatch', { wait: true, operations: [{ upsert: { points: grpcPoints([1, 2]) } }, { delete_points: { points: { points: { ids: [] } } } }] }],
        }],
      ];
      let capacity = 100;
      for (const [name, cost, request] of rows) {
        capacity += 1;
        await patch(c, { enabled: true, write_rate_limit: capacity });
        assert.deepEqual(await driver.send(c, request), { kind: 'ok' }, name);
        const got = await driver.send(c, upsert(Array.from({ length: capacity }, (_, i) => 1000 + i)));
        assert.equal(got.kind, 'rate_limited', name);
        assert.match((got as { message: string }).message, new RegExp(`requires ${capacity} tokens but only ${(capacity - cost).toFixed(1)} were available`), name);
      }
    });

    it(`${index === 0 ? 'REST' : 'gRPC'}: the request's content is checked before the rate is charged`, async () => {
      const driver = drivers[index]!;
      const c = `order-${index}`;
      await create(c);
      await patch(c, { enabled: true, read_rate_limit: 1, write_rate_limit: 1, max_query_limit: 5, upsert_max_batchsize: 2 });
      assert.deepEqual(await driver.send(c, byLimit.query(1)), { kind: 'ok' });
      assert.deepEqual(await driver.send(c, upsert([1])), { kind: 'ok' });
      // Both buckets are empty: a request over a limit is refused for the limit (400), not for the rate (429).
      assert.deepEqual(await driver.send(c, byLimit.query(10)), { kind: 'refused', message: limitText('limit', 10, 5) });
      assert.deepEqual(await driver.send(c, upsert([1, 2, 3])), { kind: 'refused', message: limitText('upsert limit', 3, 2) });
      assert.equal((await driver.send(c, byLimit.query(1))).kind, 'rate_limited');
      // A refused request took no tokens: a minute later exactly one token is back, and it serves one read.
      nowMs += 60_000;
      assert.deepEqual(await driver.send(c, byLimit.query(20)), { kind: 'refused', message: limitText('limit', 20, 5) });
      assert.deepEqual(await driver.send(c, byLimit.query(1)), { kind: 'ok' });
      assert.equal((await driver.send(c, byLimit.query(1))).kind, 'rate_limited');
    });
  }

  it('every point route and every point RPC is charged to a rate limiter', async () => {
    const restPaths = new Set([...Object.values(READS), ...Object.values(WRITES)].map((r) => `${r.rest[0]} ${r.rest[1].replace(/\?.*$/, '').replace('/points/1', '/points/{id}')}`));
    const pointRoutes = ALL_ROUTES.filter((r) => /^\/collections\/\{collection_name\}\/(points|facet)/.test(r.path)).map((r) => `${r.method} ${r.path.replace('/collections/{collection_name}', '')}`);
    assert.deepEqual([...new Set(pointRoutes)].sort(), [...restPaths].sort(), 'READS / WRITES list every REST point route');
    const rpcs = Object.keys(contract().qdrant.Points.service).filter((name) => !STRUCTURAL_RPCS.has(name));
    const listed = new Set([...Object.values(READS), ...Object.values(WRITES)].map((r) => r.grpc[0]));
    assert.deepEqual(rpcs.sort(), [...listed].sort(), 'READS / WRITES list every qdrant.Points RPC but the structural ones');

    for (const [index, driver] of drivers.entries()) {
      const c = `covered-${index}`;
      await create(c);
      await patch(c, { enabled: true, read_rate_limit: 1, write_rate_limit: 1 });
      assert.deepEqual(await driver.send(c, READS['get']!), { kind: 'ok' });
      assert.deepEqual(await driver.send(c, WRITES['upsert']!), { kind: 'ok' });
      for (const [name, r] of [...Object.entries(READS), ...Object.entries(WRITES)]) {
        const got = await driver.send(c, r);
        assert.equal(got.kind, 'rate_limited', `${driver.name} ${name}: ${JSON.stringify(got)}`);
      }
    }
  });
});
